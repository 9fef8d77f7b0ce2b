import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { poisonedOutputs } from '../../../src/check/check.js';
import { runReference } from '../../../src/check/oracle.js';
import { compileModel } from '../../../src/compile.js';
import type { DType } from '../../../src/dtype.js';
import type { Attr } from '../../../src/ir/graph.js';
import { runGraph } from '../../../src/interp/interpreter.js';
import { loadModel } from '../../../src/onnx/load.js';
import type { NodeSpec, TensorSpec, ValueInfoSpec } from '../../../src/onnx/write.js';
import { Engine } from '../../../src/runtime/engine.js';
import { Tensor } from '../../../src/tensor.js';
import { typedArrayOf, type TypedArray } from '../../../src/typed_arrays.js';
import { int } from '../../helpers/attrs.js';
import { randomTensor, writeModel } from '../../helpers/models.js';
import { TEST_CACHE, tempDir } from '../../helpers/paths.js';

/**
 * The generic kernels of ops postprocess variants use that the decoder passes leave as they
 * are (codegen/kernels/postprocess_ops.ts): ArgMax / ArgMin on every axis, with ties (first or
 * last index), keepdims or not, float and int64; Clip with both, one or no bound, lo > hi,
 * NaN and int64 (yhc reads opsets 13+: the bounds are inputs). One model, one output per case,
 * built for the host target without passes; each output must equal the interpreter's and
 * onnxruntime's.
 */
const { dir, cleanup } = tempDir('yhc-postprocess-ops-');
afterAll(cleanup);

interface Case {
  readonly name: string;
  readonly dtype: DType;
  readonly dims: number[];
}

function suite(
  opset: number,
  build: (
    op: (name: string, opType: string, ins: string[], out: Case['dtype'], dims: number[], attrs?: Record<string, Attr>) => void,
    constant: (t: Tensor) => string,
  ) => void,
) {
  const inputs: ValueInfoSpec[] = [
    { name: 'x', dtype: 'float32', dims: [2, 3, 4] },
    { name: 'k', dtype: 'int64', dims: [2, 3] },
  ];
  const initializers: TensorSpec[] = [];
  const nodes: NodeSpec[] = [];
  const cases: Case[] = [];
  build(
    (name, opType, ins, dtype, dims, attrs = {}) => {
      nodes.push({ op: opType, name: `n_${name}`, inputs: ins, outputs: [name], attrs });
      cases.push({ name, dtype, dims });
    },
    (tensor) => {
      const name = `c${initializers.length}`;
      initializers.push({ name, tensor });
      return name;
    },
  );
  const outputs: ValueInfoSpec[] = cases.map((c) => ({ name: c.name, dtype: c.dtype, dims: c.dims }));
  const model = writeModel(dir, `ops${opset}.onnx`, { opset, inputs, outputs, initializers, nodes });
  const x = randomTensor([2, 3, 4], 31);
  x.data[5] = NaN; // Clip keeps NaN; ArgMax never picks it after the first element
  const k = Tensor.from('int64', [2, 3], [4, -9, 4, 4, 0, 4]);
  let got: TypedArray[];
  let interp: Record<string, Tensor>;
  let ort: Record<string, { data: TypedArray }>;
  let engine: Engine | undefined;
  beforeAll(async () => {
    await compileModel(model, { outDir: join(dir, `build${opset}`), target: 'host', cacheDir: TEST_CACHE, passes: false });
    engine = Engine.load(join(dir, `build${opset}`));
    got = engine.runPositional([x, k].map(typedArrayOf), poisonedOutputs(engine.outputs));
    interp = runGraph(loadModel(model), { x, k });
    ort = await runReference(
      model,
      Object.fromEntries(Object.entries({ x, k }).map(([name, t]) => [name, { dtype: t.dtype, shape: t.shape, data: typedArrayOf(t) }])),
    );
  }, 300_000);
  afterAll(() => engine?.dispose());
  const numbers = (a: ArrayLike<number | bigint> | TypedArray): number[] => Array.from(a as ArrayLike<number | bigint>, Number);
  const same = (a: number[], b: number[]) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]) || v === b[i]);
  describe(`opset ${opset}: every kernel agrees with the interpreter and onnxruntime`, () => {
    cases.forEach((c, i) => {
      it(c.name, () => {
        const mine = numbers(got[i]!);
        expect(same(mine, numbers(interp[c.name]!.data)), `engine vs interpreter: ${mine}`).toBe(true);
        expect(same(mine, numbers(ort[c.name]!.data)), `engine vs onnxruntime: ${mine} vs ${numbers(ort[c.name]!.data)}`).toBe(true);
      });
    });
  });
}

const scalar = (dtype: DType, v: number) => Tensor.scalar(dtype, v);

suite(20, (op, constant) => {
  op('argmax_last_keepdims', 'ArgMax', ['x'], 'int64', [2, 3, 1], { axis: int(-1) });
  op('argmax_axis1_flat', 'ArgMax', ['x'], 'int64', [2, 4], { axis: int(1), keepdims: int(0) });
  op('argmin_axis0', 'ArgMin', ['x'], 'int64', [1, 3, 4]);
  op('argmax_int_ties_first', 'ArgMax', ['k'], 'int64', [2, 1], { axis: int(1) });
  op('argmax_int_ties_last', 'ArgMax', ['k'], 'int64', [2, 1], { axis: int(1), select_last_index: int(1) });
  op('argmin_int_ties_last_flat', 'ArgMin', ['k'], 'int64', [3], { axis: int(0), keepdims: int(0), select_last_index: int(1) });
  op('clip_both', 'Clip', ['x', constant(scalar('float32', -0.5)), constant(scalar('float32', 0.75))], 'float32', [2, 3, 4]);
  op('clip_min_only', 'Clip', ['x', constant(scalar('float32', 0))], 'float32', [2, 3, 4]);
  op('clip_max_only', 'Clip', ['x', '', constant(scalar('float32', 0.25))], 'float32', [2, 3, 4]);
  op('clip_no_bounds', 'Clip', ['x'], 'float32', [2, 3, 4]);
  op('clip_lo_above_hi', 'Clip', ['x', constant(scalar('float32', 1)), constant(scalar('float32', -1))], 'float32', [2, 3, 4]);
  op('clip_int64', 'Clip', ['k', constant(scalar('int64', -2)), constant(scalar('int64', 3))], 'int64', [2, 3]);
});
