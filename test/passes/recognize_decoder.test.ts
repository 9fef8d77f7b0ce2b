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

  it('leaves_decoder_with_xywh_boxes', () => {
    expectLeftAlone({ boxes: 'xywh' }, /computes other detections than YoloDecode/);
    expectLeftAlone({ boxes: 'xywh', output: 'preds' }, /its boxes differ from YoloDecode's/);
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
