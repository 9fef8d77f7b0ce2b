import { dtypeInfo } from '../../src/dtype.js';
import type { Node } from '../../src/ir/graph.js';
import { numel } from '../../src/tensor.js';
import { boolParam, int64Array, intParam, read, requireFloat32, typeParam, write, type KernelSpec } from '../kernel_spec.js';
import { modIsFmod } from '../../src/ops/elementwise_binary.js';
import { broadcastView } from '../../src/ops/util/strided.js';
import { flatLaunch, perImageOf, readsPerImage } from './flat_launch.js';
import { kernelView } from './kernel_view.js';

/** ONNX op → functor in templates/kernels/elementwise.cuh (yhc::op::...). */
const UNARY: Record<string, string> = {
  Sigmoid: 'Sigmoid',
  Sqrt: 'Sqrt',
  Exp: 'Exp',
  Erf: 'Erf',
  Tanh: 'Tanh',
  Relu: 'Relu',
  Neg: 'Neg',
  Abs: 'Abs',
  Reciprocal: 'Reciprocal',
  Floor: 'Floor',
  Ceil: 'Ceil',
  Not: 'Not',
};
/** Functors written in float math: float32 only (the rest are generic over the element type). */
const FLOAT_ONLY = new Set(['Sigmoid', 'Sqrt', 'Exp', 'Erf', 'Tanh', 'Reciprocal', 'Floor', 'Ceil']);
const BINARY: Record<string, string> = {
  Add: 'Add',
  Sub: 'Sub',
  Mul: 'Mul',
  Div: 'Div',
  Pow: 'Pow',
  And: 'And',
  Or: 'Or',
  Equal: 'Equal',
  Less: 'Less',
  Greater: 'Greater',
  Max: 'Max',
  Min: 'Min',
};

/** Binary ops computed in float on half storage (codegen/precision.ts stores a residual Add in half). */
const HALF_ARITHMETIC = new Set(['Add', 'Sub', 'Mul', 'Div', 'Max', 'Min']);

export const UNARY_OPS = [...Object.keys(UNARY), 'Cast'];
export const BINARY_OPS = [...Object.keys(BINARY), 'Mod'];

const cType = (v: { dtype: Parameters<typeof dtypeInfo>[0] }) => dtypeInfo(v.dtype).cType;

/** The device functor of a unary node other than Cast (yhc::op::...), and whether it is float math only. */
export function unaryFunctor(node: Node): { readonly functor: string; readonly floatOnly: boolean } {
  const name = UNARY[node.opType]!;
  return { functor: `yhc::op::${name}`, floatOnly: FLOAT_ONLY.has(name) };
}

/** The device functor of a binary node (yhc::op::...). */
export function binaryFunctor(node: Node): string {
  return `yhc::op::${node.opType === 'Mod' ? (modIsFmod(node) ? 'FMod' : 'Mod') : BINARY[node.opType]!}`;
}

/** y[i] = f(x[i]) */
export function unaryKernel(node: Node): KernelSpec {
  const x = node.input(0);
  const y = node.outputs[0]!;
  const name = node.opType === 'Cast' ? 'Cast' : UNARY[node.opType]!;
  if (FLOAT_ONLY.has(name)) requireFloat32(node, [x, y]);
  const functor = node.opType === 'Cast' ? `yhc::op::Cast<${cType(y)}>` : `yhc::op::${name}`;
  const n = numel(y.shape);
  const launch = flatLaunch(n, y.shape[0] ?? 1, readsPerImage(y, [x]));
  return {
    family: name.toLowerCase(),
    template: 'elementwise.cuh',
    kernel: 'yhc::unary_map',
    params: [
      typeParam('In', cType(x)),
      typeParam('Out', cType(y)),
      typeParam('Op', functor),
      intParam('count', n),
      intParam('per_image', perImageOf(y)),
      boolParam('image_major', launch.imageBlocks !== undefined),
    ],
    tensors: [read('x', x), write('y', y)],
    callArgs: ['x', 'y'],
    ...launch,
    nodes: [node],
    flops: n,
  };
}

/** y[i] = f(a[broadcast(i)], b[broadcast(i)]) */
export function binaryKernel(node: Node): KernelSpec {
  const a = node.input(0);
  const b = node.input(1);
  const y = node.outputs[0]!;
  const functor = binaryFunctor(node);
  const name = functor.slice('yhc::op::'.length);
  const n = numel(y.shape);
  const same = numel(a.shape) === n && numel(b.shape) === n;
  const aMap = kernelView(broadcastView(a.shape, y.shape));
  const bMap = kernelView(broadcastView(b.shape, y.shape));
  const rank = aMap.shape.length;
  const launch = flatLaunch(n, y.shape[0] ?? 1, readsPerImage(y, [a, b]));
  return {
    family: name.toLowerCase(),
    template: 'elementwise.cuh',
    kernel: 'yhc::binary_broadcast',
    params: [
      typeParam('InA', cType(a)),
      typeParam('InB', cType(b)),
      typeParam('Out', cType(y)),
      typeParam('Op', functor),
      intParam('count', n),
      intParam('rank', rank),
      boolParam('same_shapes', same),
      intParam('per_image', perImageOf(y)),
      boolParam('image_major', launch.imageBlocks !== undefined),
    ],
    // Broadcast operands are read through their row-major strides: only same-shape ones take an image stride.
    imageStrides: same ? ['a', 'b', 'y'] : ['y'],
    tensors: [read('a', a), read('b', b), write('y', y)],
    locals: [
      { cType: `yhc::Dims<${rank}>`, name: 'dims', init: int64Array(aMap.shape) },
      { cType: `yhc::Strides<${rank}>`, name: 'a_strides', init: int64Array(aMap.strides) },
      { cType: `yhc::Strides<${rank}>`, name: 'b_strides', init: int64Array(bMap.strides) },
    ],
    callArgs: ['a', 'b', 'y', 'dims', 'a_strides', 'b_strides'],
    ...launch,
    nodes: [node],
    flops: n,
    // binary_broadcast widens half operands to float and rounds a half result once.
    halfStorage: HALF_ARITHMETIC.has(name),
  };
}

/** y[i] = cond[i] ? a[i] : b[i] */
export function whereKernel(node: Node): KernelSpec {
  const [c, a, b] = [node.input(0), node.input(1), node.input(2)];
  const y = node.outputs[0]!;
  const n = numel(y.shape);
  const maps = [c, a, b].map((v) => kernelView(broadcastView(v.shape, y.shape)));
  const rank = maps[0]!.shape.length;
  return {
    family: 'where',
    template: 'elementwise.cuh',
    kernel: 'yhc::where_select',
    params: [typeParam('Out', cType(y)), intParam('count', n), intParam('rank', rank)],
    tensors: [read('cond', c), read('a', a), read('b', b), write('y', y)],
    locals: [
      { cType: `yhc::Dims<${rank}>`, name: 'dims', init: int64Array(maps[0]!.shape) },
      { cType: `yhc::Strides<${rank}>`, name: 'cond_strides', init: int64Array(maps[0]!.strides) },
      { cType: `yhc::Strides<${rank}>`, name: 'a_strides', init: int64Array(maps[1]!.strides) },
      { cType: `yhc::Strides<${rank}>`, name: 'b_strides', init: int64Array(maps[2]!.strides) },
    ],
    callArgs: ['cond', 'a', 'b', 'y', 'dims', 'cond_strides', 'a_strides', 'b_strides'],
    ...flatLaunch(n, y.shape[0] ?? 1, readsPerImage(y, [c, a, b])),
    nodes: [node],
    flops: n,
  };
}
