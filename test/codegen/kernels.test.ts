import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { poisonedOutputs } from '../../src/check/check.js';
import { compareDense } from '../../src/golden/compare.js';
import { runReference } from '../../src/check/oracle.js';
import { compileModel } from '../../src/compile.js';
import type { DType } from '../../src/dtype.js';
import type { Attr } from '../../src/ir/graph.js';
import { runGraph } from '../../src/interp/interpreter.js';
import { loadModel } from '../../src/onnx/load.js';
import type { NodeSpec, TensorSpec, ValueInfoSpec } from '../../src/onnx/write.js';
import { Engine } from '../../src/runtime/engine.js';
import { typedArrayOf, type TypedArray } from '../../src/typed_arrays.js';
import { Tensor } from '../../src/tensor.js';
import { randomTensor, writeModel } from '../helpers/models.js';
import { TEST_CACHE, tempDir } from '../helpers/paths.js';
import { float, int, ints } from '../helpers/attrs.js';

/**
 * Every kernel generator, on cases the fixtures do not reach (other axes, strides, dilations,
 * groups, broadcasting, integer and bool dtypes, ties, negative indices and steps): one model
 * with one output per case, built once for the host target. Each output must equal the
 * interpreter's (the definition) and onnxruntime's on the original model.
 */
const { dir, cleanup } = tempDir('yhc-kernels-');
afterAll(cleanup);

const inputs: ValueInfoSpec[] = [
  { name: 'x', dtype: 'float32', dims: [2, 3, 4] },
  { name: 'img', dtype: 'float32', dims: [1, 4, 7, 6] },
  { name: 'k', dtype: 'int64', dims: [2, 3] },
];
const initializers: TensorSpec[] = [];
const nodes: NodeSpec[] = [];
const cases: { name: string; dtype: DType; dims: number[] }[] = [];
let n = 0;

function constant(tensor: Tensor): string {
  const name = `c${initializers.length}`;
  initializers.push({ name, tensor });
  return name;
}
/** One node whose first output is a graph output named after the case. */
function op(name: string, opType: string, ins: string[], dtype: DType, dims: number[], attrs: Record<string, Attr> = {}, extraOutputs = 0): void {
  const outs = [name, ...Array.from({ length: extraOutputs }, (_, i) => `${name}__${i}`)];
  nodes.push({ op: opType, name: `n${n++}`, inputs: ins, outputs: outs, attrs });
  cases.push({ name, dtype, dims });
}
const i64 = (dims: number[], values: number[]) => constant(Tensor.from('int64', dims, values));
const randomConstant = (dims: number[], seed: number) => constant(randomTensor(dims, seed));

// Elementwise with broadcasting, unary float math.
const col = randomConstant([3, 1], 1);
for (const o of ['Add', 'Sub', 'Mul', 'Div', 'Max', 'Min']) op(`${o.toLowerCase()}_bcast`, o, ['x', col], 'float32', [2, 3, 4]);
nodes.push({ op: 'Abs', name: 'abs_x', inputs: ['x'], outputs: ['ax'] });
op('pow_sq', 'Pow', ['x', constant(Tensor.scalar('float32', 2))], 'float32', [2, 3, 4]);
op('pow_cube_int_exponent', 'Pow', ['ax', constant(Tensor.scalar('int64', 3))], 'float32', [2, 3, 4]);
for (const o of ['Sigmoid', 'Exp', 'Erf', 'Tanh', 'Relu', 'Neg', 'Abs', 'Floor', 'Ceil']) op(o.toLowerCase(), o, ['x'], 'float32', [2, 3, 4]);
op('sqrt', 'Sqrt', ['ax'], 'float32', [2, 3, 4]);
op('reciprocal', 'Reciprocal', ['ax'], 'float32', [2, 3, 4]);
op('fmod', 'Mod', ['x', constant(Tensor.scalar('float32', 0.7))], 'float32', [2, 3, 4], { fmod: int(1) });
// Integers, bools, casts.
const divisor = i64([3], [3, -2, 5]);
op('int_div_truncates', 'Div', ['k', divisor], 'int64', [2, 3]);
op('int_mod_takes_divisor_sign', 'Mod', ['k', divisor], 'int64', [2, 3]);
op('less', 'Less', ['x', col], 'bool', [2, 3, 4]);
op('greater', 'Greater', ['x', col], 'bool', [2, 3, 4]);
op('equal_int', 'Equal', ['k', divisor], 'bool', [2, 3]);
nodes.push({ op: 'Greater', name: 'gt0', inputs: ['x', constant(Tensor.scalar('float32', 0))], outputs: ['pos'] });
nodes.push({ op: 'Less', name: 'lt1', inputs: ['x', constant(Tensor.scalar('float32', 1))], outputs: ['lt1'] });
op('and', 'And', ['pos', 'lt1'], 'bool', [2, 3, 4]);
op('or', 'Or', ['pos', 'lt1'], 'bool', [2, 3, 4]);
op('not', 'Not', ['pos'], 'bool', [2, 3, 4]);
op('where', 'Where', ['pos', 'x', col], 'float32', [2, 3, 4]);
op('cast_to_int64', 'Cast', ['x'], 'int64', [2, 3, 4], { to: int(7) });
op('cast_to_float', 'Cast', ['k'], 'float32', [2, 3], { to: int(1) });
op('cast_to_bool', 'Cast', ['x'], 'bool', [2, 3, 4], { to: int(9) });
// Convolutions.
op('conv_stride2_asym_pads_bias', 'Conv', ['img', randomConstant([5, 4, 3, 3], 2), randomConstant([5], 3)], 'float32', [1, 5, 4, 3], {
  strides: ints([2, 2]),
  pads: ints([1, 0, 1, 1]),
});
op('conv_dilation2', 'Conv', ['img', randomConstant([3, 4, 3, 3], 4)], 'float32', [1, 3, 3, 2], { dilations: ints([2, 2]) });
op('conv_groups2', 'Conv', ['img', randomConstant([6, 2, 3, 3], 5)], 'float32', [1, 6, 7, 6], { group: int(2), pads: ints([1, 1, 1, 1]) });
op('conv_depthwise_same_upper', 'Conv', ['img', randomConstant([4, 1, 4, 4], 6)], 'float32', [1, 4, 7, 6], {
  group: int(4),
  auto_pad: { type: 'string', value: 'SAME_UPPER' },
});
op('conv_1x1', 'Conv', ['img', randomConstant([2, 4, 1, 1], 7), randomConstant([2], 8)], 'float32', [1, 2, 7, 6]);
// Normalizations.
op(
  'batchnorm',
  'BatchNormalization',
  ['img', randomConstant([4], 9), randomConstant([4], 10), randomConstant([4], 11), constant(Tensor.from('float32', [4], [0.5, 1, 2, 4]))],
  'float32',
  [1, 4, 7, 6],
  { epsilon: float(1e-3) },
);
op('instancenorm', 'InstanceNormalization', ['img', randomConstant([4], 12), randomConstant([4], 13)], 'float32', [1, 4, 7, 6]);
op('groupnorm_18_per_group', 'GroupNormalization', ['img', randomConstant([2], 14), randomConstant([2], 15)], 'float32', [1, 4, 7, 6], { num_groups: int(2) });
op('softmax_axis1', 'Softmax', ['x'], 'float32', [2, 3, 4], { axis: int(1) });
op('softmax_last', 'Softmax', ['x'], 'float32', [2, 3, 4]);
// Reductions (opset 18: axes as input).
op('reducemean_axis1', 'ReduceMean', ['x', i64([1], [1])], 'float32', [2, 1, 4]);
op('reducesum_axes02_flat', 'ReduceSum', ['x', i64([2], [0, 2])], 'float32', [3], { keepdims: int(0) });
op('reducemax_last', 'ReduceMax', ['x', i64([1], [-1])], 'float32', [2, 3, 1]);
op('reducemin_all', 'ReduceMin', ['x'], 'float32', [1, 1, 1]);
op('reduceprod', 'ReduceProd', ['x', i64([1], [2])], 'float32', [2, 3], { keepdims: int(0) });
op('reducesumsquare', 'ReduceSumSquare', ['x', i64([1], [0])], 'float32', [1, 3, 4]);
op('reducesum_int', 'ReduceSum', ['k', i64([1], [1])], 'int64', [2, 1]);
// TopK with exact ties (ties go to the lower index) and smallest-first.
const tied = constant(Tensor.from('float32', [2, 6], [3, 1, 3, 2, 3, 0, 5, 5, 5, 5, 5, 5]));
op('topk_ties_values', 'TopK', [tied, i64([1], [4])], 'float32', [2, 4], {}, 1);
cases.push({ name: 'topk_ties_values__0', dtype: 'int64', dims: [2, 4] });
op('topk_smallest_axis0', 'TopK', ['x', i64([1], [1])], 'float32', [1, 3, 4], { axis: int(0), largest: int(0) }, 1);
// Data movement.
op('transpose', 'Transpose', ['x'], 'float32', [4, 2, 3], { perm: ints([2, 0, 1]) });
op('slice_negative_step', 'Slice', ['x', i64([2], [-1, 3]), i64([2], [-100, 0]), i64([2], [2, 1]), i64([2], [-2, -2])], 'float32', [2, 1, 2]);
op('expand', 'Expand', [col, i64([3], [2, 3, 4])], 'float32', [2, 3, 4]);
op('tile', 'Tile', ['k', i64([2], [2, 3])], 'int64', [4, 9]);
op('concat_axis1', 'Concat', ['x', 'x', 'x'], 'float32', [2, 9, 4], { axis: int(1) });
op('split_uneven', 'Split', ['x', i64([3], [1, 2, 1])], 'float32', [2, 3, 1], { axis: int(2) }, 2);
cases.push({ name: 'split_uneven__0', dtype: 'float32', dims: [2, 3, 2] }, { name: 'split_uneven__1', dtype: 'float32', dims: [2, 3, 1] });
op('gather_negative', 'Gather', ['x', i64([2, 2], [-1, 0, 2, -3])], 'float32', [2, 2, 2, 4], { axis: int(1) });
op('gather_elements', 'GatherElements', ['x', i64([2, 3, 2], [0, 3, 1, 1, 2, -1, 3, 0, 0, 0, 2, 1])], 'float32', [2, 3, 2], { axis: int(2) });
op('gather_nd_batch1', 'GatherND', ['x', i64([2, 2, 1], [2, 0, 1, 1])], 'float32', [2, 2, 4], { batch_dims: int(1) });
// Views and outputs not written by a kernel.
op('reshape_view', 'Reshape', ['x', i64([2], [6, -1])], 'float32', [6, 4]);
op('flatten_view', 'Flatten', ['img'], 'float32', [1, 168], { axis: int(1) });
op('unsqueeze_view', 'Unsqueeze', ['k', i64([1], [0])], 'int64', [1, 2, 3]);
op('identity_of_input', 'Identity', ['x'], 'float32', [2, 3, 4]);
op('identity_of_constant', 'Identity', [col], 'float32', [3, 1]);

const outputs: ValueInfoSpec[] = cases.map((c) => ({ name: c.name, dtype: c.dtype, dims: c.dims }));
const model = writeModel(dir, 'kernels.onnx', { opset: 18, inputs, outputs, initializers, nodes });

let engine: Engine;
let got: TypedArray[];
let interp: Record<string, Tensor>;
let ort: Record<string, { data: TypedArray }>;

beforeAll(async () => {
  // No passes: this file tests the kernel of each ONNX op as such (the passes would turn Conv
  // into ai.yhc.Conv, BatchNormalization into ai.yhc.Affine, …; those have their own tests).
  await compileModel(model, { outDir: join(dir, 'build'), target: 'host', cacheDir: TEST_CACHE, passes: false });
  engine = Engine.load(join(dir, 'build'));
  const x = randomTensor([2, 3, 4], 21);
  const img = randomTensor([1, 4, 7, 6], 22);
  const k = Tensor.from('int64', [2, 3], [7, -7, 12, 0, 9, -11]);
  got = engine.runPositional([x, img, k].map(typedArrayOf), poisonedOutputs(engine.outputs));
  interp = runGraph(loadModel(model), { x, img, k });
  ort = await runReference(
    model,
    Object.fromEntries(Object.entries({ x, img, k }).map(([name, t]) => [name, { dtype: t.dtype, shape: t.shape, data: typedArrayOf(t) }])),
  );
});
afterAll(() => engine?.dispose());

const numbers = (a: ArrayLike<number | bigint> | TypedArray): number[] => Array.from(a as ArrayLike<number | bigint>, Number);

describe('every kernel agrees with the interpreter and onnxruntime', () => {
  cases.forEach((c, i) => {
    it(c.name, () => {
      const mine = numbers(got[i]!);
      const definition = numbers(interp[c.name]!.data);
      const reference = numbers(ort[c.name]!.data);
      expect(mine.length).toBe(definition.length);
      expect(compareDense(mine, definition).ok, `engine vs interpreter: ${mine.slice(0, 8)} vs ${definition.slice(0, 8)}`).toBe(true);
      expect(compareDense(mine, reference).ok, `engine vs onnxruntime: ${mine.slice(0, 8)} vs ${reference.slice(0, 8)}`).toBe(true);
    });
  });
});
