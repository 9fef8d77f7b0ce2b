import { YhcError } from '../src/errors.js';
import { describeNode, ONNX_DOMAIN, YHC_DOMAIN, type Graph, type Node, type Value } from '../src/ir/graph.js';
import { canRedirect, isOnnxOp, redirect } from '../src/ir/rewrite.js';
import { forEachDynamicConv } from './quant_patterns.js';
import { Tensor } from '../src/tensor.js';
import type { Pass, PassLog } from './pass.js';

/**
 * `--dequantize`: run a quantized model in float instead. Not a translation-validated rewrite —
 * it changes what the graph computes, on purpose, by the rounding the quantizers did:
 *  - an activation's fake quantization DequantizeLinear(QuantizeLinear(x, s, z), s, z) → x;
 *  - the dynamic-quantization chain DynamicQuantizeLinear(x) → ConvInteger(·, W, ·, w_zp) →
 *    Cast → Mul by x_scale · w_scale [→ Add bias] → Conv(x, (W − w_zp) · w_scale [, bias]),
 *    the weights dequantized at compile time (a quantizer feeding several convs goes with the last);
 *  - constant DequantizeLinear (weights, int32 biases) the importer already folded.
 * What is left quantized afterwards (a lone QuantizeLinear, a MatMulInteger) is noted, and the
 * compile then stops with quantizedOpsError.
 */

const f32 = (shape: readonly number[], values: ArrayLike<number>) => Tensor.from('float32', shape, values);

/** The ONNX ops whose presence makes a graph a quantized one. */
const QUANTIZED_OPS = new Set(['QuantizeLinear', 'DequantizeLinear', 'DynamicQuantizeLinear', 'ConvInteger', 'MatMulInteger', 'QLinearConv', 'QLinearMatMul']);

/** The graph's nodes that compute on quantized (integer) data: ONNX quantization ops and yhc's quantized ops. */
export function quantizedNodes(graph: Graph): Node[] {
  return graph.nodes.filter((n) => (n.domain === ONNX_DOMAIN && QUANTIZED_OPS.has(n.opType)) || (n.domain === YHC_DOMAIN && n.opType.startsWith('Q')));
}

/**
 * The one-line error of compiling a quantized graph with nodes yhc has no int8 kernel for;
 * `hasKernel` (codegen's kernel table, passed in by the driver) says which ones run.
 */
export function quantizedOpsError(graph: Graph, hasKernel: (n: Node) => boolean = () => false): YhcError | null {
  const q = quantizedNodes(graph).filter((n) => !hasKernel(n));
  if (q.length === 0) return null;
  return new YhcError(
    'UNSUPPORTED_OP',
    `${describeNode(q[0]!)} and ${q.length - 1} more quantized node(s): yhc has no int8 kernel for them; compile with --dequantize to run this model in float (weights dequantized, activation quantizers dropped)`,
  );
}

function sameConstant(a: Value | null | undefined, b: Value | null | undefined): boolean {
  if (!a || !b) return !a && !b;
  if (a === b) return true;
  const x = a.constant;
  const y = b.constant;
  return !!x && !!y && x.dtype === y.dtype && x.size === y.size && x.data.every((v, i) => v === y.data[i]);
}

const axisOf = (n: Node) => {
  const a = n.attrs.get('axis');
  return a?.type === 'int' ? a.value : 1;
};

/** DequantizeLinear(QuantizeLinear(x, s, z), s, z) → x. */
function dropFakeQuant(graph: Graph, log: PassLog): void {
  for (const dq of graph.nodes) {
    if (!isOnnxOp(dq, 'DequantizeLinear')) continue;
    const q = dq.input(0).producer;
    if (!isOnnxOp(q, 'QuantizeLinear')) continue;
    const same = sameConstant(q.inputs[1], dq.inputs[1]) && sameConstant(q.inputs[2], dq.inputs[2]) && axisOf(q) === axisOf(dq);
    if (!same) {
      log.note(`left alone: ${describeNode(dq)} dequantizes ${describeNode(q)} with other parameters (a requantization)`);
      continue;
    }
    if (!canRedirect(graph, dq.outputs[0]!, q.input(0))) {
      log.note(`left alone: ${describeNode(dq)} turns a graph input straight into a graph output`);
      continue;
    }
    redirect(graph, dq.outputs[0]!, q.input(0));
    log.count('QuantizeLinear → DequantizeLinear dropped');
  }
}

function dequantizeDynamicConvs(graph: Graph, log: PassLog): void {
  forEachDynamicConv(graph, log, (conv, m) => {
    const w = conv.input(1).constant!;
    const per = w.size / w.shape[0]!;
    const wf = Array.from(w.data, (q, i) => Math.fround((q - m.wzp[Math.floor(i / per)]!) * m.wscale[Math.floor(i / per)]!));
    const inputs = [m.x, graph.newConstant(`${conv.name}_w_dequantized`, f32(w.shape, wf))];
    if (m.bias) inputs.push(graph.newConstant(`${conv.name}_b`, f32([w.shape[0]!], m.bias)));
    const node = graph.newNode('Conv', ONNX_DOMAIN, conv.name, new Map(conv.attrs), inputs, m.nodes);
    const y = graph.newValue(`${conv.name}_dequantized`, 'float32', m.out.shape);
    graph.appendNode(node, [y]);
    redirect(graph, m.out, y);
    log.count('DynamicQuantizeLinear → ConvInteger → Conv');
  });
}

export const dequantize: Pass = {
  name: 'dequantize',
  rule: 'Q → DQ of an activation → nothing; DynamicQuantizeLinear → ConvInteger → Cast → Mul(scales) [→ Add] → Conv with dequantized weights',
  run(graph, log) {
    dropFakeQuant(graph, log);
    dequantizeDynamicConvs(graph, log);
    graph.toposort();
    graph.removeDeadNodes();
    for (const n of quantizedNodes(graph)) log.note(`still quantized: ${describeNode(n)}`);
  },
};
