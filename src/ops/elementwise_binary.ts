import type { DType } from '../dtype.js';
import { attrInt } from '../ir/attributes.js';
import type { Node } from '../ir/graph.js';
import { numel, storageFor, Tensor, type TensorData } from '../tensor.js';
import type { OpDef, OutputType } from './op.js';
import { broadcastShapes, broadcastStrides, rowPlan } from './util/broadcast.js';
import { ALL_TYPES, checkNode, FLOAT_TYPES, NUMERIC_TYPES, requireDType, requireSameDType, requiredTensor } from './util/checks.js';
import { invalidError } from './util/errors.js';
import { roundInPlace } from './util/round.js';

/**
 * Binary elementwise ops with multidirectional (numpy) broadcasting: arithmetic (Add, Sub, Mul,
 * Div, Pow, Mod, Max, Min), comparisons (Equal, Less, Greater, LessOrEqual, GreaterOrEqual) and
 * logic (And, Or, Xor).
 *
 * Values are computed in float64 and rounded into the output dtype once (float32 by the store
 * into a Float32Array; halves, integers and bools by roundInPlace), so integer arithmetic wraps
 * like C. Integer Div truncates toward zero (C / ORT); integer Mod with fmod=0 takes the sign of
 * the divisor (Python), fmod=1 is C fmod (sign of the dividend). Integer division by zero gives 0
 * (ORT leaves it undefined).
 */

/**
 * A row kernel: o[oo+i] = f(a[ai + i*as], b[bi + i*bs]) for i < n. One function per op, so the
 * per-element work is a monomorphic inline loop, not a closure call.
 */
export type RowKernel = (o: TensorData, oo: number, a: TensorData, ai: number, as: number, b: TensorData, bi: number, bs: number, n: number) => void;

const add: RowKernel = (o, oo, a, ai, as, b, bi, bs, n) => {
  for (let i = 0; i < n; i++, ai += as, bi += bs) o[oo + i] = a[ai]! + b[bi]!;
};
const sub: RowKernel = (o, oo, a, ai, as, b, bi, bs, n) => {
  for (let i = 0; i < n; i++, ai += as, bi += bs) o[oo + i] = a[ai]! - b[bi]!;
};
const mul: RowKernel = (o, oo, a, ai, as, b, bi, bs, n) => {
  for (let i = 0; i < n; i++, ai += as, bi += bs) o[oo + i] = a[ai]! * b[bi]!;
};
/** 32-bit integer multiply with C wrap-around (the double product may exceed 2^53). */
const mulInt32: RowKernel = (o, oo, a, ai, as, b, bi, bs, n) => {
  for (let i = 0; i < n; i++, ai += as, bi += bs) o[oo + i] = Math.imul(a[ai]!, b[bi]!);
};
const SAFE = Number.MAX_SAFE_INTEGER;
/** 64-bit integer multiply: exact in doubles while the product is below 2^53, BigInt beyond. */
const mulInt64: RowKernel = (o, oo, a, ai, as, b, bi, bs, n) => {
  for (let i = 0; i < n; i++, ai += as, bi += bs) {
    const p = a[ai]! * b[bi]!;
    o[oo + i] = p <= SAFE && p >= -SAFE ? p : Number(BigInt.asIntN(64, BigInt(a[ai]!) * BigInt(b[bi]!)));
  }
};
const mulUint64: RowKernel = (o, oo, a, ai, as, b, bi, bs, n) => {
  for (let i = 0; i < n; i++, ai += as, bi += bs) {
    const p = a[ai]! * b[bi]!;
    o[oo + i] = p <= SAFE ? p : Number(BigInt.asUintN(64, BigInt(a[ai]!) * BigInt(b[bi]!)));
  }
};
const div: RowKernel = (o, oo, a, ai, as, b, bi, bs, n) => {
  for (let i = 0; i < n; i++, ai += as, bi += bs) o[oo + i] = a[ai]! / b[bi]!;
};
const divTrunc: RowKernel = (o, oo, a, ai, as, b, bi, bs, n) => {
  for (let i = 0; i < n; i++, ai += as, bi += bs) {
    const d = b[bi]!;
    o[oo + i] = d === 0 ? 0 : Math.trunc(a[ai]! / d);
  }
};
const pow: RowKernel = (o, oo, a, ai, as, b, bi, bs, n) => {
  for (let i = 0; i < n; i++, ai += as, bi += bs) o[oo + i] = Math.pow(a[ai]!, b[bi]!);
};
/** C fmod: the result has the sign of the dividend. */
const fmod: RowKernel = (o, oo, a, ai, as, b, bi, bs, n) => {
  for (let i = 0; i < n; i++, ai += as, bi += bs) o[oo + i] = a[ai]! % b[bi]!;
};
/** Integer mod with the sign of the divisor (fmod=0); x mod 0 = 0. */
const modInt: RowKernel = (o, oo, a, ai, as, b, bi, bs, n) => {
  for (let i = 0; i < n; i++, ai += as, bi += bs) {
    const d = b[bi]!;
    if (d === 0) {
      o[oo + i] = 0;
      continue;
    }
    let r = a[ai]! % d;
    if (r !== 0 && r < 0 !== d < 0) r += d;
    o[oo + i] = r;
  }
};
const max: RowKernel = (o, oo, a, ai, as, b, bi, bs, n) => {
  for (let i = 0; i < n; i++, ai += as, bi += bs) {
    const x = a[ai]!;
    const y = b[bi]!;
    o[oo + i] = x > y || x !== x ? x : y;
  }
};
const min: RowKernel = (o, oo, a, ai, as, b, bi, bs, n) => {
  for (let i = 0; i < n; i++, ai += as, bi += bs) {
    const x = a[ai]!;
    const y = b[bi]!;
    o[oo + i] = x < y || x !== x ? x : y;
  }
};
const equal: RowKernel = (o, oo, a, ai, as, b, bi, bs, n) => {
  for (let i = 0; i < n; i++, ai += as, bi += bs) o[oo + i] = a[ai]! === b[bi]! ? 1 : 0;
};
const less: RowKernel = (o, oo, a, ai, as, b, bi, bs, n) => {
  for (let i = 0; i < n; i++, ai += as, bi += bs) o[oo + i] = a[ai]! < b[bi]! ? 1 : 0;
};
const greater: RowKernel = (o, oo, a, ai, as, b, bi, bs, n) => {
  for (let i = 0; i < n; i++, ai += as, bi += bs) o[oo + i] = a[ai]! > b[bi]! ? 1 : 0;
};
const lessOrEqual: RowKernel = (o, oo, a, ai, as, b, bi, bs, n) => {
  for (let i = 0; i < n; i++, ai += as, bi += bs) o[oo + i] = a[ai]! <= b[bi]! ? 1 : 0;
};
const greaterOrEqual: RowKernel = (o, oo, a, ai, as, b, bi, bs, n) => {
  for (let i = 0; i < n; i++, ai += as, bi += bs) o[oo + i] = a[ai]! >= b[bi]! ? 1 : 0;
};
const and: RowKernel = (o, oo, a, ai, as, b, bi, bs, n) => {
  for (let i = 0; i < n; i++, ai += as, bi += bs) o[oo + i] = a[ai]! !== 0 && b[bi]! !== 0 ? 1 : 0;
};
const or: RowKernel = (o, oo, a, ai, as, b, bi, bs, n) => {
  for (let i = 0; i < n; i++, ai += as, bi += bs) o[oo + i] = a[ai]! !== 0 || b[bi]! !== 0 ? 1 : 0;
};
const xor: RowKernel = (o, oo, a, ai, as, b, bi, bs, n) => {
  for (let i = 0; i < n; i++, ai += as, bi += bs) o[oo + i] = (a[ai]! !== 0) !== (b[bi]! !== 0) ? 1 : 0;
};

/**
 * out = kernel(a, b) broadcast to the common shape, rounded into `outDtype`. Shared with the
 * other elementwise families (and usable by passes that need an exact reference op).
 */
export function applyBinary(node: Node, a: Tensor, b: Tensor, outDtype: DType, kernel: RowKernel): Tensor {
  const shape = sameShape(a.shape, b.shape) ? [...a.shape] : broadcastShapes(node, [a.shape, b.shape]);
  const out = storageFor(outDtype, numel(shape));
  if (out.length > 0) {
    if (a.data.length === out.length && b.data.length === out.length) {
      kernel(out, 0, a.data, 0, 1, b.data, 0, 1, out.length);
    } else {
      const plan = rowPlan(shape, [broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape)]);
      const { rows, inner } = plan;
      const [sa, sb] = plan.innerStrides as [number, number];
      const [oa, ob] = plan.offsets as [Int32Array, Int32Array];
      for (let r = 0; r < rows; r++) kernel(out, r * inner, a.data, oa[r]!, sa, b.data, ob[r]!, sb, inner);
    }
  }
  if (outDtype !== 'float32' && outDtype !== 'float64' && outDtype !== 'bool') roundInPlace(out, outDtype);
  return new Tensor(outDtype, shape, out);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

interface BinarySpec {
  readonly opType: string;
  readonly types: readonly DType[];
  readonly attributes?: readonly string[];
  /** Output dtype; default: the inputs' dtype. */
  readonly bool?: boolean;
  /** Pow: the exponent may have another numeric dtype. */
  readonly mixed?: boolean;
  readonly kernel: (node: Node, dtype: DType) => RowKernel;
}

function binaryOp(spec: BinarySpec): OpDef {
  const def: OpDef = {
    opType: spec.opType,
    domain: '',
    attributes: spec.attributes ?? [],
    inputs: [2, 2],
    outputs: [1, 1],
    infer(node: Node): OutputType[] {
      checkNode(node, def);
      const dtype = requireDType(node, 0, spec.types);
      if (spec.mixed) requireDType(node, 1, NUMERIC_TYPES);
      else requireSameDType(node, [0, 1]);
      spec.kernel(node, dtype); // validates attributes
      const shape = broadcastShapes(node, [node.input(0).shape, node.input(1).shape], ['input 0', 'input 1']);
      return [{ dtype: spec.bool ? 'bool' : dtype, shape }];
    },
    evaluate(node: Node, inputs): Tensor[] {
      const a = requiredTensor(node, inputs, 0);
      const b = requiredTensor(node, inputs, 1);
      return [applyBinary(node, a, b, spec.bool ? 'bool' : a.dtype, spec.kernel(node, a.dtype))];
    },
  };
  return def;
}

const isInt = (d: DType) => !FLOAT_TYPES.includes(d) && d !== 'bool';

export const Add = binaryOp({ opType: 'Add', types: NUMERIC_TYPES, kernel: () => add });
export const Sub = binaryOp({ opType: 'Sub', types: NUMERIC_TYPES, kernel: () => sub });
export const Mul = binaryOp({
  opType: 'Mul',
  types: NUMERIC_TYPES,
  kernel: (_n, d) => (d === 'int32' || d === 'uint32' ? mulInt32 : d === 'int64' ? mulInt64 : d === 'uint64' ? mulUint64 : mul),
});
export const Div = binaryOp({ opType: 'Div', types: NUMERIC_TYPES, kernel: (_n, d) => (isInt(d) ? divTrunc : div) });
export const Pow = binaryOp({ opType: 'Pow', types: NUMERIC_TYPES, mixed: true, kernel: () => pow });
/** Mod's `fmod` (default 0): C fmod (sign of the dividend) rather than the integer modulo (sign of the divisor). */
export function modIsFmod(node: Node): boolean {
  const f = attrInt(node, 'fmod', 0);
  if (f !== 0 && f !== 1) throw invalidError(node, `attribute "fmod" must be 0 or 1, got ${f}`);
  return f === 1;
}

export const Mod = binaryOp({
  opType: 'Mod',
  types: NUMERIC_TYPES,
  attributes: ['fmod'],
  kernel: (node, d) => {
    const f = modIsFmod(node);
    if (!f && !isInt(d)) {
      throw invalidError(node, `Mod of ${d} needs fmod=1 (ONNX requires it for floating-point inputs)`);
    }
    return f ? fmod : modInt;
  },
});
export const Equal = binaryOp({ opType: 'Equal', types: ALL_TYPES, bool: true, kernel: () => equal });
export const Less = binaryOp({ opType: 'Less', types: NUMERIC_TYPES, bool: true, kernel: () => less });
export const Greater = binaryOp({ opType: 'Greater', types: NUMERIC_TYPES, bool: true, kernel: () => greater });
export const LessOrEqual = binaryOp({ opType: 'LessOrEqual', types: NUMERIC_TYPES, bool: true, kernel: () => lessOrEqual });
export const GreaterOrEqual = binaryOp({
  opType: 'GreaterOrEqual',
  types: NUMERIC_TYPES,
  bool: true,
  kernel: () => greaterOrEqual,
});
export const And = binaryOp({ opType: 'And', types: ['bool'], bool: true, kernel: () => and });
export const Or = binaryOp({ opType: 'Or', types: ['bool'], bool: true, kernel: () => or });
export const Xor = binaryOp({ opType: 'Xor', types: ['bool'], bool: true, kernel: () => xor });

/** Max / Min are variadic in ONNX (1..∞ inputs, all broadcast together). */
function variadicOp(opType: 'Max' | 'Min', kernel: RowKernel): OpDef {
  const def: OpDef = {
    opType,
    domain: '',
    attributes: [],
    inputs: [1, 2147483647],
    outputs: [1, 1],
    infer(node) {
      checkNode(node, def);
      const dtype = requireDType(node, 0, NUMERIC_TYPES);
      requireSameDType(
        node,
        node.inputs.map((_, i) => i),
      );
      const shape = broadcastShapes(
        node,
        node.inputs.map((_, i) => node.input(i).shape),
        node.inputs.map((_, i) => `input ${i}`),
      );
      return [{ dtype, shape }];
    },
    evaluate(node, inputs) {
      let acc = requiredTensor(node, inputs, 0);
      if (inputs.length === 1) return [new Tensor(acc.dtype, acc.shape, acc.data.slice())];
      for (let i = 1; i < inputs.length; i++) acc = applyBinary(node, acc, requiredTensor(node, inputs, i), acc.dtype, kernel);
      return [acc];
    },
  };
  return def;
}

export const Max = variadicOp('Max', max);
export const Min = variadicOp('Min', min);

export const BINARY_OPS: readonly OpDef[] = [Add, Sub, Mul, Div, Pow, Mod, Max, Min, Equal, Less, Greater, LessOrEqual, GreaterOrEqual, And, Or, Xor];
