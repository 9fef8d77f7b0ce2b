import { attrInts } from '../../ir/attributes.js';
import type { Node } from '../../ir/graph.js';
import { shapeError } from './errors.js';

/** Map an ONNX axis in [-rank, rank) to [0, rank), or throw SHAPE naming the node and attribute. */
export function normalizeAxis(node: Node, axis: number, rank: number, what = 'axis'): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw shapeError(node, `${what} ${axis} is out of range for rank ${rank} (valid: ${-rank}..${rank - 1})`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Normalize a list of axes; rejects duplicates. Returns them in the given order. */
export function normalizeAxes(node: Node, axes: readonly number[], rank: number, what = 'axes'): number[] {
  const out: number[] = [];
  for (const a of axes) {
    const n = normalizeAxis(node, a, rank, what === 'axes' ? `axis in ${what}` : what);
    if (out.includes(n)) throw shapeError(node, `${what} lists axis ${a} more than once`);
    out.push(n);
  }
  return out;
}

/**
 * A dimension or element count as a small integer. Shapes decoded from protobuf int64 fields
 * arrive as heap doubles (Long.toNumber()); if such values reach a kernel's index arithmetic,
 * V8 records "double" feedback and compiles every index computation as float math, which made
 * Conv twice as slow. Kernels pass their sizes through this first.
 */
export function int(n: number): number {
  return n <= 0x7fffffff && n >= -0x80000000 ? n | 0 : n;
}

/** Product of shape[from..to). */
export function sizeOfRange(shape: readonly number[], from: number, to = shape.length): number {
  let n = 1;
  for (let i = from; i < to; i++) n *= shape[i]!;
  return int(n);
}

/** (outer, axisLen, inner) split of a shape around one axis. */
export function splitAroundAxis(shape: readonly number[], axis: number): { outer: number; len: number; inner: number } {
  return { outer: sizeOfRange(shape, 0, axis), len: int(shape[axis]!), inner: sizeOfRange(shape, axis + 1) };
}

/**
 * The axes a Reduce* node reduces as the graph writes them (attribute `axes`, or constant input
 * 1 from the opset where it moved), normalized and sorted; null when absent (all axes) or not
 * constant. For passes that match patterns: no opset checks, those happened at import.
 */
export function writtenReduceAxes(node: Node): number[] | null {
  const rank = node.input(0).shape.length;
  let axes: readonly number[];
  if (node.inputs[1]) {
    if (!node.inputs[1].constant) return null;
    axes = node.inputs[1].constant.toArray();
  } else if (node.attrs.has('axes')) {
    axes = attrInts(node, 'axes');
  } else {
    return null;
  }
  return axes.map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
}
