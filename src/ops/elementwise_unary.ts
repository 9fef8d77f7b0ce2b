import type { DType } from '../dtype.js';
import { attrFloat } from '../ir/attributes.js';
import type { Node } from '../ir/graph.js';
import { storageFor, Tensor, type TensorData } from '../tensor.js';
import type { OpDef, OutputType } from './op.js';
import { checkNode, FLOAT_TYPES, NUMERIC_TYPES, requireDType, requiredTensor, SIGNED_INT_TYPES, SIGNED_NUMERIC_TYPES } from './util/checks.js';
import { roundInPlace } from './util/round.js';

/**
 * Unary elementwise ops. Each computes in float64 and rounds once into the input's dtype
 * (Not: bool). Activations with attributes (LeakyRelu alpha, HardSigmoid alpha/beta) read them
 * once, outside the loop.
 */

/** o[i] = f(x[i]) for i < n; one loop per op. */
export type UnaryKernel = (x: TensorData, o: TensorData, n: number) => void;

/** erf(x) to double precision: 2/√π·e^{-x²}·Σ 2ⁿx^{2n+1}/(1·3···(2n+1)) (all terms positive). */
export function erf(x: number): number {
  if (x !== x) return NaN;
  const ax = Math.abs(x);
  if (ax >= 6) return x > 0 ? 1 : -1;
  const x2 = ax * ax;
  let term = ax;
  let sum = ax;
  for (let k = 1; k < 500; k++) {
    term *= (2 * x2) / (2 * k + 1);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  const r = (2 / Math.sqrt(Math.PI)) * Math.exp(-x2) * sum;
  return x < 0 ? -r : r;
}

function sigmoid(v: number): number {
  return v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
}

const K = {
  sigmoid: ((x, o, n) => {
    for (let i = 0; i < n; i++) o[i] = sigmoid(x[i]!);
  }) as UnaryKernel,
  relu: ((x, o, n) => {
    for (let i = 0; i < n; i++) {
      const v = x[i]!;
      o[i] = v > 0 ? v : v !== v ? v : 0;
    }
  }) as UnaryKernel,
  exp: ((x, o, n) => {
    for (let i = 0; i < n; i++) o[i] = Math.exp(x[i]!);
  }) as UnaryKernel,
  log: ((x, o, n) => {
    for (let i = 0; i < n; i++) o[i] = Math.log(x[i]!);
  }) as UnaryKernel,
  erf: ((x, o, n) => {
    for (let i = 0; i < n; i++) o[i] = erf(x[i]!);
  }) as UnaryKernel,
  sqrt: ((x, o, n) => {
    for (let i = 0; i < n; i++) o[i] = Math.sqrt(x[i]!);
  }) as UnaryKernel,
  tanh: ((x, o, n) => {
    for (let i = 0; i < n; i++) o[i] = Math.tanh(x[i]!);
  }) as UnaryKernel,
  neg: ((x, o, n) => {
    for (let i = 0; i < n; i++) o[i] = -x[i]!;
  }) as UnaryKernel,
  abs: ((x, o, n) => {
    for (let i = 0; i < n; i++) o[i] = Math.abs(x[i]!);
  }) as UnaryKernel,
  floor: ((x, o, n) => {
    for (let i = 0; i < n; i++) o[i] = Math.floor(x[i]!);
  }) as UnaryKernel,
  ceil: ((x, o, n) => {
    for (let i = 0; i < n; i++) o[i] = Math.ceil(x[i]!);
  }) as UnaryKernel,
  /** Round half to even (ONNX Round). */
  round: ((x, o, n) => {
    for (let i = 0; i < n; i++) {
      const v = x[i]!;
      const r = Math.round(v);
      o[i] = r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
    }
  }) as UnaryKernel,
  reciprocal: ((x, o, n) => {
    for (let i = 0; i < n; i++) o[i] = 1 / x[i]!;
  }) as UnaryKernel,
  not: ((x, o, n) => {
    for (let i = 0; i < n; i++) o[i] = x[i]! === 0 ? 1 : 0;
  }) as UnaryKernel,
  /** HardSwish = x · max(0, min(1, x/6 + 1/2)). */
  hardSwish: ((x, o, n) => {
    for (let i = 0; i < n; i++) {
      const v = x[i]!;
      const t = v / 6 + 0.5;
      o[i] = v * (t <= 0 ? 0 : t >= 1 ? 1 : t);
    }
  }) as UnaryKernel,
};

function leakyRelu(alpha: number): UnaryKernel {
  return (x, o, n) => {
    for (let i = 0; i < n; i++) {
      const v = x[i]!;
      o[i] = v >= 0 ? v : alpha * v;
    }
  };
}

function hardSigmoid(alpha: number, beta: number): UnaryKernel {
  return (x, o, n) => {
    for (let i = 0; i < n; i++) {
      const t = alpha * x[i]! + beta;
      o[i] = t <= 0 ? 0 : t >= 1 ? 1 : t;
    }
  };
}

interface UnarySpec {
  readonly opType: string;
  readonly types: readonly DType[];
  readonly attributes?: readonly string[];
  readonly kernel: (node: Node) => UnaryKernel;
}

/** out = kernel(x) rounded into x's dtype. */
export function applyUnary(x: Tensor, kernel: UnaryKernel): Tensor {
  const out = storageFor(x.dtype, x.data.length);
  kernel(x.data, out, out.length);
  if (x.dtype !== 'float32' && x.dtype !== 'float64' && x.dtype !== 'bool') roundInPlace(out, x.dtype);
  return new Tensor(x.dtype, x.shape, out);
}

function unaryOp(spec: UnarySpec): OpDef {
  const def: OpDef = {
    opType: spec.opType,
    domain: '',
    attributes: spec.attributes ?? [],
    inputs: [1, 1],
    outputs: [1, 1],
    infer(node: Node): OutputType[] {
      checkNode(node, def);
      const dtype = requireDType(node, 0, spec.types);
      spec.kernel(node);
      return [{ dtype, shape: [...node.input(0).shape] }];
    },
    evaluate(node: Node, inputs): Tensor[] {
      return [applyUnary(requiredTensor(node, inputs, 0), spec.kernel(node))];
    },
  };
  return def;
}

const F = FLOAT_TYPES;
export const Sigmoid = unaryOp({ opType: 'Sigmoid', types: F, kernel: () => K.sigmoid });
export const Relu = unaryOp({ opType: 'Relu', types: [...F, ...SIGNED_INT_TYPES], kernel: () => K.relu });
export const Exp = unaryOp({ opType: 'Exp', types: F, kernel: () => K.exp });
export const Log = unaryOp({ opType: 'Log', types: F, kernel: () => K.log });
export const Erf = unaryOp({ opType: 'Erf', types: NUMERIC_TYPES, kernel: () => K.erf });
export const Sqrt = unaryOp({ opType: 'Sqrt', types: F, kernel: () => K.sqrt });
export const Tanh = unaryOp({ opType: 'Tanh', types: F, kernel: () => K.tanh });
export const Neg = unaryOp({ opType: 'Neg', types: SIGNED_NUMERIC_TYPES, kernel: () => K.neg });
export const Abs = unaryOp({ opType: 'Abs', types: NUMERIC_TYPES, kernel: () => K.abs });
export const Floor = unaryOp({ opType: 'Floor', types: F, kernel: () => K.floor });
export const Ceil = unaryOp({ opType: 'Ceil', types: F, kernel: () => K.ceil });
export const Round = unaryOp({ opType: 'Round', types: F, kernel: () => K.round });
export const Reciprocal = unaryOp({ opType: 'Reciprocal', types: F, kernel: () => K.reciprocal });
export const Not = unaryOp({ opType: 'Not', types: ['bool'], kernel: () => K.not });
export const HardSwish = unaryOp({ opType: 'HardSwish', types: F, kernel: () => K.hardSwish });
export const LeakyRelu = unaryOp({
  opType: 'LeakyRelu',
  types: F,
  attributes: ['alpha'],
  kernel: (node) => leakyRelu(attrFloat(node, 'alpha', Math.fround(0.01))),
});
export const HardSigmoid = unaryOp({
  opType: 'HardSigmoid',
  types: F,
  attributes: ['alpha', 'beta'],
  kernel: (node) => hardSigmoid(attrFloat(node, 'alpha', Math.fround(0.2)), attrFloat(node, 'beta', 0.5)),
});

export const UNARY_OPS: readonly OpDef[] = [
  Sigmoid,
  Relu,
  Exp,
  Log,
  Erf,
  Sqrt,
  Tanh,
  Neg,
  Abs,
  Floor,
  Ceil,
  Round,
  Reciprocal,
  Not,
  HardSwish,
  LeakyRelu,
  HardSigmoid,
];
