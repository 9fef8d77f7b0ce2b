import { dtypeInfo, type DType } from '../../src/dtype.js';
import { attrInt } from '../../src/ir/attributes.js';
import { ONNX_DOMAIN, type Node, type Value } from '../../src/ir/graph.js';
import { broadcastView } from '../../src/ops/util/strided.js';
import { numel } from '../../src/tensor.js';
import { floatLiteral, grouped, intLiteral } from '../c_text.js';
import { nodeText } from '../emit/provenance.js';
import { boolParam, int64Array, intParam, read, typeParam, write, type KernelSpec } from '../kernel_spec.js';
import { BINARY_OPS, UNARY_OPS, binaryFunctor, unaryFunctor } from './elementwise.js';
import { kernelView } from './kernel_view.js';
import { flatLaunch, perImageOf, readsPerImage } from './flat_launch.js';

/**
 * A tree of elementwise nodes (codegen/elementwise_fusion.ts; also a lone Clip, which has no
 * kernel of its own) as one kernel: `yhc::fused_map`
 * (elementwise.cuh) with a generated body — one statement per node into a named temporary
 * (`t3`), a run of one unary op repeated as a loop, the inputs loaded once each (`a0`, `a1`;
 * through their broadcast strides when they are smaller than the result). Arithmetic is in each
 * value's type, float for float16 storage (a float16 intermediate is rounded to half where the
 * graph has it, as the interpreter does); only the root's result is stored.
 */

/** Unary ops the fused body applies (Cast included). */
const UNARY = new Set(UNARY_OPS);
const BINARY = new Set(BINARY_OPS);

/**
 * A QuantizeLinear / DequantizeLinear the fused body applies: per tensor, constant float32 scale
 * and 8-bit zero point, between float32 and int8/uint8 — its parameters, or null.
 */
function quantStep(n: Node): { readonly scale: number; readonly zeroPoint: number; readonly q: DType } | null {
  if (n.domain !== ONNX_DOMAIN || (n.opType !== 'QuantizeLinear' && n.opType !== 'DequantizeLinear')) return null;
  const [s, z] = [n.inputs[1]?.constant, n.inputs[2] ? n.inputs[2].constant : undefined];
  if (!s || s.size !== 1 || s.dtype !== 'float32' || z === null || (z && z.size !== 1) || attrInt(n, 'block_size', 0) !== 0) return null;
  const [f, q] = n.opType === 'QuantizeLinear' ? [n.input(0).dtype, n.outputs[0]!.dtype] : [n.outputs[0]!.dtype, n.input(0).dtype];
  if (f !== 'float32' || (q !== 'int8' && q !== 'uint8')) return null;
  return { scale: s.data[0]!, zeroPoint: z ? z.data[0]! : 0, q };
}

/** The inputs a fused step reads as data (a quantizer's scale and zero point are literals, not loads). */
export function fusedOperands(n: Node): readonly (Value | null)[] {
  return quantStep(n) ? [n.inputs[0]!] : n.inputs;
}

/** Ops whose only kernel is the fused one: a lone Clip, QuantizeLinear or DequantizeLinear is a cluster of one. */
export function needsFusedKernel(n: Node): boolean {
  return n.opType === 'Clip' || quantStep(n) !== null;
}

/** Whether a node may be part of a fused elementwise kernel. */
export function isFusableElementwise(n: Node): boolean {
  if (n.outputs.length !== 1) return false;
  if (quantStep(n)) return true;
  if (n.opType === 'Clip') return clipHasBounds(n);
  if (n.inputs.some((v) => v === null)) return false;
  if (n.opType === 'Where' || BINARY.has(n.opType) || n.opType === 'Cast') return true;
  if (!UNARY.has(n.opType)) return false;
  // Float-math functors take float (float16 computes in float): another type keeps the op's own kernel and its error.
  const floatish = (d: DType) => d === 'float32' || d === 'float16';
  return !unaryFunctor(n).floatOnly || (floatish(n.input(0).dtype) && floatish(n.outputs[0]!.dtype));
}

/**
 * Clip's bounds: optional scalar inputs (yhc imports opset 13 on, so never the old attributes); a
 * missing one is ±infinity, or the integer type's range. A Clip with neither has no kernel (it
 * keeps the CODEGEN error).
 */
const clipHasBounds = (n: Node) => n.inputs.slice(1).some((v) => v !== null);

/** Clip's two bounds as expressions in the compute type `t`; `args` holds the present bound inputs' operands. */
function clipBounds(t: string, args: readonly (string | null)[]): [string, string] {
  const isFloat = t === 'float' || t === 'double';
  const lowest = isFloat ? `-std::numeric_limits<${t}>::infinity()` : `std::numeric_limits<${t}>::lowest()`;
  const highest = isFloat ? `std::numeric_limits<${t}>::infinity()` : `std::numeric_limits<${t}>::max()`;
  return [args[1] ?? lowest, args[2] ?? highest];
}

/** Unary steps with equal keys applied in a row become one loop (null: never merged). */
export function fusedStepKey(n: Node): string | null {
  if (!UNARY.has(n.opType) || n.opType === 'Cast') return null;
  const same = n.input(0).dtype === n.outputs[0]!.dtype;
  return same ? `${n.opType}:${n.input(0).dtype}` : null;
}

/** The type a value is computed in: its storage type, float for half. */
const computeType = (d: DType) => (d === 'float16' ? 'float' : dtypeInfo(d).cType);
const storageType = (d: DType) => dtypeInfo(d).cType;

/** A float16 intermediate is rounded to half, as the interpreter stores it. */
const rounded = (d: DType, expr: string) => (d === 'float16' ? `yhc::to_float(yhc::from_float<__half>(${expr}))` : expr);

function stepExpression(n: Node, args: readonly (string | null)[]): string {
  const y = n.outputs[0]!;
  const out = computeType(y.dtype);
  if (n.opType === 'Where') return `${args[0]} ? ${args[1]} : ${args[2]}`;
  const qs = quantStep(n);
  if (qs) {
    const params = `${floatLiteral(qs.scale)}, ${intLiteral(qs.zeroPoint)}`;
    const t = storageType(qs.q);
    return n.opType === 'QuantizeLinear' ? `yhc::op::quantize_linear<${t}>(${args[0]}, ${params})` : `yhc::op::dequantize_linear<${t}>(${args[0]}, ${params})`;
  }
  if (n.opType === 'Clip') return `yhc::op::Clip()(${[args[0], ...clipBounds(out, args)].join(', ')})`;
  if (n.opType === 'Cast') return `yhc::op::Cast<${out}>()(${args[0]})`;
  const left = computeType(n.input(0).dtype);
  const cast = (expr: string) => (out === left ? expr : `static_cast<${out}>(${expr})`);
  if (UNARY.has(n.opType)) return cast(`${unaryFunctor(n).functor}()(${args[0]})`);
  // Binary: the right operand in the left's type (Pow may take an exponent of another type), as binary_broadcast does.
  const right = computeType(n.input(1).dtype) === left ? args[1] : `static_cast<${left}>(${args[1]})`;
  return cast(`${binaryFunctor(n)}()(${args[0]}, ${right})`);
}

/** Node names in a comment: all of them up to a few, else the first and last with the count between. */
function namesComment(nodes: readonly Node[]): string {
  const names = nodes.map(nodeText);
  return names.length <= 3 ? names.join(', ') : `${names[0]} … ${names.at(-1)} (${grouped(names.length)} nodes)`;
}

export function fusedElementwiseKernel(nodes: readonly Node[], root: Node): KernelSpec {
  const members = new Set(nodes);
  const y = root.outputs[0]!;
  const n = numel(y.shape);
  const temps = new Map<Value, string>();
  const inputs: Value[] = [];
  const inputName = new Map<Value, string>();
  const operand = (v: Value): string => {
    const t = temps.get(v);
    if (t) return t;
    let name = inputName.get(v);
    if (!name) {
      name = `a${inputs.length}`;
      inputName.set(v, name);
      inputs.push(v);
    }
    return name;
  };

  // Statements in graph order; a unary node applying its input's own op again joins that loop.
  interface Statement {
    readonly temp: string;
    readonly type: string;
    readonly expr: string;
    readonly loop: string;
    readonly nodes: Node[];
  }
  const statements: Statement[] = [];
  const byTemp = new Map<string, Statement>();
  for (const m of nodes) {
    const v = m.outputs[0]!;
    const source = m.inputs[0]!;
    const prev = temps.get(source) !== undefined ? source.producer : null;
    const key = fusedStepKey(m);
    if (prev && members.has(prev) && key !== null && key === fusedStepKey(prev)) {
      const s = byTemp.get(temps.get(source)!)!;
      s.nodes.push(m);
      temps.set(v, s.temp);
      continue;
    }
    const args = fusedOperands(m).map((x) => (x ? operand(x) : null));
    const temp = `t${statements.length}`;
    const expr = stepExpression(m, args);
    const s: Statement = { temp, type: computeType(v.dtype), expr: rounded(v.dtype, expr), loop: rounded(v.dtype, stepExpression(m, [temp])), nodes: [m] };
    statements.push(s);
    byTemp.set(temp, s);
    temps.set(v, temp);
  }

  const views = inputs.map((v) => kernelView(broadcastView(v.shape, y.shape)));
  const rank = kernelView(broadcastView(y.shape, y.shape)).shape.length;
  const same = (v: Value) => numel(v.shape) === n;
  const inputsType = `yhc::FusedInputs<${inputs.length}, ${rank}>`;
  const loads = inputs.map((v, k) => {
    // An input of the output's shape is read through its image stride (a channel range of a concat's buffer, codegen/views.ts).
    const load = same(v)
      ? `yhc::fused_at<${storageType(v.dtype)}>(in, ${k}, yhc::strided_index<P::per_image, P::a${k}_image_stride>(i))`
      : `yhc::fused_gather<${storageType(v.dtype)}>(in, ${k}, i)`;
    return `    const ${computeType(v.dtype)} a${k} = ${v.dtype === 'float16' ? `yhc::to_float(${load})` : load};`;
  });
  const body = statements.flatMap((s) => {
    const head = s.nodes[0]!;
    const lines = [`    // ${nodeText(head)}`, `    ${s.nodes.length > 1 ? '' : 'const '}${s.type} ${s.temp} = ${s.expr};`];
    if (s.nodes.length > 1) {
      lines.push(`    // ${grouped(s.nodes.length - 1)} more of the same op: ${namesComment(s.nodes.slice(1))}`);
      lines.push(`    for (int r = 1; r < ${s.nodes.length}; ++r) ${s.temp} = ${s.loop};`);
    }
    return lines;
  });
  const result = statements.at(-1)!.temp;
  const store = y.dtype === 'float16' ? `yhc::from_float<__half>(${result})` : result;
  const deviceCode = [
    `// The fused body: ${grouped(nodes.length)} elementwise nodes in ${statements.length} statement${statements.length === 1 ? '' : 's'}, in registers;`,
    `// inputs a<k> loaded once each, temporaries t<k>; only the result is stored.`,
    'template <class P> struct FusedBody {',
    `  __device__ __forceinline__ ${storageType(y.dtype)} operator()(const ${inputsType}& in, int64_t i) const {`,
    ...loads,
    ...body,
    `    return ${store};`,
    '  }',
    '};',
    '',
  ];
  const launch = flatLaunch(n, y.shape[0] ?? 1, readsPerImage(y, inputs));
  const init = `{{${inputs.map((_, k) => `a${k}`).join(', ')}}, ${int64Array(views[0]?.shape ?? [1])}, {${views.map((m) => int64Array(m.strides)).join(', ')}}}`;
  return {
    family: 'fused',
    template: 'elementwise.cuh',
    kernel: 'yhc::fused_map',
    params: [
      typeParam('Out', storageType(y.dtype)),
      typeParam('Body', 'FusedBody<Params>'),
      intParam('count', n),
      intParam('per_image', perImageOf(y)),
      boolParam('image_major', launch.imageBlocks !== undefined),
      intParam('inputs', inputs.length),
      intParam('rank', rank),
    ],
    tensors: [...inputs.map((v, k) => read(`a${k}`, v)), write('y', y)],
    locals: [{ cType: inputsType, name: 'in', init }],
    callArgs: ['in', 'y'],
    // Image-major when each image reads only its own inputs: a run of fewer images launches fewer blocks.
    ...launch,
    nodes,
    flops: n * nodes.length,
    halfStorage: true,
    deviceCode,
  };
}
