import type { DecodedModel } from '../decode.js';
import { onnx, type OnnxModel } from '../onnx/proto.js';
import type { ExternalDataRoot } from '../onnx/external_data.js';
import { tensorFromProto } from '../onnx/tensor_proto.js';
import { modelProto, tensorProto, type NodeSpec, type TensorSpec } from '../onnx/write.js';
import { Tensor } from '../tensor.js';
import { assembleNms, NMS_REFERENCE, type ReferenceOutputs } from './assemble_nms.js';

/** What onnxruntime runs for `yhc check` on a model compiled with --decode. */
export interface ReferenceModel {
  /** The model encoded, external data inlined (onnxruntime reads it from memory). */
  bytes(): Uint8Array;
  /**
   * With --decode nms: onnxruntime's NonMaxSuppression triples, assembled into the engine's
   * outputs (detections, num_dets). Absent: the reference's outputs are the engine's.
   */
  assemble?(outputs: ReferenceOutputs): ReferenceOutputs;
}

/**
 * yolov10: the extended model itself (the postprocess is standard ONNX). nms: the model extended
 * with Transpose → Split → Transpose → NonMaxSuppression (max_det per class, the same IoU and
 * score thresholds), whose selected (batch, class, box) triples `assemble` turns into the same
 * two outputs.
 */
export function referenceModel(decoded: DecodedModel): ReferenceModel {
  const nms = decoded.nms;
  if (!nms) return { bytes: () => withInlineData(decoded.model, decoded.externalRoot) };
  const xywh = nms.boxes === 'xywh';
  const reference = appendOnnxNms(decoded.model, nms.preds, nms.nc, { iou: nms.iou, conf: nms.conf, maxDet: nms.maxDet, xywh });
  return {
    bytes: () => withInlineData(reference, decoded.externalRoot),
    assemble: (out) => assembleNms(out, { batch: nms.batch, nc: nms.nc, anchors: nms.anchors, maxDet: nms.maxDet, xywh }),
  };
}

/** The model encoded with every external initializer read (confined to `root`) into raw_data. */
function withInlineData(model: OnnxModel, root: ExternalDataRoot): Uint8Array {
  const m = onnx.ModelProto.decode(onnx.ModelProto.encode(model).finish());
  const g = m.graph!;
  g.initializer = (g.initializer ?? []).map((t) =>
    t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL
      ? onnx.TensorProto.create(tensorProto({ name: t.name ?? '', tensor: tensorFromProto(t, 'initializer', { externalRoot: root }) }))
      : t,
  );
  return onnx.ModelProto.encode(m).finish();
}

/** The model with NonMaxSuppression over its preds; outputs selected [S, 3], boxes [B, A, 4], scores [B, nc, A]. */
function appendOnnxNms(model: OnnxModel, preds: string, nc: number, o: { iou: number; conf: number; maxDet: number; xywh: boolean }): OnnxModel {
  const m = onnx.ModelProto.decode(onnx.ModelProto.encode(model).finish());
  const g = m.graph!;
  const f32 = (name: string, v: number): TensorSpec => ({ name, tensor: new Tensor('float32', [1], Float32Array.of(v)) });
  const initializers: TensorSpec[] = [
    { name: 'yhc_nms/split', tensor: new Tensor('int64', [2], Float64Array.of(4, nc)) },
    { name: 'yhc_nms/max_per_class', tensor: new Tensor('int64', [1], Float64Array.of(o.maxDet)) },
    f32('yhc_nms/iou', o.iou),
    f32('yhc_nms/conf', o.conf),
  ];
  const nodes: NodeSpec[] = [
    { op: 'Transpose', name: 'yhc_nms/transpose', inputs: [preds], outputs: ['yhc_nms/transposed'], attrs: { perm: { type: 'ints', value: [0, 2, 1] } } },
    {
      op: 'Split',
      name: 'yhc_nms/split',
      inputs: ['yhc_nms/transposed', 'yhc_nms/split'],
      outputs: [NMS_REFERENCE.boxes, 'yhc_nms/class_scores'],
      attrs: { axis: { type: 'int', value: -1 } },
    },
    {
      op: 'Transpose',
      name: 'yhc_nms/transpose_scores',
      inputs: ['yhc_nms/class_scores'],
      outputs: [NMS_REFERENCE.scores],
      attrs: { perm: { type: 'ints', value: [0, 2, 1] } },
    },
    {
      op: 'NonMaxSuppression',
      name: 'yhc_nms/nms',
      inputs: [NMS_REFERENCE.boxes, NMS_REFERENCE.scores, 'yhc_nms/max_per_class', 'yhc_nms/iou', 'yhc_nms/conf'],
      outputs: [NMS_REFERENCE.selected],
      attrs: { center_point_box: { type: 'int', value: o.xywh ? 1 : 0 } },
    },
  ];
  const written = modelProto({ inputs: [], outputs: [], initializers, nodes }).graph!;
  g.initializer = [...(g.initializer ?? []), ...(written.initializer ?? [])];
  g.node = [...(g.node ?? []), ...(written.node ?? [])];
  const elem = (name: string, t: number) => onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: t } } });
  g.output = [
    elem(NMS_REFERENCE.selected, onnx.TensorProto.DataType.INT64),
    elem(NMS_REFERENCE.boxes, onnx.TensorProto.DataType.FLOAT),
    elem(NMS_REFERENCE.scores, onnx.TensorProto.DataType.FLOAT),
  ];
  return m;
}
