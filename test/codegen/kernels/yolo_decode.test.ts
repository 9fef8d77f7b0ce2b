import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkOutput, poisonedOutputs } from '../../../src/check/check.js';
import { runReference } from '../../../src/check/oracle.js';
import { SeededRandom } from '../../../src/check/random.js';
import { compileModel } from '../../../src/compile.js';
import type { DType } from '../../../src/dtype.js';
import type { TensorInfo } from '../../../src/manifest.js';
import { encodeModel } from '../../../src/onnx/write.js';
import type { TypedArray } from '../../../src/runtime/typed_arrays.js';
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

const SCORE_SETS: { name: string; cls: Logits; exactTies: boolean }[] = [
  { name: 'every score equal', cls: () => 0.25, exactTies: true },
  { name: 'three logit values (ties at the cut-off)', cls: (rng) => [-1.5, 0.5, 2][Math.floor(rng.uniform() * 3)]!, exactTies: true },
  { name: 'saturated logits (sigmoid exactly 1 or 0)', cls: (rng) => (rng.uniform() < 0.5 ? 1e4 : -1e4), exactTies: true },
  { name: 'very small and very large logits mixed with normal ones', cls: (rng) => [-80, 80, rng.normal()][Math.floor(rng.uniform() * 3)]!, exactTies: false },
  { name: 'random logits', cls: (rng) => 3 * rng.normal(), exactTies: false },
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

async function buildDecoder(name: string, variant: DecoderVariant): Promise<{ model: string; outDir: string }> {
  const b = new GraphBuilder();
  writeDecoder(b, variant);
  const model = join(dir, `${name}.onnx`);
  writeFileSync(model, encodeModel(b.spec()));
  const outDir = join(dir, name);
  const { manifest } = await compileModel(model, { outDir, target: 'host', cacheDir: TEST_CACHE });
  expect(manifest.kernels.map((k) => k.id.replace(/^k\d+_/, ''))).toEqual(['yolodecode', 'yoloselect', 'yolodetections']);
  return { model, outDir };
}

async function expectSameDetections(model: string, outDir: string, seed: number, cls: Logits, exactTies: boolean): Promise<void> {
  await withEngine(outDir, async (engine) => {
    const m = engine.manifest;
    const given = inputsFor(m.inputs, seed, cls);
    const [got] = engine.runPositional(m.inputs.map((i) => given[i.name]!), poisonedOutputs(m.outputs));
    const feeds = Object.fromEntries(m.inputs.map((i) => [i.name, { dtype: i.dtype as DType, shape: i.shape, data: given[i.name]! }]));
    const ref = (await runReference(model, feeds))[m.outputs[0]!.name]!;
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
  let built: { model: string; outDir: string };

  it('compiles to three kernels: scores, then one selecting block per image and stage', async () => {
    built = await buildDecoder(`select_${tag}`, variant);
  });

  it.each(SCORE_SETS.map((s, k) => ({ ...s, seed: 100 + k })))('$name', async ({ cls, exactTies, seed }) => {
    await expectSameDetections(built.model, built.outDir, seed, cls, exactTies);
  });
});

it('a full-size head: 2,100 anchors x 80 classes -> 300, batch 2 (candidate keys span many chunks)', async () => {
  const variant: DecoderVariant = { batch: 2, nc: 80, regMax: 16, levels: [[40, 40, 8], [20, 20, 16], [10, 10, 32]], maxDet: 300 };
  expect(geometryOf(variant).anchors).toBe(2100);
  const { model, outDir } = await buildDecoder('select_full_size', variant);
  await expectSameDetections(model, outDir, 7, (rng) => 3 * rng.normal(), false);
  await expectSameDetections(model, outDir, 8, (rng) => [-2, 1][Math.floor(rng.uniform() * 2)]!, true);
}, 180_000);
