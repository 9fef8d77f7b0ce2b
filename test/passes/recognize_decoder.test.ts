import { describe, expect, it } from 'vitest';
import { runPipeline, type PipelineReport } from '../../passes/index.js';
import { recognizeDecoder } from '../../passes/recognize_decoder.js';
import { cloneGraph } from '../../src/ir/clone.js';
import type { Attr, Graph } from '../../src/ir/graph.js';
import { expectGraphsEqual, GraphBuilder } from '../helpers/graph_builder.js';
import { geometryOf, writeDecoder, type DecoderVariant } from './decoder_graphs.js';
import { float, floats, int, str } from '../helpers/attrs.js';

/**
 * recognize-decoder in TVM's style: small decoders written as torch exports them (nc 3,
 * reg_max 4, levels 4×4 stride 8 and 2×2 stride 16), the pass applied, the expected one-op
 * graph compared structurally; look-alikes left alone with a note. The shared fixtures are in
 * fixtures.test.ts.
 */

function decoder(v: DecoderVariant = {}): Graph {
  const b = new GraphBuilder();
  writeDecoder(b, v);
  return b.build();
}

/** The expected graph: the level maps straight into one YoloDecode. */
function expectedDecode(v: DecoderVariant = {}): Graph {
  const g = geometryOf(v);
  const b = new GraphBuilder();
  const inputs = g.levels.flatMap(([h, w], l) => [
    b.input(`box${l}`, 'float32', [g.batch, 4 * g.regMax, h, w]),
    b.input(`cls${l}`, 'float32', [g.batch, g.nc, h, w]),
  ]);
  const output = v.output ?? 'detections';
  const attrs: Record<string, Attr> = {
    nc: int(g.nc),
    reg_max: int(g.regMax),
    strides: floats(g.levels.map(([, , s]) => s)),
    grid_cell_offset: float(0.5),
    output: str(output),
    ...(v.boxes === 'xywh' ? { boxes: str('xywh') } : {}),
    ...(output === 'detections' ? { max_det: int(g.maxDet) } : {}),
  };
  b.output(b.op('YoloDecode', inputs, attrs, { domain: 'ai.yhc' }));
  return b.build();
}

const apply = (graph: Graph): PipelineReport => runPipeline(graph, [recognizeDecoder], { verify: true });
const fired = (r: PipelineReport) => r.passes.reduce((n, p) => n + Object.values(p.fired).reduce((a, b) => a + b, 0), 0);
const notes = (r: PipelineReport) => r.passes.flatMap((p) => p.notes).join('\n');

function expectRecognized(v: DecoderVariant): void {
  const graph = decoder(v);
  const out = graph.outputs[0]!;
  const report = apply(graph); // verify: the interpreter compares the graph before and after
  expect(fired(report)).toBe(1);
  expectGraphsEqual(graph, expectedDecode(v));
  // The graph output stays the same Value, name and all.
  expect(graph.outputs[0]).toBe(out);
  expect(out.producer?.opType).toBe('YoloDecode');
}

function expectLeftAlone(v: DecoderVariant, why: RegExp): void {
  const graph = decoder(v);
  const before = cloneGraph(graph);
  const report = apply(graph);
  expect(fired(report)).toBe(0);
  expectGraphsEqual(graph, before);
  expect(notes(report)).toMatch(why);
}

describe('recognize-decoder', () => {
  it('folds_concatenated_layout_decoder_into_yolo_decode', () => {
    expectRecognized({ layout: 'concat' });
  });

  it('folds_separate_layout_decoder_into_yolo_decode', () => {
    expectRecognized({ layout: 'separate' });
  });

  it('folds_raw_output_decoder_into_yolo_decode_preds', () => {
    expectRecognized({ layout: 'separate', output: 'preds' });
    expectRecognized({ layout: 'concat', output: 'preds' });
  });

  it('folds_decoder_of_two_images', () => {
    expectRecognized({ batch: 2 });
  });

  it('folds_decoder_keeping_every_anchor', () => {
    expectRecognized({ maxDet: geometryOf().anchors });
  });

  it('folds_decoder_whose_class_count_equals_its_box_channels', () => {
    // nc = 4·reg_max: the maps cannot be told apart by channels; the export order decides.
    expectRecognized({ layout: 'concat', nc: 16 });
  });

  it('folds_raw_yolov8_head_with_xywh_boxes_into_yolo_decode_preds', () => {
    expectRecognized({ boxes: 'xywh', output: 'preds', layout: 'separate' });
    expectRecognized({ boxes: 'xywh', output: 'preds', layout: 'concat', batch: 2 });
    // The centre as · 0.5: other nodes, the same numbers.
    expectRecognized({ boxes: 'xywh', output: 'preds', centre: 'half' });
  });

  it('folds_xywh_decoder_with_top_k', () => {
    expectRecognized({ boxes: 'xywh' });
  });

  it('names_the_recognized_form_in_the_report', () => {
    const line = (v: DecoderVariant) => Object.keys(apply(decoder(v)).passes[0]!.fired)[0];
    expect(line({ output: 'preds' })).toBe('YOLOv10 decoder (DFL, dist2bbox, sigmoid) → ai.yhc.YoloDecode');
    expect(line({ boxes: 'xywh', output: 'preds' })).toBe('YOLOv8/YOLO11 decoder (DFL, dist2bbox xywh, sigmoid) → ai.yhc.YoloDecode');
    expect(line({ regMax: 1, postprocess: 'yolo26' })).toBe('YOLO26 decoder (no DFL, dist2bbox, sigmoid, two-stage top-k) → ai.yhc.YoloDecode');
  });

  it('leaves_xywh_head_whose_centre_is_not_halved', () => {
    expectLeftAlone({ boxes: 'xywh', output: 'preds', centre: 'unhalved' }, /as xyxy: its boxes differ .*; as xywh: its boxes differ from YoloDecode's/);
  });

  it('folds_reg_max_1_decoder_without_dfl', () => {
    expectRecognized({ regMax: 1, layout: 'separate' });
    expectRecognized({ regMax: 1, layout: 'concat' });
    expectRecognized({ regMax: 1, output: 'preds', layout: 'separate' });
    // nc = 4 = 4·reg_max: the export order tells the maps apart.
    expectRecognized({ regMax: 1, layout: 'concat', nc: 4 });
  });

  it('folds_yolo26_top_k_arrangement', () => {
    expectRecognized({ regMax: 1, postprocess: 'yolo26' });
    expectRecognized({ regMax: 1, postprocess: 'yolo26', layout: 'separate', batch: 2 });
    expectRecognized({ postprocess: 'yolo26' }); // the same top-k after a DFL
  });

  it('leaves_reg_max_1_decoder_whose_anchors_are_not_grid_centres', () => {
    expectLeftAlone({ regMax: 1, cellOffset: 0 }, /anchor constant .* is not the grid cell centres/);
  });

  it('leaves_reg_max_1_decoder_whose_intermediate_is_read_elsewhere', () => {
    expectLeftAlone({ regMax: 1, leak: 'reader' }, /intermediate .* is also read by node/);
  });

  it('leaves_yolo26_decoder_that_swaps_anchor_rank_and_class', () => {
    expectLeftAlone({ regMax: 1, swapAnchorAndClass: true }, /computes other detections than YoloDecode/);
  });

  it('ignores_sigmoid_that_is_not_a_decoder', () => {
    // A gate: Sigmoid · x reaching the output past no conv, but no anchor arithmetic.
    const b = new GraphBuilder();
    const x = b.input('x', 'float32', [1, 4, 8]);
    b.output(b.op('Mul', [b.op('Sigmoid', [x]), x]));
    const report = apply(b.build());
    expect(fired(report)).toBe(0);
    expect(notes(report)).toBe('');
  });

  it('leaves_decoder_whose_anchors_are_not_grid_centres', () => {
    expectLeftAlone({ cellOffset: 0 }, /anchor constant .* is not the grid cell centres/);
  });

  it('leaves_decoder_whose_intermediate_is_read_elsewhere', () => {
    expectLeftAlone({ leak: 'output' }, /intermediate .* is also a graph output/);
    expectLeftAlone({ leak: 'reader' }, /intermediate .* is also read by node/);
  });

  it('leaves_decoder_without_sigmoid', () => {
    expectLeftAlone({ sigmoid: false }, /has no score Sigmoid/);
    expectLeftAlone({ sigmoid: false, layout: 'separate' }, /reaches it through neither the DFL nor a score Sigmoid/);
  });

  it('leaves_decoder_that_swaps_anchor_rank_and_class', () => {
    expectLeftAlone({ swapAnchorAndClass: true }, /computes other detections than YoloDecode/);
  });

  it('ignores_softmax_that_is_not_a_dfl', () => {
    const b = new GraphBuilder();
    b.output(b.op('Softmax', [b.input('x', 'float32', [1, 4, 8])], { axis: int(1) }));
    const report = apply(b.build());
    expect(fired(report)).toBe(0);
    expect(notes(report)).toBe('');
  });
});
