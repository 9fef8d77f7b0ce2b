/**
 * Mean and (biased, population) variance of `len` contiguous elements, two-pass in float64 for
 * accuracy. Shared by the normalization ops.
 */
export function meanVar(x: ArrayLike<number>, start: number, len: number): { mean: number; variance: number } {
  let s = 0;
  const end = start + len;
  for (let i = start; i < end; i++) s += x[i]!;
  const mean = s / len;
  let v = 0;
  for (let i = start; i < end; i++) {
    const d = x[i]! - mean;
    v += d * d;
  }
  return { mean, variance: v / len };
}
