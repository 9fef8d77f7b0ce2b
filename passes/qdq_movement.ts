import { attrString } from '../src/ir/attributes.js';
import { describeNode, ONNX_DOMAIN, type Graph, type Node, type Value } from '../src/ir/graph.js';
import { isOnnxOp, redirect, Uses } from '../src/ir/rewrite.js';
import type { PassLog } from './pass.js';
import { qParams, sameParams, type QParams } from './qdq_params.js';

/**
 * Data movement on int8 (recognize-qdq, step 2). In a QDQ model every float tensor between ops
 * is quantized and dequantized again, so a Concat, Split, MaxPool, nearest Resize, Transpose,
 * Slice or view reads DQ(x₁), … and its outputs are read by Qs. When every output is read only
 * by Qs of one scale and zero point P:
 *
 *   Q_P(M(DQ(x₁), DQ(x₂), …))  =  M(Q_P(DQ(x₁)), Q_P(DQ(x₂)), …)
 *
 * exactly: M moves elements (each output element is one input element), and Q is elementwise;
 * for MaxPool, Q is monotone (a float32 quotient by a positive scale, round half to even,
 * saturation never reverse an order), so the max of the quantized values is the quantized max.
 * M then runs on int8; each Q_P(DQ(x_i)) is an elementwise requantization (a kernel of int8 in
 * and out, fused), or nothing when x_i already has P's parameters (step 3 drops the exact round
 * trip).
 */

/** Ops that move elements, and which of their inputs are data. */
function dataInputs(n: Node): readonly number[] | null {
  if (n.domain !== ONNX_DOMAIN) return null;
  switch (n.opType) {
    case 'Concat':
      return n.inputs.map((_, i) => i);
    case 'Split':
    case 'Transpose':
    case 'Slice':
    case 'Reshape':
    case 'Flatten':
    case 'Squeeze':
    case 'Unsqueeze':
    case 'Identity':
      return [0];
    case 'MaxPool':
      return n.outputs.length === 1 ? [0] : null;
    case 'Resize':
      return attrString(n, 'mode', 'nearest') === 'nearest' ? [0] : null;
    default:
      return null;
  }
}

/** The quantizers reading every output of `m`, when all share one parameter set. */
function outputQuantizers(m: Node, uses: Uses): { readonly p: QParams; readonly qs: Node[][] } | string {
  let p: QParams | null = null;
  const qs: Node[][] = [];
  for (const out of m.outputs) {
    const readers = uses.of(out);
    if (readers.length === 0 || uses.isGraphOutput(out)) return 'an output is unread or a graph output';
    for (const r of readers) {
      const rp = isOnnxOp(r, 'QuantizeLinear') ? qParams(r) : null;
      if (!rp) return `an output is read by ${describeNode(r)}, not a per-tensor 8-bit QuantizeLinear`;
      if (p && !sameParams(p, rp)) return 'its outputs are quantized with different parameters';
      p = rp;
    }
    qs.push([...new Set(readers)]);
  }
  return p ? { p, qs } : 'no output';
}

export function commuteQuantizeThroughMovement(graph: Graph, log: PassLog): void {
  const uses = new Uses(graph);
  for (const m of [...graph.nodes]) {
    const slots = dataInputs(m);
    if (!slots) continue;
    const dqs = slots.map((i) => m.inputs[i]?.producer ?? null);
    if (!dqs.every((d) => isOnnxOp(d, 'DequantizeLinear') && qParams(d))) {
      if (dqs.some((d) => isOnnxOp(d, 'DequantizeLinear')))
        log.note(`left alone: ${describeNode(m)} runs in float: not every data input is a per-tensor 8-bit DequantizeLinear`);
      continue;
    }
    const found = outputQuantizers(m, uses);
    if (typeof found === 'string') {
      log.note(`left alone: ${describeNode(m)} runs in float: ${found}`);
      continue;
    }
    const q0 = found.qs[0]![0]!;
    const inputs = [...m.inputs];
    for (const i of slots) {
      // Q_P(DQ(x_i)): a new quantizer with the readers' parameters (dropped later where it is a round trip).
      const q = graph.newNode('QuantizeLinear', ONNX_DOMAIN, `${m.name}_requantize_${i}`, new Map(q0.attrs), [m.inputs[i]!, ...q0.inputs.slice(1)], [q0]);
      const v = graph.newValue(`${m.inputs[i]!.name}_requantized`, found.p.dtype, m.inputs[i]!.shape);
      graph.appendNode(q, [v]);
      inputs[i] = v;
    }
    const node = graph.newNode(m.opType, ONNX_DOMAIN, m.name, new Map(m.attrs), inputs, [m, ...found.qs.flat()]);
    const outs: Value[] = m.outputs.map((o) => graph.newValue(`${o.name}_int8`, found.p.dtype, o.shape));
    graph.appendNode(node, outs);
    found.qs.forEach((qs, k) => qs.forEach((q) => redirect(graph, q.outputs[0]!, outs[k]!)));
    log.count(`Q(${m.opType}(DQ)) → ${m.opType} on int8`);
  }
}
