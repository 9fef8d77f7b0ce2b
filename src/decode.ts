import { readFileSync } from 'node:fs';
import { basename, dirname, extname } from 'node:path';
import { appendNms, type NmsSettings } from '../passes/append_nms.js';
import { PassLog } from '../passes/pass.js';
import { q } from './errors.js';
import type { Graph } from './ir/graph.js';
import { checkDecodable, DEFAULT_MAX_DET, DEFAULT_NMS, type DecodeOptions } from './onnx/decode_options.js';
import { externalDataRoot, type ExternalDataRoot } from './onnx/external_data.js';
import { importModel } from './onnx/import.js';
import { decodeModel, loadModel } from './onnx/load.js';
import type { OnnxModel } from './onnx/proto.js';
import { appendYolov10Postprocess } from './onnx/yolov10_decode.js';

/** With --decode nms: the raw head's preds, and what the YoloNms node was asked for. */
export interface NmsDecode extends NmsSettings {
  /** The preds output's name and its dims [B, 4 + nc, A]. */
  readonly preds: string;
  readonly batch: number;
  readonly nc: number;
  readonly anchors: number;
}

/** A raw-output model file with a postprocess appended (`--decode`). */
export interface DecodedModel {
  /** The ONNX model the graph came from: extended with the yolov10 postprocess, or as read (nms). */
  readonly model: OnnxModel;
  readonly graph: Graph;
  /** Where the model's external data may be read from. */
  readonly externalRoot: ExternalDataRoot;
  /** Present with --decode nms: the graph ends in ai.yhc.YoloNms, the ONNX model in preds. */
  readonly nms?: NmsDecode;
}

/**
 * Read `path`, check its output can be decoded, and append the postprocess: yolov10 as ONNX nodes
 * before importing (src/onnx/yolov10_decode.ts), nms as a YoloNms node in the imported graph
 * (passes/append_nms.ts). `yhc check` builds onnxruntime's reference from the result
 * (src/check/reference_model.ts).
 */
export function loadDecodedModel(path: string, options: { batch?: number; decode: DecodeOptions }): DecodedModel {
  const batch = options.batch !== undefined ? { batch: options.batch } : {};
  const maxDet = options.decode.maxDet ?? DEFAULT_MAX_DET;
  // Import the model as it is first: file checks, and the static type of its output.
  const raw = loadModel(path, batch);
  checkDecodable(q(path), raw.outputs, maxDet, options.decode.format);
  const externalRoot = externalDataRoot(dirname(path));
  if (options.decode.format === 'nms') {
    const preds = raw.outputs[0]!;
    const [b, rows, anchors] = preds.shape as [number, number, number];
    const settings: NmsSettings = {
      iou: options.decode.iou ?? DEFAULT_NMS.iou,
      conf: options.decode.conf ?? DEFAULT_NMS.conf,
      maxDet,
      boxes: options.decode.boxes ?? 'xyxy',
    };
    appendNms(settings).run(raw, new PassLog());
    const model = decodeModel(readFileSync(path), q(path));
    return { model, graph: raw, externalRoot, nms: { ...settings, preds: preds.name, batch: b, nc: rows - 4, anchors } };
  }
  const model = appendYolov10Postprocess(decodeModel(readFileSync(path), q(path)), raw.outputs[0]!, maxDet);
  const graph = importModel(model, { ...batch, externalRoot, name: basename(path, extname(path)) });
  return { model, graph, externalRoot };
}
