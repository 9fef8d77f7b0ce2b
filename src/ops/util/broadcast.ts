import type { Node } from '../../ir/graph.js';
import { stridesOf } from '../../tensor.js';
import { int } from './axes.js';
import { shapeError, shapeStr } from './errors.js';

/**
 * Numpy-style multidirectional broadcasting of several shapes (ONNX "multidirectional
 * broadcasting"). `labels` name the inputs in the error message.
 */
export function broadcastShapes(node: Node, shapes: readonly (readonly number[])[], labels?: readonly string[]): number[] {
  let rank = 0;
  for (const s of shapes) rank = Math.max(rank, s.length);
  const out = new Array<number>(rank).fill(1);
  for (let d = 0; d < rank; d++) {
    let dim = 1;
    let from = -1;
    for (let j = 0; j < shapes.length; j++) {
      const s = shapes[j]!;
      const k = d - (rank - s.length);
      if (k < 0) continue;
      const v = s[k]!;
      if (v === 1) continue;
      if (dim === 1) {
        dim = v;
        from = j;
      } else if (v !== dim) {
        const what = (j2: number) => (labels ? labels[j2] : `input ${j2}`);
        throw shapeError(node, `cannot broadcast ${what(from)} of shape ${shapeStr(shapes[from]!)} with ${what(j)} of shape ${shapeStr(s)}`);
      }
    }
    out[d] = dim;
  }
  return out;
}

/**
 * ONNX "unidirectional" broadcasting: `shape` must broadcast to `target` without changing it.
 */
export function checkUnidirectional(node: Node, shape: readonly number[], target: readonly number[], label: string): void {
  const ok =
    shape.length <= target.length &&
    shape.every((d, i) => {
      const t = target[target.length - shape.length + i]!;
      return d === t || d === 1;
    });
  if (!ok) throw shapeError(node, `${label} of shape ${shapeStr(shape)} does not broadcast to ${shapeStr(target)}`);
}

/** Element strides of a row-major `inShape` viewed in the (broadcast) `outShape`: 0 on broadcast dims. */
export function broadcastStrides(inShape: readonly number[], outShape: readonly number[]): number[] {
  const s = stridesOf(inShape);
  const out = new Array<number>(outShape.length).fill(0);
  const off = outShape.length - inShape.length;
  for (let i = 0; i < inShape.length; i++) out[off + i] = inShape[i] === 1 ? 0 : s[i]!;
  return out;
}

/**
 * An iteration plan over a shape, for one or more operands each with its own element strides:
 * the shape is coalesced (unit dims dropped, adjacent dims merged where every operand is
 * contiguous across them), the innermost dim becomes a row of `inner` elements stepping by
 * `innerStrides[j]`, and `offsets[j][r]` is where row `r` starts in operand j. Rows are in
 * row-major order of the iteration shape, so row r's elements are positions r*inner.. of a
 * contiguous tensor of that shape.
 */
export interface RowPlan {
  readonly rows: number;
  readonly inner: number;
  readonly innerStrides: readonly number[];
  readonly offsets: readonly (Int32Array | Float64Array)[];
}

export function rowPlan(shape: readonly number[], strides: readonly (readonly number[])[], bases?: readonly number[]): RowPlan {
  const k = strides.length;
  // Coalesce from the innermost dim outwards.
  const dims: number[] = [];
  const st: number[][] = strides.map(() => []);
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = int(shape[d]!);
    if (n === 1) continue;
    if (dims.length > 0) {
      const last = dims.length - 1;
      let mergeable = true;
      for (let j = 0; j < k; j++) {
        if (int(strides[j]![d]!) !== st[j]![last]! * dims[last]!) {
          mergeable = false;
          break;
        }
      }
      if (mergeable) {
        dims[last]! *= n;
        continue;
      }
    }
    dims.push(n);
    for (let j = 0; j < k; j++) st[j]!.push(int(strides[j]![d]!));
  }
  // dims/st are innermost-first now.
  let total = 1;
  for (const n of shape) total *= n;
  total = int(total);
  const inner = dims.length > 0 ? dims[0]! : 1;
  const innerStrides = st.map((s) => (s.length > 0 ? s[0]! : 0));
  const rows = inner === 0 ? 0 : int(total / inner);
  const big = total > 0x7fffffff;
  const offsets: (Int32Array | Float64Array)[] = strides.map(() => (big ? new Float64Array(rows) : new Int32Array(rows)));
  if (rows > 0) {
    const outerDims = dims.slice(1);
    const outerStrides = st.map((s) => s.slice(1));
    const nd = outerDims.length;
    const idx = new Array<number>(nd).fill(0);
    const cur = strides.map((_, j) => int(bases?.[j] ?? 0));
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < k; j++) offsets[j]![r] = cur[j]!;
      // Odometer increment over the outer dims (innermost-first order).
      for (let d = 0; d < nd; d++) {
        idx[d]!++;
        for (let j = 0; j < k; j++) cur[j]! += outerStrides[j]![d]!;
        if (idx[d]! < outerDims[d]!) break;
        for (let j = 0; j < k; j++) cur[j]! -= outerStrides[j]![d]! * outerDims[d]!;
        idx[d] = 0;
      }
    }
  }
  return { rows, inner, innerStrides, offsets };
}
