import { numel, storageFor, type TensorData } from '../../tensor.js';
import type { DType } from '../../dtype.js';
import { rowPlan } from './broadcast.js';

/**
 * Copy the strided view (`base` + Σ index·strides) of `src` with `shape` into a new contiguous
 * buffer of `dtype`. Transpose, Slice, Expand and Tile are all such views.
 */
export function gatherStrided(
  src: TensorData,
  base: number,
  strides: readonly number[],
  shape: readonly number[],
  dtype: DType,
): TensorData {
  const out = storageFor(dtype, numel(shape));
  const plan = rowPlan(shape, [strides], [base]);
  const { rows, inner } = plan;
  const s = plan.innerStrides[0]!;
  const offs = plan.offsets[0]!;
  if (s === 1) {
    for (let r = 0; r < rows; r++) {
      const o = offs[r]!;
      out.set(src.subarray(o, o + inner), r * inner);
    }
  } else {
    for (let r = 0; r < rows; r++) {
      let o = offs[r]!;
      const d = r * inner;
      for (let i = 0; i < inner; i++, o += s) out[d + i] = src[o]!;
    }
  }
  return out;
}

/** Row-major strides permuted: the strides of `transpose(x, perm)` read from x. */
export function permutedStrides(inStrides: readonly number[], perm: readonly number[]): number[] {
  return perm.map((p) => inStrides[p]!);
}
