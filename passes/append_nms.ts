import { YhcError, q } from '../src/errors.js';
import { DETECTIONS_OUTPUT, NUM_DETS_OUTPUT } from '../src/golden/compare.js';
import { YHC_DOMAIN, type Graph, type Value } from '../src/ir/graph.js';
import { DEFAULT_MAX_CANDIDATES, type NmsBoxFormat } from '../src/ops/yhc/yolo_nms.js';
import type { Pass } from './pass.js';

/** What `--decode nms` asks for, defaults filled in. */
export interface NmsSettings {
  readonly iou: number;
  readonly conf: number;
  readonly maxDet: number;
  readonly boxes: NmsBoxFormat;
}

/**
 * `--decode nms`: the raw head's one output preds [B, 4 + nc, A] gets one ai.yhc.YoloNms node
 * (src/ops/yhc/yolo_nms.ts); the graph's outputs become detections [B, max_det, 6] and
 * num_dets [B]. Run on the imported graph, before the optimization pipeline.
 */
export function appendNms(settings: NmsSettings): Pass {
  return {
    name: 'append-nms',
    rule: 'preds [B, 4+nc, A] → ai.yhc.YoloNms → detections [B, max_det, 6], num_dets [B]',
    run(graph: Graph, log) {
      const { iou, conf, maxDet, boxes } = settings;
      if (!(iou >= 0 && iou <= 1)) throw new YhcError('USAGE', `--iou must be between 0 and 1, got ${iou}`);
      if (!(conf >= 0 && conf <= 1)) throw new YhcError('USAGE', `--conf must be between 0 and 1, got ${conf}`);
      const preds = graph.outputs[0]!;
      const batch = preds.shape[0]!;
      for (const name of [DETECTIONS_OUTPUT, NUM_DETS_OUTPUT]) {
        if (graph.values().some((v) => v.name === name))
          throw new YhcError('USAGE', `--decode names an output ${q(name)}, but the model already has a value of that name`);
      }
      graph.opsetImports.set(YHC_DOMAIN, graph.opsetImports.get(YHC_DOMAIN) ?? 1);
      const attrs = new Map([
        ['iou', { type: 'float', value: Math.fround(iou) }],
        ['conf', { type: 'float', value: Math.fround(conf) }],
        ['max_det', { type: 'int', value: maxDet }],
        ['boxes', { type: 'string', value: boxes }],
        ['max_candidates', { type: 'int', value: DEFAULT_MAX_CANDIDATES }],
      ] as const);
      const node = graph.newNode('YoloNms', YHC_DOMAIN, 'yhc_decode/nms', new Map(attrs), [preds]);
      const outputs: Value[] = [graph.newValue(DETECTIONS_OUTPUT, 'float32', [batch, maxDet, 6]), graph.newValue(NUM_DETS_OUTPUT, 'int32', [batch])];
      graph.appendNode(node, outputs);
      graph.outputs.splice(0, graph.outputs.length, ...outputs);
      log.count('YoloNms');
    },
  };
}
