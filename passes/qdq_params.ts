import type { DType } from '../src/dtype.js';
import { attrInt } from '../src/ir/attributes.js';
import type { Node } from '../src/ir/graph.js';
import { isOnnxOp } from '../src/ir/rewrite.js';
import { QUANT_RANGE, saturate } from '../src/ops/util/quant.js';

/**
 * The per-tensor parameters of a QuantizeLinear / DequantizeLinear on an activation, as the QDQ
 * passes read them: one constant float32 scale, one constant zero point (0 when omitted), the
 * 8-bit integer type. Per-axis or blocked parameters, other types or non-constant ones: null
 * (the node is then left as it is, and runs as its own kernel or stops the compile).
 */
export interface QParams {
  readonly scale: number;
  readonly zeroPoint: number;
  /** int8 or uint8: the quantized side's type. */
  readonly dtype: DType;
}

const INT8: readonly DType[] = ['int8', 'uint8'];

/** Per-tensor 8-bit parameters of a Q or DQ node, or null. */
export function qParams(n: Node): QParams | null {
  if (!isOnnxOp(n, 'QuantizeLinear') && !isOnnxOp(n, 'DequantizeLinear')) return null;
  if (attrInt(n, 'block_size', 0) !== 0) return null;
  const s = n.inputs[1]?.constant;
  const z = n.inputs[2] ? n.inputs[2].constant : null;
  if (!s || s.dtype !== 'float32' || s.size !== 1 || s.shape.length > 1) return null;
  if (n.inputs[2] && (!z || z.size !== 1 || z.shape.length > 1)) return null;
  const dtype = n.opType === 'QuantizeLinear' ? n.outputs[0]!.dtype : n.input(0).dtype;
  if (!INT8.includes(dtype)) return null;
  // A DequantizeLinear's output must be float32 (its scale's type) for the kernels' float math.
  if (n.opType === 'DequantizeLinear' && n.outputs[0]!.dtype !== 'float32') return null;
  if (n.opType === 'QuantizeLinear' && n.input(0).dtype !== 'float32') return null;
  return { scale: s.data[0]!, zeroPoint: z ? z.data[0]! : 0, dtype };
}

export const sameParams = (a: QParams, b: QParams) => a.scale === b.scale && a.zeroPoint === b.zeroPoint && a.dtype === b.dtype;

/**
 * Whether Q(DQ(q)) = q for every q of the type under `p`, as the interpreter computes both
 * (float32 product, float32 quotient, round half to even, saturate) — checked over all 256
 * values, not assumed. Products of small integers with a float32 scale are exact down to the
 * subnormals; it fails where (q − zp) · scale overflows (scales near 1e37), and the pair is then kept.
 */
export function roundTripsExactly(p: QParams): boolean {
  const [lo, hi] = QUANT_RANGE[p.dtype]!;
  for (let q = lo; q <= hi; q++) {
    const f = Math.fround((q - p.zeroPoint) * p.scale);
    if (saturate(Math.fround(f / p.scale), p.zeroPoint, lo, hi) !== q) return false;
  }
  return true;
}
