import { isOnnxOp, otherInput, Uses } from '../src/ir/rewrite.js';
import { describeNode, type Graph, type Node, type Value } from '../src/ir/graph.js';
import type { PassLog } from './pass.js';

/**
 * onnxruntime's dynamic-quantization chain around one ConvInteger, as quantize_dynamic writes it:
 *
 *   (xq, xs, xz) = DynamicQuantizeLinear(x)      (one quantizer may feed several convs)
 *   acc = ConvInteger(xq, W, xz, w_zp)            W constant int8/uint8, w_zp per tensor or channel
 *   y   = Cast(acc, float) · Mul(xs, w_scale)     w_scale constant, per tensor or channel
 *   [y  = y + bias]                               a constant per-channel bias
 *
 * matched once here, for both the quantize pass (→ ai.yhc.QConv) and --dequantize (→ Conv).
 */
export interface DynamicConv {
  /** The nodes the match replaces (the quantizer excepted: other convs may read it). */
  readonly nodes: Node[];
  /** The float input the quantizer reads. */
  readonly x: Value;
  /** The value the chain's last node produces. */
  readonly out: Value;
  readonly wzp: number[];
  readonly wscale: number[];
  readonly bias: number[] | null;
}

/** Per-output-channel values of a scale or zero point (scalar, [M], [M,1,1], [1,M,1,1]), or null. */
function perChannel(v: Value | null | undefined, m: number, fallback: number): number[] | null {
  if (!v) return Array.from({ length: m }, () => fallback);
  const t = v.constant;
  if (!t) return null;
  if (t.size === 1) return Array.from({ length: m }, () => t.data[0]!);
  const nonUnit = t.shape.filter((d) => d !== 1);
  if (t.size !== m || nonUnit.length !== 1) return null;
  if (t.shape.length >= 3 && t.shape[t.shape.length - 3] !== m) return null;
  return Array.from(t.data);
}

/** The dynamic chain from `conv` (a ConvInteger), or a reason it is not one. */
export function matchDynamicConv(conv: Node, uses: Uses): DynamicConv | string {
  const dql = conv.input(0).producer;
  if (!isOnnxOp(dql, 'DynamicQuantizeLinear')) return 'its input is not quantized by a DynamicQuantizeLinear';
  if (conv.inputs[2] && conv.inputs[2] !== dql.outputs[2]) return "its input zero point is not the quantizer's";
  const w = conv.input(1).constant;
  if (!w) return 'its weights are not constant';
  const m = w.shape[0]!;
  const wzp = perChannel(conv.inputs[3], m, 0);
  if (!wzp) return 'its weight zero point is not a constant per tensor or per output channel';
  const cast = uses.soleReader(conv.outputs[0]!);
  if (!isOnnxOp(cast, 'Cast')) return 'its result is not read by one Cast';
  const mul = uses.soleReader(cast.outputs[0]!);
  const s = mul && isOnnxOp(mul, 'Mul') ? otherInput(mul, cast.outputs[0]!) : null;
  if (!mul || !s) return 'the Cast is not read by one Mul';
  const sm = s.producer;
  const xs = dql.outputs[1]!;
  const ws = isOnnxOp(sm, 'Mul') ? otherInput(sm, xs) : null;
  const wscale = perChannel(ws, m, 1);
  if (!ws || !wscale) return "the Mul's factor is not the input scale times a constant weight scale";
  const add = uses.soleReader(mul.outputs[0]!);
  const b = add && isOnnxOp(add, 'Add') ? otherInput(add, mul.outputs[0]!) : null;
  const bias = b ? perChannel(b, m, 0) : null;
  const withAdd = add && bias;
  return {
    nodes: [conv, cast, mul, ...(withAdd ? [add] : [])],
    x: dql.input(0),
    out: (withAdd ? add : mul).outputs[0]!,
    wzp,
    wscale,
    bias: withAdd ? bias : null,
  };
}

/**
 * Call `rewrite` with each ConvInteger's dynamic chain, in graph order; a ConvInteger that is not
 * one is left alone with its reason in the pass report.
 */
export function forEachDynamicConv(graph: Graph, log: PassLog, rewrite: (conv: Node, m: DynamicConv) => void): void {
  const uses = new Uses(graph);
  for (const conv of [...graph.nodes]) {
    if (!isOnnxOp(conv, 'ConvInteger')) continue;
    const m = matchDynamicConv(conv, uses);
    if (typeof m === 'string') log.note(`left alone: ${describeNode(conv)} is not a dynamic-quantization chain: ${m}`);
    else rewrite(conv, m);
  }
}
