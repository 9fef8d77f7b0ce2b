import type { Graph } from '../ir/graph.js';
import { toNumbers, type ReferenceTensor } from '../golden/check_output.js';
import { detectionShift, type DetectionShift } from '../golden/detection_shift.js';
import { runGraph } from '../interp/interpreter.js';
import type { Tensor } from '../tensor.js';
import { tensorFromTypedArray } from '../typed_arrays.js';
import type { ReferenceInput } from './oracle.js';

/**
 * A second opinion on a quantized model's reference: yhc's reference interpreter (the ONNX
 * semantics op by op, conformance-tested, independent of the kernels) runs the imported graph on
 * the reference's inputs, and says how many of onnxruntime's detections it finds itself. Where
 * a model is so unstable that an ulp anywhere moves its detections, this is what the quantized
 * whole-model rule can ask of any implementation (src/golden/quantized.ts). The graph runs once,
 * when first asked.
 */
export function secondOpinion(graph: Graph, feeds: Record<string, ReferenceInput>): (output: string, ref: ReferenceTensor) => DetectionShift | undefined {
  let outputs: Record<string, Tensor> | undefined;
  return (output, ref) => {
    outputs ??= runGraph(graph, Object.fromEntries(Object.entries(feeds).map(([name, f]) => [name, tensorFromTypedArray(f.dtype, f.shape, f.data)])));
    const t = outputs[output];
    if (!t || t.shape.join(',') !== ref.dims.join(',')) return undefined;
    return detectionShift(toNumbers(t.data), toNumbers(ref.data), t.shape);
  };
}
