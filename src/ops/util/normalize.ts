import { attrFloat } from '../../ir/attributes.js';
import type { Node } from '../../ir/graph.js';

/**
 * ONNX's default ε of the normalization ops, 1e-5, as the float32 attribute holds it
 * (9.99999974737875e-6): what onnxruntime adds when a model leaves the attribute out.
 */
export const DEFAULT_EPSILON = Math.fround(1e-5);

/** A normalization's ε attribute `name` (float32, as ONNX stores it), or the default. */
export function epsilonAttr(node: Node, name = 'epsilon'): number {
  return attrFloat(node, name, DEFAULT_EPSILON);
}

/**
 * FLOPs of a group (or instance) normalization of `elements` values, as normalizeGroups and
 * group_norm.cuh compute it per element: the mean (1), the squared deviations (3), normalizing
 * and the affine (4); an activation applied after it ~4 more.
 */
export function normalizeGroupsFlops(elements: number, activated: boolean): number {
  return (activated ? 12 : 8) * elements;
}

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

/**
 * Group normalization of x [N, C, …] into `out`: per (n, group of C/groups channels) the mean
 * and population variance over the group's channels and positions (float64), then
 * y = (x − mean) / √(var + ε) · scale[c] + bias[c] with per-CHANNEL scale and bias.
 */
export function normalizeGroups(
  x: { readonly shape: readonly number[]; readonly data: ArrayLike<number> },
  groups: number,
  epsilon: number,
  scale: ArrayLike<number>,
  bias: ArrayLike<number>,
  out: { [i: number]: number },
): void {
  const [n, c] = [x.shape[0]!, x.shape[1]!];
  const perGroup = c / groups;
  let inner = 1;
  for (let d = 2; d < x.shape.length; d++) inner *= x.shape[d]!;
  for (let b = 0; b < n; b++) {
    for (let g = 0; g < groups; g++) {
      const base = (b * c + g * perGroup) * inner;
      const { mean, variance } = meanVar(x.data, base, perGroup * inner);
      const invStd = 1 / Math.sqrt(variance + epsilon);
      for (let k = 0; k < perGroup; k++) {
        const ch = g * perGroup + k;
        const a = scale[ch]! * invStd;
        const shift = bias[ch]!;
        const row = base + k * inner;
        for (let i = 0; i < inner; i++) out[row + i] = (x.data[row + i]! - mean) * a + shift;
      }
    }
  }
}
