import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PASSES, runPipeline } from '../../passes/index.js';
import { loadDecodedModel } from '../../src/decode.js';
import { loadModel } from '../../src/onnx/load.js';
import { REPO } from '../helpers/paths.js';

/**
 * recognize-decoder inside whole raw-output models (../shared/fixtures/models, or
 * $YHC_MODEL_FIXTURES, as test/golden/models_640.test.ts reads them): the YOLOv8-N and YOLO11-N
 * heads (DFL, dist2bbox xywh, sigmoid, output [1, 84, 8400]) become one YoloDecode with boxes
 * xywh that produces the graph's own output value, and with `--decode nms` the appended
 * YoloNms reads it. The numeric check of the match is the pass's own (step 4); the golden
 * checks of the compiled models are in test/golden/models_640.test.ts.
 */
const DIR = resolve(process.env['YHC_MODEL_FIXTURES'] ?? join(REPO, '..', 'shared', 'fixtures', 'models'));

describe.each(['yolov8n_raw', 'yolo11n_raw'])('%s', (name) => {
  const model = join(DIR, `${name}.onnx`);

  it('its raw head becomes one YoloDecode (xywh boxes, preds) producing output0', () => {
    expect(existsSync(model), `${model} is missing`).toBe(true);
    const graph = loadModel(model);
    const softmaxes = () => graph.nodes.filter((n) => n.opType === 'Softmax').length;
    const before = softmaxes();
    const report = runPipeline(graph, PASSES);
    const pass = report.passes.find((p) => p.name === 'recognize-decoder')!;
    expect(pass.fired).toEqual({ 'YOLOv8/YOLO11 decoder (DFL, dist2bbox xywh, sigmoid) → ai.yhc.YoloDecode': 1 });
    expect(pass.notes).toEqual([]);
    const decodes = graph.nodes.filter((n) => n.opType === 'YoloDecode');
    expect(decodes).toHaveLength(1);
    const d = decodes[0]!;
    expect(graph.outputs[0]!.producer).toBe(d);
    expect(graph.outputs[0]!.name).toBe('output0');
    expect(Object.fromEntries([...d.attrs].map(([k, a]) => [k, a.value]))).toEqual({
      nc: 80,
      reg_max: 16,
      strides: [8, 16, 32],
      grid_cell_offset: 0.5,
      output: 'preds',
      boxes: 'xywh',
    });
    // Nothing of the head's arithmetic is left, and YOLO11's attention Softmax is inside ai.yhc.Attention.
    for (const op of ['Sigmoid', 'Slice', 'Sub', 'Div']) expect(graph.nodes.some((n) => n.opType === op)).toBe(false);
    expect(softmaxes()).toBe(0);
    expect(before).toBeGreaterThan(0);
  }, 120_000);

  it('with --decode nms, YoloNms reads the YoloDecode', () => {
    const { graph } = loadDecodedModel(model, { decode: { format: 'nms', boxes: 'xywh' } });
    runPipeline(graph, PASSES);
    const nms = graph.nodes.find((n) => n.opType === 'YoloNms')!;
    expect(nms.input(0).producer?.opType).toBe('YoloDecode');
    expect(graph.outputs.map((v) => v.name)).toEqual(['detections', 'num_dets']);
  }, 120_000);
});
