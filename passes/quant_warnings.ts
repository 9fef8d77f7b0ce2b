import { describeNode, type Graph, type Node, type Value } from '../src/ir/graph.js';
import { Uses, isOnnxOp } from '../src/ir/rewrite.js';
import { isViewOp } from '../src/ops/index.js';
import { QUANT_RANGE } from '../src/ops/util/quant.js';

/**
 * What `yhc inspect` warns about in a quantized (QDQ) model before anyone runs it. One check
 * today, the int8 YOLO that "detects nothing": an output Concat that joins boxes (pixels, up to
 * hundreds) and scores (a Sigmoid's [0, 1]) under ONE quantization scale. The shared scale is
 * sized for the boxes, so the scores get a handful of levels at best — with a scale above 2 every
 * score rounds to 0.
 */

/** The range a DequantizeLinear(QuantizeLinear(·)) value can take, from its scale and zero point. */
function quantizedFrom(v: Value): { lo: number; hi: number } | null {
  const dq = v?.producer;
  if (!isOnnxOp(dq, 'DequantizeLinear')) return null;
  const q = dq.input(0).producer;
  const s = dq.inputs[1]?.constant;
  if (!isOnnxOp(q, 'QuantizeLinear') || !s || s.size !== 1) return null;
  const z = dq.inputs[2]?.constant;
  const zp = z ? z.data[0]! : 0;
  const [qmin, qmax] = QUANT_RANGE[dq.input(0).dtype] ?? [0, 255];
  const scale = s.data[0]!;
  return { lo: (qmin - zp) * scale, hi: (qmax - zp) * scale };
}

/** A value bounded by where it comes from: a Sigmoid's [0, 1], through views and other Q → DQ pairs. */
function isProbability(v: Value): boolean {
  for (let at: Value = v, steps = 0; steps < 16; steps++) {
    const p = at.producer;
    if (!p) return false;
    if (p.opType === 'Sigmoid' && p.domain === '') return true;
    const through = isViewOp(p) || isOnnxOp(p, 'QuantizeLinear') || isOnnxOp(p, 'DequantizeLinear');
    if (!through || !p.inputs[0]) return false;
    at = p.inputs[0];
  }
  return false;
}

const fmt = (x: number) => Number(x.toPrecision(4)).toString();

/** The quantizer that reads a Concat's output, with its range (a QuantizeLinear of one scale). */
function outputQuantizer(node: Node, uses: Uses): { scale: number; lo: number; hi: number } | null {
  for (const r of uses.of(node.outputs[0]!)) {
    if (!isOnnxOp(r, 'QuantizeLinear')) continue;
    const s = r.inputs[1]?.constant;
    if (!s || s.size !== 1) continue;
    const zp = r.inputs[2]?.constant?.data[0] ?? 0;
    const [qmin, qmax] = QUANT_RANGE[r.outputs[0]!.dtype] ?? [0, 255];
    const scale = s.data[0]!;
    return { scale, lo: (qmin - zp) * scale, hi: (qmax - zp) * scale };
  }
  return null;
}

function concatWarning(node: Node, uses: Uses): string | null {
  const out = outputQuantizer(node, uses);
  if (!out) return null;
  const scoresAt = node.inputs.findIndex((v) => v && isProbability(v));
  const otherAt = node.inputs.findIndex((v, i) => i !== scoresAt && v && !isProbability(v));
  if (scoresAt < 0 || otherAt < 0) return null;
  const levels = Math.round(1 / out.scale) + 1;
  if (levels > 16) return null;
  const other = quantizedFrom(node.inputs[otherAt]!);
  const otherRange = other ? `[${fmt(other.lo)}, ${fmt(other.hi)}]` : `up to the output's range`;
  return (
    `${describeNode(node)} joins scores in [0, 1] (input ${scoresAt}, from a Sigmoid) and values in ${otherRange} (input ${otherAt}) ` +
    `under one output scale ${fmt(out.scale)} (range [${fmt(out.lo)}, ${fmt(out.hi)}]): the scores keep ${levels} level(s)` +
    (out.scale > 2 ? ', every score rounds to 0' : '') +
    ' — quantize boxes and scores separately, or leave the output Concat in float'
  );
}

/** Warnings about the quantization of an imported graph, one line each. */
export function quantizationWarnings(graph: Graph): string[] {
  const uses = new Uses(graph);
  return graph.nodes.filter((n) => isOnnxOp(n, 'Concat')).flatMap((n) => concatWarning(n, uses) ?? []);
}
