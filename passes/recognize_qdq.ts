import { describeNode, ONNX_DOMAIN, YHC_DOMAIN, type Graph, type Node, type Value } from '../src/ir/graph.js';
import { canRedirect, isOnnxOp, redirect, Uses } from '../src/ir/rewrite.js';
import { Tensor } from '../src/tensor.js';
import type { Pass, PassLog } from './pass.js';
import { FLOAT_ELEMENTWISE } from './qdq_elementwise.js';
import { qParams, roundTripsExactly, sameParams } from './qdq_params.js';
import { commuteQuantizeThroughMovement } from './qdq_movement.js';
import { tabulateActivations } from './qdq_tables.js';

/**
 * QDQ models (onnxruntime's quantize_static) → what runs on int8:
 *
 *  1. DQ(x_q) → Conv(·, DQ(W_q, axis 0), DQ(b_int32)) [→ Q(y)] becomes ai.yhc.QConv with
 *     input_quant "static" (src/ops/yhc/qconv.ts): X the int8/uint8 tensor itself with its
 *     per-tensor scale and zero point, W the int8 weights the importer kept when it folded their
 *     DequantizeLinear (Value.dequantized: the exact integers, not recovered from floats), the
 *     dequantized bias, and Q's y_scale / y_zero_point when one Q is the conv's only reader
 *     (else a float output);
 *  2. Q(M(DQ(x₁), …)) for a data-movement op M (Concat, Split, MaxPool, nearest Resize, the
 *     views, Transpose, Slice) whose every output is read only by Qs of one scale and zero
 *     point becomes M(Q(DQ(x₁)), …) on int8 (passes/qdq_movement.ts);
 *  3. Q(DQ(q)) with the same per-tensor parameters → q where that round trip is exact for all
 *     256 values (checked, passes/qdq_params.ts);
 *  4. a DQ read by several elementwise nodes gets one copy per reader, so each elementwise
 *     kernel dequantizes its int8 input in its own load (codegen/elementwise_fusion.ts);
 *  5. an elementwise function of a QConv's int8 output alone, up to a Q (a QDQ SiLU), becomes
 *     the QConv's 256-entry y_table, applied in its epilogue (passes/qdq_tables.ts).
 *
 * Every step computes what the graph computed, bit for bit in the interpreter (the QConv's
 * meaning is DQ → float Conv → Q), so translation validation compares exactly. The int8 conv
 * kernel's integer arithmetic is held to the quantized rule against that meaning instead.
 */

const CONV_NOTE = (n: Node, why: string) => `left alone: ${describeNode(n)} runs in float: ${why}`;

const scalarConst = (graph: Graph, name: string, dtype: 'float32' | 'int8' | 'uint8', v: number) => graph.newConstant(name, Tensor.scalar(dtype, v));

function rewriteConv(graph: Graph, conv: Node, uses: Uses, log: PassLog): void {
  const dq = conv.input(0).producer;
  const src = conv.input(1).dequantized;
  if (!isOnnxOp(dq, 'DequantizeLinear') && !src) return; // a float conv
  if (!isOnnxOp(dq, 'DequantizeLinear')) return log.note(CONV_NOTE(conv, 'its input is not dequantized'));
  const xp = qParams(dq);
  if (!xp) return log.note(CONV_NOTE(conv, `its input's ${describeNode(dq)} is not per tensor, 8-bit, with constant parameters`));
  if (!src) return log.note(CONV_NOTE(conv, 'its weights are not a DequantizeLinear of constant integers'));
  if (src.q.dtype !== 'int8' && src.q.dtype !== 'uint8') return log.note(CONV_NOTE(conv, `its weights are ${src.q.dtype}, not int8 or uint8`));
  if (src.axis !== -1 && src.axis !== 0) return log.note(CONV_NOTE(conv, `its weights are quantized along axis ${src.axis}, not per output channel`));
  if (src.scale.dtype !== 'float32') return log.note(CONV_NOTE(conv, `its weight scale is ${src.scale.dtype}`));
  const b = conv.inputs[2] ?? null;
  if (b && (!b.constant || b.dtype !== 'float32')) return log.note(CONV_NOTE(conv, 'its bias is not a float32 constant'));

  const out = conv.outputs[0]!;
  const q = uses.soleReader(out);
  const yp = q && isOnnxOp(q, 'QuantizeLinear') ? qParams(q) : null;
  const m = src.q.shape[0]!;
  const zp = src.zeroPoint ?? Tensor.from(src.q.dtype, src.scale.shape, new Array<number>(src.scale.size).fill(0));
  const inputs: (Value | null)[] = [
    dq.input(0),
    graph.newConstant(`${conv.name}_w_quantized`, src.q),
    graph.newConstant(`${conv.name}_w_scale`, src.axis === 0 ? Tensor.from('float32', [m], src.scale.data) : Tensor.scalar('float32', src.scale.data[0]!)),
    graph.newConstant(`${conv.name}_w_zero_point`, src.axis === 0 ? Tensor.from(zp.dtype, [m], zp.data) : Tensor.scalar(zp.dtype, zp.data[0]!)),
    b,
    scalarConst(graph, `${conv.name}_x_scale`, 'float32', xp.scale),
    scalarConst(graph, `${conv.name}_x_zero_point`, xp.dtype as 'int8' | 'uint8', xp.zeroPoint),
  ];
  if (yp)
    inputs.push(
      scalarConst(graph, `${conv.name}_y_scale`, 'float32', yp.scale),
      scalarConst(graph, `${conv.name}_y_zero_point`, yp.dtype as 'int8' | 'uint8', yp.zeroPoint),
    );
  const attrs = new Map(conv.attrs);
  attrs.set('activation', { type: 'string', value: 'none' });
  attrs.set('input_quant', { type: 'string', value: 'static' });
  const node = graph.newNode('QConv', YHC_DOMAIN, conv.name, attrs, inputs, yp ? [conv, q!] : [conv]);
  const replaced = yp ? q!.outputs[0]! : out;
  const y = graph.newValue(`${conv.name}_qconv`, yp ? yp.dtype : 'float32', out.shape);
  graph.appendNode(node, [y]);
  redirect(graph, replaced, y);
  log.count(yp ? 'DQ → Conv → Q → ai.yhc.QConv (int8 out)' : 'DQ → Conv → ai.yhc.QConv (float out)');
}

/** Q(DQ(q)) with equal parameters → q, where the round trip is exact. */
function dropRoundTrips(graph: Graph, log: PassLog): void {
  for (const q of graph.nodes) {
    if (!isOnnxOp(q, 'QuantizeLinear')) continue;
    const dq = q.input(0).producer;
    if (!isOnnxOp(dq, 'DequantizeLinear')) continue;
    const [a, b] = [qParams(dq), qParams(q)];
    if (!a || !b || !sameParams(a, b) || !canRedirect(graph, q.outputs[0]!, dq.input(0))) continue;
    if (!roundTripsExactly(a)) {
      log.note(`left alone: ${describeNode(q)} after ${describeNode(dq)}: scale ${a.scale} does not round-trip every value exactly`);
      continue;
    }
    redirect(graph, q.outputs[0]!, dq.input(0));
    log.count('Q(DQ(q)) → q');
  }
}

/** One DQ per elementwise reader: each reader's fused kernel then dequantizes in its own load. */
function dedicatedDequantizers(graph: Graph, log: PassLog): void {
  const uses = new Uses(graph);
  for (const dq of [...graph.nodes]) {
    if (!isOnnxOp(dq, 'DequantizeLinear') || dq.input(0).constant || !qParams(dq)) continue;
    const v = dq.outputs[0]!;
    // A DQ is copied into each elementwise reader (one copy per reader, so it fuses into each).
    const readers = [...new Set(uses.of(v))].filter((r) => r.domain === ONNX_DOMAIN && FLOAT_ELEMENTWISE.has(r.opType));
    const all = new Set(uses.of(v)).size;
    // The first elementwise reader keeps the original unless nothing else reads it.
    for (const r of readers.slice(all === readers.length && !uses.isGraphOutput(v) ? 1 : 0)) {
      const copy = graph.newNode('DequantizeLinear', ONNX_DOMAIN, dq.name, new Map(dq.attrs), [...dq.inputs], [dq]);
      const y = graph.newValue(v.name, v.dtype, v.shape);
      graph.appendNode(copy, [y]);
      r.inputs = r.inputs.map((x) => (x === v ? y : x));
      log.count('DQ copied per elementwise reader');
    }
  }
}

export const recognizeQdq: Pass = {
  name: 'recognize-qdq',
  rule: 'DQ → Conv(DQ(W)) [→ Q] → ai.yhc.QConv; Q(move(DQ(x))) → move(x) on int8; Q(DQ(q)) → q; one DQ per elementwise reader; QConv → int8 function → QConv y_table',
  run(graph, log) {
    const uses = new Uses(graph);
    if (!graph.nodes.some((n) => isOnnxOp(n, 'DequantizeLinear') || isOnnxOp(n, 'QuantizeLinear'))) return;
    for (const conv of [...graph.nodes]) if (isOnnxOp(conv, 'Conv')) rewriteConv(graph, conv, uses, log);
    graph.toposort();
    graph.removeDeadNodes();
    commuteQuantizeThroughMovement(graph, log);
    graph.toposort();
    dropRoundTrips(graph, log);
    graph.removeDeadNodes();
    dedicatedDequantizers(graph, log);
    graph.toposort();
    tabulateActivations(graph, log);
    graph.toposort();
    graph.removeDeadNodes();
  },
};
