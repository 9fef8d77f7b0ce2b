import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareDense, compareDetections } from '../../../src/golden/compare.js';
import { runReference, type ReferenceInput } from '../../../src/check/oracle.js';
import { SeededRandom } from '../../../src/golden/random.js';
import { isYhcError } from '../../../src/errors.js';
import type { Attr } from '../../../src/ir/graph.js';
import { runGraph } from '../../../src/interp/interpreter.js';
import { decodeModel } from '../../../src/onnx/load.js';
import { DETECTIONS_OUTPUT } from '../../../src/golden/compare.js';
import { checkDecodable } from '../../../src/onnx/decode_options.js';
import { appendYolov10Postprocess } from '../../../src/onnx/yolov10_decode.js';
import { onnx } from '../../../src/onnx/proto.js';
import { encodeModel, modelProto } from '../../../src/onnx/write.js';
import { GraphBuilder } from '../../helpers/graph_builder.js';
import { Tensor } from '../../../src/tensor.js';
import { FIXTURES, fixture } from '../../helpers/paths.js';
import { geometryOf, writeDecoder, type DecoderGeometry, type DecoderVariant } from '../../passes/decoder_graphs.js';
import { int } from '../../helpers/attrs.js';

/**
 * ai.yhc.YoloDecode's semantics against onnxruntime running the exported decoder: a small
 * raw-output decoder (DFL, dist2bbox, sigmoid → preds), and the same with the postprocess the
 * `--decode` module appends (→ detections). Exact ties included: the lower index decides.
 */

type Maps = Record<string, Tensor>;

/** Level maps for a geometry: box logits N(0,1), class logits from `cls` (default 3·N(0,1)). */
function levelMaps(g: DecoderGeometry, seed: number, cls: (rng: SeededRandom) => number = (r) => 3 * r.normal()): Maps {
  const rng = new SeededRandom(seed);
  const maps: Maps = {};
  g.levels.forEach(([h, w], l) => {
    const boxShape = [g.batch, 4 * g.regMax, h, w];
    const clsShape = [g.batch, g.nc, h, w];
    maps[`box${l}`] = Tensor.from(
      'float32',
      boxShape,
      Array.from({ length: boxShape.reduce((a, b) => a * b) }, () => rng.normal()),
    );
    maps[`cls${l}`] = Tensor.from(
      'float32',
      clsShape,
      Array.from({ length: clsShape.reduce((a, b) => a * b) }, () => cls(rng)),
    );
  });
  return maps;
}

const feeds = (maps: Maps): Record<string, ReferenceInput> =>
  Object.fromEntries(Object.entries(maps).map(([name, t]) => [name, { dtype: t.dtype, shape: t.shape, data: t.data as Float32Array }]));

/** YoloDecode, run by the interpreter on the maps. */
function yoloDecode(g: DecoderGeometry, maps: Maps, output: 'detections' | 'preds', extra: Record<string, Attr> = {}): Tensor {
  const b = new GraphBuilder();
  const inputs = g.levels.flatMap(([h, w], l) => [
    b.input(`box${l}`, 'float32', [g.batch, 4 * g.regMax, h, w]),
    b.input(`cls${l}`, 'float32', [g.batch, g.nc, h, w]),
  ]);
  const attrs: Record<string, Attr> = {
    nc: int(g.nc),
    reg_max: int(g.regMax),
    strides: { type: 'floats', value: g.levels.map(([, , s]) => s) },
    output: { type: 'string', value: output },
    ...(output === 'detections' ? { max_det: int(g.maxDet) } : {}),
    ...extra,
  };
  b.output(b.op('YoloDecode', inputs, attrs, { domain: 'ai.yhc' }));
  const graph = b.build();
  return Object.values(runGraph(graph, maps))[0]!;
}

/** The raw decoder as an ONNX model (output preds [B, 4 + nc, A]). */
function rawDecoder(v: DecoderVariant, opset = 17): { model: ReturnType<typeof modelProto>; preds: { name: string; shape: number[] } } {
  const b = new GraphBuilder(opset);
  writeDecoder(b, { ...v, output: 'preds' });
  const spec = b.spec();
  const g = geometryOf(v);
  return { model: modelProto(spec), preds: { name: spec.outputs[0]!.name, shape: [g.batch, 4 + g.nc, g.anchors] } };
}

/** onnxruntime on the raw decoder, or on it with the --decode postprocess appended. */
async function ortDecode(v: DecoderVariant, maps: Maps, output: 'detections' | 'preds', opset = 17): Promise<Float32Array> {
  const { model, preds } = rawDecoder(v, opset);
  const g = geometryOf(v);
  const full = output === 'preds' ? model : appendYolov10Postprocess(model, preds, g.maxDet);
  const out = await runReference(onnx.ModelProto.encode(full).finish(), feeds(maps));
  return out[output === 'preds' ? preds.name : DETECTIONS_OUTPUT]!.data as Float32Array;
}

/** Rows in the same order: class exact, score and box within the golden tolerance. */
function expectSameRows(got: Tensor, ref: Float32Array): void {
  const rows = got.data.length / 6;
  const boxScale = Math.max(
    1,
    ...Array.from(ref)
      .filter((_, i) => i % 6 < 4)
      .map(Math.abs),
  );
  for (let r = 0; r < rows; r++) {
    const at = (a: ArrayLike<number>, k: number) => a[r * 6 + k]!;
    expect(at(got.data, 5), `row ${r} class`).toBe(at(ref, 5));
    expect(Math.abs(at(got.data, 4) - at(ref, 4)), `row ${r} score`).toBeLessThanOrEqual(1e-4);
    for (let k = 0; k < 4; k++) expect(Math.abs(at(got.data, k) - at(ref, k)), `row ${r} box ${k}`).toBeLessThanOrEqual(1e-4 * boxScale);
  }
}

describe('ai.yhc.YoloDecode against onnxruntime', () => {
  it.each([
    { layout: 'concat', seed: 1 },
    { layout: 'separate', seed: 2 },
    { layout: 'concat', seed: 3, batch: 2 },
  ] as const)('decodes preds like the exported decoder ($layout, seed $seed)', async (v) => {
    const g = geometryOf(v);
    const maps = levelMaps(g, v.seed);
    const got = yoloDecode(g, maps, 'preds');
    expect([...got.shape]).toEqual([g.batch, 4 + g.nc, g.anchors]);
    const c = compareDense(got.data, await ortDecode(v, maps, 'preds'));
    expect(c.ok, `max |diff| ${c.maxAbs}`).toBe(true);
  });

  it.each([
    { seed: 4 },
    { seed: 5, batch: 2 },
    { seed: 6, maxDet: 20 },
    { seed: 7, nc: 1 },
    {
      seed: 8,
      levels: [
        [8, 8, 8],
        [4, 4, 16],
        [2, 2, 32],
      ] as const,
      maxDet: 30,
      regMax: 16,
      nc: 5,
    },
  ])('keeps the detections the exported postprocess keeps (seed $seed)', async (v) => {
    const g = geometryOf(v);
    const maps = levelMaps(g, v.seed);
    const got = yoloDecode(g, maps, 'detections');
    expect([...got.shape]).toEqual([g.batch, g.maxDet, 6]);
    const ref = await ortDecode(v, maps, 'detections');
    const c = compareDetections(got.data, ref, got.shape);
    expect(c.ok, c.problem ?? '').toBe(true);
  });

  it('breaks_exact_ties_by_the_lower_index_like_onnx', async () => {
    // Every class logit 0: every score is 0.5. Stage 1 keeps anchors 0..max_det-1; stage 2
    // keeps list entries 0..max_det-1, i.e. anchor rank i / nc and class i % nc.
    const g = geometryOf();
    const maps = levelMaps(g, 9, () => 0);
    const got = yoloDecode(g, maps, 'detections');
    const ref = await ortDecode({}, maps, 'detections');
    expectSameRows(got, ref);
    for (let i = 0; i < g.maxDet; i++) {
      expect(got.data[i * 6 + 4]).toBe(0.5);
      expect(got.data[i * 6 + 5]).toBe(i % g.nc);
    }
    // Rows 0..nc-1 are anchor 0's box, the next ones anchor 1's.
    const box = (i: number) => Array.from(got.data.subarray(i * 6, i * 6 + 4));
    expect(box(1)).toEqual(box(0));
    expect(box(g.nc)).not.toEqual(box(0));
  });

  it('orders_many_exact_ties_like_onnx', async () => {
    // Logits from three values: most scores tie exactly, and the index rule alone orders them.
    for (const seed of [10, 11, 12]) {
      const v = { batch: 2, maxDet: 12 };
      const g = geometryOf(v);
      const maps = levelMaps(g, seed, (r) => [-2, 0, 2][Math.floor(r.uniform() * 3)]!);
      expectSameRows(yoloDecode(g, maps, 'detections'), await ortDecode(v, maps, 'detections'));
    }
  });

  it('keeps_every_anchor_when_max_det_is_the_anchor_count', async () => {
    const v = { maxDet: geometryOf().anchors };
    const g = geometryOf(v);
    const maps = levelMaps(g, 13);
    const c = compareDetections(yoloDecode(g, maps, 'detections').data, await ortDecode(v, maps, 'detections'), [1, g.maxDet, 6]);
    expect(c.ok, c.problem ?? '').toBe(true);
  });
});

describe('ai.yhc.YoloDecode shape inference', () => {
  const g = geometryOf();
  const maps = levelMaps(g, 14);
  const fails = (extra: Record<string, Attr>, code: string, message: RegExp, output: 'detections' | 'preds' = 'detections') => {
    try {
      yoloDecode(g, maps, output, extra);
      expect.fail('no error');
    } catch (e) {
      expect(isYhcError(e) && e.code).toBe(code);
      expect((e as Error).message).toMatch(/node "yolodecode_0" \(ai\.yhc\.YoloDecode\)/);
      expect((e as Error).message).toMatch(message);
    }
  };

  it('names_the_node_in_errors', () => {
    fails({ reg_max: int(5) }, 'SHAPE', /level 0 boxes\) has shape \[1,16,4,4\]; expected \[1, 20, H, W\]/);
    fails({ nc: int(4) }, 'SHAPE', /level 0 classes\) has shape \[1,3,4,4\]; expected \[1, 4, 4, 4\]/);
    fails({ strides: { type: 'floats', value: [8] } }, 'UNSUPPORTED_ATTRIBUTE', /strides has 1 values for 2 levels/);
    fails({ max_det: int(21) }, 'UNSUPPORTED_ATTRIBUTE', /max_det 21 must be between 1 and the anchor count 20/);
    fails({ max_det: int(5) }, 'UNSUPPORTED_ATTRIBUTE', /max_det applies to output "detections" only/, 'preds');
    fails({ output: { type: 'string', value: 'xywh' } }, 'UNSUPPORTED_ATTRIBUTE', /output "xywh" is not one of detections, preds/);
  });
});

// ---------------------------------------------------------------------------------------------
// The --decode module: the postprocess it appends is the exporter's.

describe('appendYolov10Postprocess', () => {
  it('turns_tiny_head_raw_into_tiny_head', async () => {
    // tiny_head and tiny_head_raw share weights; tiny_head's postprocess was exported by torch.
    const raw = decodeModel(readFileSync(fixture('tiny_head_raw')), 'tiny_head_raw');
    const model = appendYolov10Postprocess(raw, { name: 'preds', shape: [1, 8, 525] }, 20);
    const inputs = Object.fromEntries(
      ['p3', 'p4', 'p5'].map((n, i) => {
        const b = readFileSync(join(FIXTURES, `tiny_head.input.${n}.bin`));
        const shape = [
          [1, 16, 20, 20],
          [1, 32, 10, 10],
          [1, 64, 5, 5],
        ][i]!;
        return [n, { dtype: 'float32' as const, shape, data: new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)) }];
      }),
    );
    const out = await runReference(onnx.ModelProto.encode(model).finish(), inputs);
    expect(Object.keys(out)).toEqual([DETECTIONS_OUTPUT]);
    expect(out[DETECTIONS_OUTPUT]!.dims).toEqual([1, 20, 6]);
    const b = readFileSync(join(FIXTURES, 'tiny_head.output.detections.bin'));
    const recorded = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    const c = compareDetections(out[DETECTIONS_OUTPUT]!.data as Float32Array, recorded, [1, 20, 6]);
    expect(c.ok, c.problem ?? '').toBe(true);
    expect(c.matched).toBe(20);
  });

  it('keeps_a_dynamic_batch_dynamic', async () => {
    const v = { dynamicBatch: true, batch: 2 };
    const b = new GraphBuilder();
    writeDecoder(b, { ...v, output: 'preds' });
    const spec = b.spec();
    const g = geometryOf(v);
    const raw = modelProto(spec);
    raw.graph!.output![0]!.type = { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'batch' }, { dimValue: 4 + g.nc }, { dimValue: g.anchors }] } } };
    const model = appendYolov10Postprocess(
      onnx.ModelProto.decode(onnx.ModelProto.encode(raw).finish()),
      { name: spec.outputs[0]!.name, shape: [1, 4 + g.nc, g.anchors] },
      g.maxDet,
    );
    expect(model.graph!.output![0]!.type!.tensorType!.shape!.dim![0]!.dimParam).toBe('batch');
    const maps = levelMaps(g, 15);
    const out = await runReference(onnx.ModelProto.encode(model).finish(), feeds(maps));
    const c = compareDetections(yoloDecode(g, maps, 'detections').data, out[DETECTIONS_OUTPUT]!.data as Float32Array, [2, g.maxDet, 6]);
    expect(c.ok, c.problem ?? '').toBe(true);
  });

  it('writes_reduce_max_axes_as_an_input_from_opset_18', async () => {
    const g = geometryOf();
    const maps = levelMaps(g, 16);
    const c = compareDetections(yoloDecode(g, maps, 'detections').data, await ortDecode({}, maps, 'detections', 18), [1, g.maxDet, 6]);
    expect(c.ok, c.problem ?? '').toBe(true);
  });

  it('refuses_what_it_cannot_decode', () => {
    const usage = (f: () => void, message: RegExp) => {
      try {
        f();
        expect.fail('no error');
      } catch (e) {
        expect(isYhcError(e) && e.code).toBe('USAGE');
        expect((e as Error).message).toMatch(message);
      }
    };
    const preds = { name: 'preds', dtype: 'float32', shape: [1, 8, 525] };
    usage(() => checkDecodable('"m"', [{ ...preds, name: 'detections', shape: [1, 300, 6] }], 300), /already ends in detections/);
    usage(() => checkDecodable('"m"', [preds, preds], 300), /one output preds \[B, 4\+nc, A\]; "m" has 2 outputs/);
    usage(() => checkDecodable('"m"', [{ ...preds, shape: [1, 4, 525] }], 300), /needs the output to be float32 preds \[B, 4\+nc, A\]/);
    usage(() => checkDecodable('"m"', [{ ...preds, dtype: 'float16' }], 300), /float32 preds/);
    usage(() => checkDecodable('"m"', [{ ...preds, shape: [1, 8, 525, 1] }], 300), /float32 preds/);
    usage(() => checkDecodable('"m"', [preds], 526), /--max-det 526 is larger than the model's 525 anchors/);
    expect(() => checkDecodable('"m"', [preds], 525)).not.toThrow();
    // A model that already has a value named "detections".
    const b = new GraphBuilder();
    b.output(b.op('Identity', [b.input('detections', 'float32', [1, 8, 525])]));
    const spec = b.spec();
    usage(() => appendYolov10Postprocess(modelProto(spec), { name: spec.outputs[0]!.name, shape: [1, 8, 525] }, 10), /already has a value of that name/);
    expect(encodeModel(spec).length).toBeGreaterThan(0);
  });
});
