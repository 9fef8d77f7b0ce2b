import { YhcError } from '../src/errors.js';
import { NUM_DETS_OUTPUT } from '../src/golden/compare.js';
import { YHC_DOMAIN, type Graph } from '../src/ir/graph.js';
import { yoloDecodeOutput } from '../src/ops/yhc/yolo_decode.js';
import type { Pass } from './pass.js';

/**
 * `--conf T`: the decoder keeps only detections scoring at least T. Its rows stay sorted, so the
 * kept ones come first and the rest are zeros; a second engine output, num_dets [B] (int32),
 * counts them per image — what DeepStream-style consumers read. Applied to the optimized graph:
 * every ai.yhc.YoloDecode whose detections are an engine output gets the `conf` attribute and
 * the num_dets output (src/ops/yhc/yolo_decode.ts defines both). Run after the optimization
 * pipeline (recognize-decoder makes the YoloDecode it needs).
 */
export function confidenceThreshold(threshold: number): Pass {
  return {
    name: 'confidence-threshold',
    rule: 'YoloDecode → detections under T zeroed, + num_dets [B]',
    run(graph, log) {
      applyConfidenceThreshold(graph, threshold);
      log.count('YoloDecode');
    },
  };
}

function applyConfidenceThreshold(graph: Graph, threshold: number): void {
  if (!Number.isFinite(threshold)) throw new YhcError('USAGE', `--conf must be a number, got ${threshold}`);
  const decoders = graph.nodes.filter(
    (n) => n.domain === YHC_DOMAIN && n.opType === 'YoloDecode' && n.outputs.length === 1 && graph.outputs.includes(n.outputs[0]!),
  );
  const detecting = decoders.filter((n) => yoloDecodeOutput(n) === 'detections');
  if (detecting.length !== 1) {
    throw new YhcError(
      'USAGE',
      detecting.length === 0
        ? '--conf needs the YOLOv10 decoder: a model whose graph ends in the NMS-free postprocess (recognized by the passes), or a raw head with --decode yolov10'
        : `--conf: the model has ${detecting.length} decoders writing detections; yhc thresholds exactly one`,
    );
  }
  const node = detecting[0]!;
  if (graph.outputs.some((v) => v.name === NUM_DETS_OUTPUT))
    throw new YhcError('USAGE', `--conf adds an output "${NUM_DETS_OUTPUT}", but the model already has one`);
  node.attrs.set('conf', { type: 'float', value: Math.fround(threshold) });
  const numDets = graph.newValue(NUM_DETS_OUTPUT, 'int32', [node.outputs[0]!.shape[0]!]);
  numDets.producer = node;
  node.outputs.push(numDets);
  graph.outputs.push(numDets);
}
