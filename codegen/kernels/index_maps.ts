import { stridesOf } from '../../src/tensor.js';

/**
 * Index maps for kernels that read one tensor through another's iteration space. Each map is a
 * row-major walk over `dims` with a source stride per dim (and a base offset); the device side
 * is `yhc::offset_of` in templates/kernels/yhc_common.cuh.
 */
export interface IndexMap {
  readonly dims: number[];
  readonly strides: number[];
  readonly base: number;
}

/** Rank-0 spaces become one unit dim: C++ has no zero-length arrays. */
function atLeastRank1(m: IndexMap): IndexMap {
  return m.dims.length > 0 ? m : { dims: [1], strides: [0], base: m.base };
}

/** Strides of `inShape` seen from `outShape` under numpy broadcasting: 0 where it repeats. */
export function broadcastStrides(inShape: readonly number[], outShape: readonly number[]): number[] {
  const inStrides = stridesOf(inShape);
  const lead = outShape.length - inShape.length;
  return outShape.map((_, d) => {
    const k = d - lead;
    if (k < 0 || inShape[k] === 1) return 0;
    return inStrides[k]!;
  });
}

export function broadcastMap(inShape: readonly number[], outShape: readonly number[]): IndexMap {
  return atLeastRank1({ dims: [...outShape], strides: broadcastStrides(inShape, outShape), base: 0 });
}

/** Transpose: output dim d reads input dim perm[d]. */
export function transposeMap(inShape: readonly number[], perm: readonly number[]): IndexMap {
  const s = stridesOf(inShape);
  return atLeastRank1({ dims: perm.map((p) => inShape[p]!), strides: perm.map((p) => s[p]!), base: 0 });
}

/** Slice: output coord c along d reads input coord start[d] + c * step[d]. */
export function sliceMap(inShape: readonly number[], outShape: readonly number[], starts: readonly number[], steps: readonly number[]): IndexMap {
  const s = stridesOf(inShape);
  return atLeastRank1({
    dims: [...outShape],
    strides: s.map((st, d) => st * steps[d]!),
    base: s.reduce((acc, st, d) => acc + st * starts[d]!, 0),
  });
}

/** Tile: each output dim is walked as (repeat, index) pairs; repeats read stride 0. */
export function tileMap(inShape: readonly number[], outShape: readonly number[]): IndexMap {
  const s = stridesOf(inShape);
  const dims: number[] = [];
  const strides: number[] = [];
  inShape.forEach((n, d) => {
    dims.push(n === 0 ? 0 : outShape[d]! / n, n);
    strides.push(0, s[d]!);
  });
  return atLeastRank1({ dims, strides, base: 0 });
}
