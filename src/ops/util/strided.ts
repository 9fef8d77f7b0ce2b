import { numel, storageFor, stridesOf, type TensorData } from '../../tensor.js';
import type { DType } from '../../dtype.js';
import { broadcastStrides, rowPlan } from './broadcast.js';

/**
 * A strided view of a row-major tensor: element i of the view (row-major over `shape`) is
 * element `base + Σ coord_d · strides[d]` of the source. Transpose, Slice, Expand and Tile are
 * such views; the interpreter copies them with gatherStrided and the CUDA kernel
 * (templates/kernels/data_movement.cuh, strided_gather) walks the very same view.
 */
export interface StridedView {
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly base: number;
}

/** transpose(x, perm): output dim d reads input dim perm[d]. */
export function transposeView(inShape: readonly number[], perm: readonly number[]): StridedView {
  return { shape: perm.map((p) => inShape[p]!), strides: permutedStrides(stridesOf(inShape), perm), base: 0 };
}

/** x broadcast to `outShape`: stride 0 on repeated dims. */
export function broadcastView(inShape: readonly number[], outShape: readonly number[]): StridedView {
  return { shape: [...outShape], strides: broadcastStrides(inShape, outShape), base: 0 };
}

/**
 * tile(x, repeats): x of shape [d0, d1, …] seen as [r0, d0, r1, d1, …] with stride 0 on the
 * repeat dims; row-major over those pairs is row-major over the tiled [r0·d0, r1·d1, …].
 */
export function tileView(inShape: readonly number[], repeats: readonly number[]): StridedView {
  const s = stridesOf(inShape);
  return {
    shape: inShape.flatMap((d, i) => [repeats[i]!, d]),
    strides: inShape.flatMap((_, i) => [0, s[i]!]),
    base: 0,
  };
}

/** Copy a view of `src` into a new contiguous buffer of `dtype`. */
export function copyView(src: TensorData, view: StridedView, dtype: DType): TensorData {
  return gatherStrided(src, view.base, view.strides, view.shape, dtype);
}

/**
 * Copy the strided view (`base` + Σ index·strides) of `src` with `shape` into a new contiguous
 * buffer of `dtype`. Transpose, Slice, Expand and Tile are all such views.
 */
export function gatherStrided(src: TensorData, base: number, strides: readonly number[], shape: readonly number[], dtype: DType): TensorData {
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
