import { DETECTIONS_OUTPUT, NUM_DETS_OUTPUT } from '../golden/compare.js';
import { boxCorners } from '../ops/yhc/yolo_nms.js';

/** Outputs of a reference run by name. */
export type ReferenceOutputs = Record<string, { readonly dims: readonly number[]; readonly data: ArrayLike<number> | BigInt64Array | BigUint64Array }>;

/** The outputs of onnxruntime's NMS reference model (reference_model.ts builds it). */
export const NMS_REFERENCE = { selected: 'yhc_nms/selected', boxes: 'yhc_nms/boxes', scores: 'yhc_nms/scores' } as const;

/** The layout of the preds the reference ran on. */
export interface NmsLayout {
  readonly batch: number;
  readonly nc: number;
  readonly anchors: number;
  readonly maxDet: number;
  readonly xywh: boolean;
}

/**
 * onnxruntime's NonMaxSuppression leaves a variable list of selected (batch, class, box) triples;
 * they become the engine's outputs by the same contract: detections rows (score descending, ties
 * to the lower c·A + a, at most max_det, then zeros) and num_dets.
 */
export function assembleNms(out: ReferenceOutputs, l: NmsLayout): ReferenceOutputs {
  const selected = Array.from(out[NMS_REFERENCE.selected]!.data as ArrayLike<number | bigint>, Number);
  const boxes = out[NMS_REFERENCE.boxes]!.data as ArrayLike<number>;
  const scores = out[NMS_REFERENCE.scores]!.data as ArrayLike<number>;
  const detections = new Float32Array(l.batch * l.maxDet * 6);
  const numDets = new Int32Array(l.batch);
  for (let b = 0; b < l.batch; b++) {
    const picks: { score: number; index: number; cls: number; a: number }[] = [];
    for (let s = 0; s + 2 < selected.length; s += 3) {
      if (selected[s] !== b) continue;
      const [cls, a] = [selected[s + 1]!, selected[s + 2]!];
      picks.push({ score: scores[(b * l.nc + cls) * l.anchors + a]!, index: cls * l.anchors + a, cls, a });
    }
    picks.sort((p, q) => q.score - p.score || p.index - q.index);
    const kept = picks.slice(0, l.maxDet);
    numDets[b] = kept.length;
    kept.forEach((p, r) => {
      const box = Array.from({ length: 4 }, (_, k) => boxes[(b * l.anchors + p.a) * 4 + k]!);
      const corners = boxCorners(box, l.xywh ? 'xywh' : 'xyxy');
      detections.set([...corners, p.score, p.cls], (b * l.maxDet + r) * 6);
    });
  }
  return { [DETECTIONS_OUTPUT]: { dims: [l.batch, l.maxDet, 6], data: detections }, [NUM_DETS_OUTPUT]: { dims: [l.batch], data: numDets } };
}
