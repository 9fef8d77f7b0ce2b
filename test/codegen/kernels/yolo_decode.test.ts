import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { poisonedOutputs } from '../../../src/check/check.js';
import { checkOutput } from '../../../src/golden/check_output.js';
import { thresholdReference } from '../../../src/golden/num_dets.js';
import { runReference } from '../../../src/check/oracle.js';
import { SeededRandom } from '../../../src/golden/random.js';
import { compileModel } from '../../../src/compile.js';
import type { DType } from '../../../src/dtype.js';
import type { TensorInfo } from '../../../src/manifest.js';
import { encodeModel } from '../../../src/onnx/write.js';
import { tensorFromTypedArray, typedArrayOf, type TypedArray } from '../../../src/typed_arrays.js';
import { runGraph } from '../../../src/interp/interpreter.js';
import type { Graph } from '../../../src/ir/graph.js';
import { withEngine } from '../../helpers/golden.js';
import { GraphBuilder } from '../../helpers/graph_builder.js';
import { TEST_CACHE, tempDir } from '../../helpers/paths.js';
import { geometryOf, writeDecoder, type DecoderVariant } from '../../passes/decoder_graphs.js';

/**
 * The decoder's selection kernels (yolo_select_anchors, yolo_select_detections: radix select in
 * one block per image, topk_select.cuh) under host emulation, against onnxruntime running the
 * exported decoder graph, on score sets built to break a selection: every score equal (the
 * index rule decides everything), many exact ties at the cut-off, saturated logits (sigmoid
 * exactly 1 or 0), max_det = 1 and max_det = every anchor, batch 1, 2 and 8, and a full-size
 * head (2,100 anchors × 80 classes → 300) whose candidate list spans many blocks' worth of keys.
 * Where ties are exact on both sides, the rows must come out in the same order, class by class.
 */
const { dir, cleanup } = tempDir('yhc-yolo-select-');
afterAll(cleanup);

type Logits = (rng: SeededRandom, i: number) => number;

// The oracle is onnxruntime on the exported graph — except for NaN scores, which onnxruntime's
// TopK orders inconsistently: yhc never selects them (src/ops/yhc/yolo_decode.ts), and its
// interpreter, running the compiled graph, is the oracle.
const SCORE_SETS: { name: string; cls: Logits; exactTies: boolean; oracle?: 'interpreter' }[] = [
  { name: 'every score equal', cls: () => 0.25, exactTies: true },
  { name: 'three logit values (ties at the cut-off)', cls: (rng) => [-1.5, 0.5, 2][Math.floor(rng.uniform() * 3)]!, exactTies: true },
  { name: 'saturated logits (sigmoid exactly 1 or 0)', cls: (rng) => (rng.uniform() < 0.5 ? 1e4 : -1e4), exactTies: true },
  { name: 'very small and very large logits mixed with normal ones', cls: (rng) => [-80, 80, rng.normal()][Math.floor(rng.uniform() * 3)]!, exactTies: false },
  { name: 'random logits', cls: (rng) => 3 * rng.normal(), exactTies: false },
  {
    name: 'NaN logits among random ones (never selected)',
    cls: (rng) => (rng.uniform() < 0.1 ? NaN : 3 * rng.normal()),
    exactTies: false,
    oracle: 'interpreter',
  },
  {
    name: 'mostly NaN logits: fewer numbers than max_det, zero rows',
    cls: (rng) => (rng.uniform() < 0.95 ? NaN : rng.normal()),
    exactTies: false,
    oracle: 'interpreter',
  },
];

const VARIANTS: { name: string; variant: DecoderVariant }[] = [
  { name: 'max_det 5, batch 2', variant: { batch: 2 } },
  { name: 'max_det 1', variant: { maxDet: 1 } },
  { name: 'max_det = every anchor (20), batch 8', variant: { maxDet: 20, batch: 8 } },
];

function inputsFor(infos: readonly TensorInfo[], seed: number, cls: Logits): Record<string, TypedArray> {
  const rng = new SeededRandom(seed);
  return Object.fromEntries(
    infos.map((info) => {
      const n = info.shape.reduce((x, y) => x * y, 1);
      return [info.name, Float32Array.from({ length: n }, (_, i) => (info.name.startsWith('cls') ? cls(rng, i) : rng.normal()))];
    }),
  );
}

interface Built {
  readonly model: string;
  readonly outDir: string;
  /** The compiled (optimized) graph: YoloDecode, yhc's definition of the decoder. */
  readonly graph: Graph;
}

async function buildDecoder(name: string, variant: DecoderVariant): Promise<Built> {
  const b = new GraphBuilder();
  writeDecoder(b, variant);
  const model = join(dir, `${name}.onnx`);
  writeFileSync(model, encodeModel(b.spec()));
  const outDir = join(dir, name);
  const { manifest, graph } = await compileModel(model, { outDir, target: 'host', cacheDir: TEST_CACHE });
  expect(manifest.kernels.map((k) => k.id.replace(/^k\d+_/, ''))).toEqual(['yolodecode', 'yoloselect', 'yolodetections']);
  return { model, outDir, graph };
}

async function expectSameDetections(
  built: Built,
  seed: number,
  cls: Logits,
  exactTies: boolean,
  oracle: 'onnxruntime' | 'interpreter' = 'onnxruntime',
): Promise<void> {
  await withEngine(built.outDir, async (engine) => {
    const m = engine.manifest;
    const given = inputsFor(m.inputs, seed, cls);
    const [got] = engine.runPositional(
      m.inputs.map((i) => given[i.name]!),
      poisonedOutputs(m.outputs),
    );
    let ref: { dims: readonly number[]; data: TypedArray };
    if (oracle === 'interpreter') {
      const tensors = Object.fromEntries(m.inputs.map((i) => [i.name, tensorFromTypedArray(i.dtype as DType, i.shape, given[i.name]!)]));
      const out = runGraph(built.graph, tensors)[m.outputs[0]!.name]!;
      ref = { dims: out.shape, data: typedArrayOf(out) };
      // Never a NaN score: rows without a number are zeros.
      const scores = Array.from(got as Float32Array).filter((_, i) => i % 6 === 4);
      expect(scores.some((v) => Number.isNaN(v))).toBe(false);
    } else {
      const feeds = Object.fromEntries(m.inputs.map((i) => [i.name, { dtype: i.dtype as DType, shape: i.shape, data: given[i.name]! }]));
      ref = (await runReference(built.model, feeds))[m.outputs[0]!.name]!;
    }
    const result = checkOutput(m.outputs[0]!, got!, ref);
    expect(result.ok, result.detail).toBe(true);
    if (exactTies) {
      // Equal logits give equal scores on both sides (onnxruntime's sigmoid may differ from
      // ours in the last bit, equally for equal logits): the index rule alone orders them, so
      // the same boxes and classes come out in the same order.
      const column = (a: ArrayLike<number>, c: number) => Array.from(a).filter((_, i) => i % 6 === c);
      expect(column(got as Float32Array, 5)).toEqual(column(ref.data as Float32Array, 5));
      for (const c of [0, 1, 2, 3]) {
        column(got as Float32Array, c).forEach((v, r) => expect(Math.abs(v - column(ref.data as Float32Array, c)[r]!)).toBeLessThanOrEqual(1e-3));
      }
    }
  });
}

describe.each(VARIANTS)('decoder selection, $name (host emulation vs onnxruntime)', ({ name, variant }) => {
  const tag = name.replace(/[^a-z0-9]+/gi, '_');
  let built: Built;

  it('compiles to three kernels: scores, then one selecting block per image and stage', async () => {
    built = await buildDecoder(`select_${tag}`, variant);
  });

  it.each(SCORE_SETS.map((s, k) => ({ ...s, seed: 100 + k })))('$name', async ({ cls, exactTies, seed, oracle }) => {
    await expectSameDetections(built, seed, cls, exactTies, oracle);
  });
});

it('a full-size head: 2,100 anchors x 80 classes -> 300, batch 2 (candidate keys span many chunks)', async () => {
  const variant: DecoderVariant = {
    batch: 2,
    nc: 80,
    regMax: 16,
    levels: [
      [40, 40, 8],
      [20, 20, 16],
      [10, 10, 32],
    ],
    maxDet: 300,
  };
  expect(geometryOf(variant).anchors).toBe(2100);
  const built = await buildDecoder('select_full_size', variant);
  await expectSameDetections(built, 7, (rng) => 3 * rng.normal(), false);
  await expectSameDetections(built, 8, (rng) => [-2, 1][Math.floor(rng.uniform() * 2)]!, true);
}, 180_000);

it('--conf: rows under the threshold are zeros and num_dets counts the rest, per image (batch 8)', async () => {
  const b = new GraphBuilder();
  writeDecoder(b, { batch: 8, maxDet: 20 });
  const model = join(dir, 'conf.onnx');
  writeFileSync(model, encodeModel(b.spec()));
  const outDir = join(dir, 'conf');
  const conf = 0.7;
  const { manifest } = await compileModel(model, { outDir, target: 'host', cacheDir: TEST_CACHE, conf });
  expect(manifest.outputs.map((o) => [o.dtype, o.shape])).toEqual([
    ['float32', [8, 20, 6]],
    ['int32', [8]],
  ]);
  expect(manifest.outputs[1]!.name).toBe('num_dets');
  await withEngine(outDir, async (engine) => {
    const m = engine.manifest;
    const given = inputsFor(m.inputs, 31, (rng) => 2 * rng.normal());
    const [detections, numDets] = engine.runPositional(
      m.inputs.map((i) => given[i.name]!),
      poisonedOutputs(m.outputs),
    );
    const feeds = Object.fromEntries(m.inputs.map((i) => [i.name, { dtype: i.dtype as DType, shape: i.shape, data: given[i.name]! }]));
    const ref = thresholdReference(await runReference(model, feeds), conf);
    expect(checkOutput(m.outputs[0]!, detections!, ref[m.outputs[0]!.name]!).ok).toBe(true);
    const counts = Array.from(numDets as Int32Array);
    expect(counts).toEqual(Array.from(ref['num_dets']!.data as Int32Array));
    // The threshold cuts inside the rows (neither none nor all kept), and the kept rows come first.
    expect(counts.some((n) => n > 0 && n < 20)).toBe(true);
    counts.forEach((n, img) => {
      const rows = Array.from((detections as Float32Array).subarray(img * 120, (img + 1) * 120));
      for (let r = 0; r < 20; r++) {
        const row = rows.slice(6 * r, 6 * r + 6);
        if (r < n) expect(row[4]!).toBeGreaterThanOrEqual(conf);
        else expect(row).toEqual([0, 0, 0, 0, 0, 0]);
      }
    });
  });
});

it('max_det = every anchor of a full-size grid: 2,100 winners per stage, sorted (bitonic over 4,096 slots)', async () => {
  const variant: DecoderVariant = {
    batch: 1,
    nc: 8,
    regMax: 16,
    levels: [
      [40, 40, 8],
      [20, 20, 16],
      [10, 10, 32],
    ],
    maxDet: 2100,
  };
  const built = await buildDecoder('select_every_anchor', variant);
  await expectSameDetections(built, 9, (rng) => 3 * rng.normal(), false);
  await expectSameDetections(built, 10, (rng) => [-1, 0, 1][Math.floor(rng.uniform() * 3)]!, true);
}, 300_000);

/**
 * The box forms of yolo_decode_anchors: xywh (the raw YOLOv8 / YOLO11 output, one launch) and
 * reg_max 1 (YOLO26: the box channels are the distances, no DFL), on random maps against
 * onnxruntime running the exported decoder graph.
 */
describe.each([
  { name: 'raw xywh preds', variant: { boxes: 'xywh', output: 'preds', batch: 2 }, kernels: ['yolodecode'] },
  { name: 'raw xywh preds, reg_max 1', variant: { boxes: 'xywh', output: 'preds', regMax: 1, layout: 'separate' }, kernels: ['yolodecode'] },
  { name: 'reg_max 1, YOLO26 top-k', variant: { regMax: 1, postprocess: 'yolo26', batch: 2 }, kernels: ['yolodecode', 'yoloselect', 'yolodetections'] },
  { name: 'xywh detections', variant: { boxes: 'xywh', maxDet: 8 }, kernels: ['yolodecode', 'yoloselect', 'yolodetections'] },
] as const)('yolo_decode_anchors box forms: $name (host emulation vs onnxruntime)', ({ name, variant, kernels }) => {
  it('compiles to the decoder kernels and matches onnxruntime on two random inputs', async () => {
    const b = new GraphBuilder();
    writeDecoder(b, variant);
    const model = join(dir, `forms_${name.replace(/[^a-z0-9]+/gi, '_')}.onnx`);
    writeFileSync(model, encodeModel(b.spec()));
    const outDir = model.replace(/\.onnx$/, '');
    const { manifest } = await compileModel(model, { outDir, target: 'host', cacheDir: TEST_CACHE });
    expect(manifest.kernels.map((k) => k.id.replace(/^k\d+_/, ''))).toEqual(kernels);
    await withEngine(outDir, async (engine) => {
      const m = engine.manifest;
      for (const seed of [41, 42]) {
        const given = inputsFor(m.inputs, seed, (rng) => 3 * rng.normal());
        const [got] = engine.runPositional(
          m.inputs.map((i) => given[i.name]!),
          poisonedOutputs(m.outputs),
        );
        const feeds = Object.fromEntries(m.inputs.map((i) => [i.name, { dtype: i.dtype as DType, shape: i.shape, data: given[i.name]! }]));
        const ref = (await runReference(model, feeds))[m.outputs[0]!.name]!;
        const result = checkOutput(m.outputs[0]!, got!, ref);
        expect(result.ok, result.detail).toBe(true);
      }
    });
  });
});
