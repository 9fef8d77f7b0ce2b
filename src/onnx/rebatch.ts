import { YhcError, q } from '../errors.js';
import { attrInt, attrInts } from '../ir/attributes.js';
import { describeNode, type Graph, type Node, type Value } from '../ir/graph.js';
import { lookupOp } from '../ops/index.js';
import type { OutputType } from '../ops/op.js';
import { numel, Tensor } from '../tensor.js';

/**
 * `--batch N` on a static batch-1 export: the imported graph (every shape bound at batch 1,
 * shape arithmetic folded into constants) becomes the same graph at batch N, as if the model had
 * been exported with a dynamic batch axis.
 *
 * Every value that depends on an input carries the batch as its leading dimension: [1, ...] at
 * batch 1 becomes [N, ...]. Node by node the op's own shape inference runs again at batch N and
 * must give exactly [N, ...rest]; where the export hard-coded the batch 1, the constant is
 * rewritten: a Reshape or Expand target becomes the batch-N shape, a Resize `sizes` its batch-N
 * sizes, a Slice over the whole batch axis its whole batch-N range, and a constant Concat'ed or
 * gathered with a batched tensor is repeated per image. A node that works ACROSS images (an axis
 * or axes that include the batch axis, a Transpose that moves it, a Reshape that folds it into
 * another dimension) cannot be re-batched: BATCH error naming the node and why.
 */
export function rebatchGraph(graph: Graph, batch: number): void {
  const batched = new Set<Value>();
  for (const v of graph.inputs) {
    if (v.shape.length === 0 || v.shape[0] !== 1) {
      throw new YhcError('BATCH', `input ${q(v.name)} has shape [${v.shape.join(', ')}]; only a batch-1 input (leading dimension 1) can be re-batched`);
    }
    v.shape = [batch, ...v.shape.slice(1)];
    batched.add(v);
  }
  // Values whose rows are the images' rows one after another: [1, R, ...] flattened to [R, ...]
  // (torch's `x[arange(B)[:, None], idx]`), read by a Gather at idx + image·R. Value → R.
  const merged = new Map<Value, Merged>();
  for (const node of graph.nodes) {
    if (node.inputs.some((v) => v !== null && merged.has(v))) {
      gatherMergedRows(graph, node, merged, batched, batch);
      continue;
    }
    if (!node.inputs.some((v) => v !== null && batched.has(v))) continue;
    const before = node.outputs.map((v) => v.shape);
    if (mergesBatch(node, batched)) {
      const rows = node.outputs[0]!.shape[0]!;
      if (node.opType === 'Reshape') node.inputs[1] = graph.newConstant(`${node.inputs[1]!.name}:batch${batch}`, int64([batch * rows, ...before[0]!.slice(1)]));
      inferAt(graph, node, batch);
      node.outputs[0]!.shape = [batch * rows, ...before[0]!.slice(1)];
      merged.set(node.outputs[0]!, { rows, by: node, shape: before[0]! });
      continue;
    }
    for (const [i, v] of before.entries()) {
      if (v.length === 0 || v[0] !== 1) {
        throw rebatchError(node, `its output ${i} has shape [${v.join(', ')}] at batch 1, so the batch does not stay the leading dimension`);
      }
    }
    checkAxes(node, batched);
    rewriteConstants(graph, node, batched, batch);
    inferAt(graph, node, batch).forEach((t, i) => {
      const want = [batch, ...before[i]!.slice(1)];
      if (t.shape.join(',') !== want.join(',')) {
        throw rebatchError(node, `at batch ${batch} output ${i} would be [${t.shape.join(', ')}], not [${want.join(', ')}]`);
      }
      node.outputs[i]!.shape = want;
      batched.add(node.outputs[i]!);
    });
  }
  for (const v of graph.outputs) {
    if (merged.has(v)) throw new YhcError('BATCH', `cannot re-batch the model: output ${q(v.name)} holds the images' rows merged into one axis`);
  }
}

/** A value whose leading dim holds the rows of every image in turn: made by `by`, shape at batch 1. */
interface Merged {
  readonly rows: number;
  readonly by: Node;
  readonly shape: readonly number[];
}

/** The op's shape inference at the new batch; its errors name the node as a re-batching failure. */
function inferAt(graph: Graph, node: Node, batch: number): readonly OutputType[] {
  try {
    return lookupOp(node.opType, node.domain)!.infer(node, graph.opset(node.domain));
  } catch (e) {
    if (!(e instanceof YhcError)) throw e;
    throw rebatchError(node, `at batch ${batch}: ${e.message}`);
  }
}

/** Flatten (axis 2) or Reshape of a batched [1, R, ...] into [R, ...]: the batch merged into the rows. */
function mergesBatch(node: Node, batched: ReadonlySet<Value>): boolean {
  const x = node.inputs[0];
  if (!x || !batched.has(x) || (node.opType !== 'Flatten' && node.opType !== 'Reshape')) return false;
  if (node.opType === 'Flatten' && attrInt(node, 'axis', 1) !== 2) return false;
  const [inShape, out] = [x.shape, node.outputs[0]!.shape];
  return inShape.length >= 2 && out.length >= 1 && out[0] === inShape[1] && out[0] !== 1;
}

/** A Reshape of merged rows [R, ...] back to [1, R, ...]: the images' rows apart again. */
function splitsBatch(node: Node, rows: number): boolean {
  const out = node.outputs[0]!.shape;
  return out.length >= 2 && out[0] === 1 && out[1] === rows;
}

/**
 * A Reshape of merged rows back into [1, R, ...] (see splitsBatch), or a Gather along axis 0 of merged rows whose indices are `idx + offset`, the offset a constant 0
 * at batch 1 (image · R, written by the export at batch 1): the offset becomes image · R, and
 * the result is an ordinary batched value. Anything else reading merged rows is refused.
 */
function gatherMergedRows(graph: Graph, node: Node, merged: ReadonlyMap<Value, Merged>, batched: Set<Value>, batch: number): void {
  const data = node.inputs[0]!;
  const from = merged.get(data) ?? [...merged].find(([v]) => node.inputs.includes(v))![1];
  const rows = merged.get(data)?.rows;
  if (rows !== undefined && node.opType === 'Reshape' && splitsBatch(node, rows)) {
    const want = [batch, ...node.outputs[0]!.shape.slice(1)];
    node.inputs[1] = graph.newConstant(`${node.inputs[1]!.name}:batch${batch}`, int64(want));
    inferAt(graph, node, batch);
    node.outputs[0]!.shape = want;
    batched.add(node.outputs[0]!);
    return;
  }
  const refuse = () =>
    rebatchError(
      from.by,
      `its output has shape [${from.shape.join(', ')}] at batch 1: the batch folded into the leading dimension, which ${describeNode(node)} reads as a whole ` +
        '(only a Gather at index + image·rows, or a Reshape back to [1, rows, ...], reads it one image at a time)',
    );
  if (rows === undefined || node.opType !== 'Gather' || attrInt(node, 'axis', 0) !== 0 || node.inputs.slice(1).some((v) => v && merged.has(v))) throw refuse();
  const index = node.input(1);
  const add = index.producer;
  if (!add || add.opType !== 'Add' || !batched.has(index) || index.shape[0] !== batch) throw refuse();
  const k = add.inputs.findIndex((v) => v?.constant && v.constant.data.every((x) => x === 0) && numel(v.shape) === 1 && v.shape.length === index.shape.length);
  const other = add.inputs[1 - k];
  if (k < 0 || !other || !batched.has(other) || graph.nodes.some((n) => n !== node && n.inputs.includes(index))) throw refuse();
  const zero = add.inputs[k]!;
  const offsets = new Tensor(zero.dtype, [batch, ...zero.shape.slice(1)]);
  for (let b = 0; b < batch; b++) offsets.data[b] = b * rows;
  add.inputs[k] = graph.newConstant(`${zero.name}:batch${batch}`, offsets);
  const before = node.outputs[0]!.shape;
  const want = [batch, ...before.slice(1)];
  const [t] = inferAt(graph, node, batch);
  if (before[0] !== 1 || t!.shape.join(',') !== want.join(',')) throw refuse();
  node.outputs[0]!.shape = want;
  batched.add(node.outputs[0]!);
}

function rebatchError(node: Node, why: string): YhcError {
  return new YhcError('BATCH', `cannot re-batch the model at ${describeNode(node)}: ${why}`);
}

/** Ops whose `axis` attribute (default in brackets) indexes input 0; axis 0 there mixes images. */
const AXIS_DEFAULT: Readonly<Record<string, number>> = {
  ArgMax: 0,
  ArgMin: 0,
  Concat: 0,
  Split: 0,
  Gather: 0,
  GatherElements: 0,
  LayerNormalization: -1,
  Flatten: 1,
  Softmax: -1,
  LogSoftmax: -1,
  TopK: -1,
};

/** Ops whose `axes` (attribute, or constant input 1) index input 0. */
const AXES_OPS = new Set(['ReduceMax', 'ReduceMin', 'ReduceMean', 'ReduceSum', 'ReduceProd', 'ReduceSumSquare', 'ReduceL1', 'ReduceL2', 'Squeeze']);

/** Refuse a node whose axis, axes or permutation reaches the batch axis of a batched input. */
function checkAxes(node: Node, batched: ReadonlySet<Value>): void {
  // Concat and GatherElements: any batched input counts (a constant may come first).
  const x = node.opType === 'Concat' || node.opType === 'GatherElements' ? node.inputs.find((v) => v !== null && batched.has(v)) : node.inputs[0];
  if (!x || !batched.has(x)) return;
  const rank = x.shape.length;
  const norm = (a: number, r = rank) => (a < 0 ? a + r : a);
  if (node.opType in AXIS_DEFAULT) {
    const written = node.attrs.has('axis') ? attrInt(node, 'axis') : AXIS_DEFAULT[node.opType]!;
    // Softmax before opset 13 flattens from `axis` on: axis 0 takes in every image.
    if (norm(written) === 0) throw rebatchError(node, `its axis ${written} is the batch axis`);
  }
  if (AXES_OPS.has(node.opType) || node.opType === 'Unsqueeze') {
    const input = node.inputs[1]?.constant;
    const axes = node.attrs.has('axes') ? attrInts(node, 'axes') : input ? input.toArray() : null;
    const outRank = node.outputs[0]!.shape.length;
    if (axes === null || axes.length === 0) {
      if (node.opType.startsWith('Reduce') && attrInt(node, 'noop_with_empty_axes', 0) !== 0) return;
      if (node.opType !== 'Unsqueeze') throw rebatchError(node, 'it has no axes, so it takes in the batch axis');
    } else if (axes.some((a) => norm(a, node.opType === 'Unsqueeze' ? outRank : rank) === 0)) {
      throw rebatchError(node, `its axes [${axes.join(', ')}] include the batch axis`);
    }
  }
  if (node.opType === 'Transpose') {
    const perm = node.attrs.has('perm') ? attrInts(node, 'perm') : null;
    if (rank > 1 && (perm === null || perm[0] !== 0)) throw rebatchError(node, `its permutation [${(perm ?? []).join(', ')}] moves the batch axis`);
  }
}

const INT64_MAX = 2 ** 63 - 1;

const int64 = (values: readonly number[]) => new Tensor('int64', [values.length], Float64Array.from(values));

/** Rewrite the constants that hard-code batch 1 for this node (new constant values; others may share the old ones). */
function rewriteConstants(graph: Graph, node: Node, batched: ReadonlySet<Value>, batch: number): void {
  const replace = (i: number, t: Tensor) => {
    const old = node.inputs[i]!;
    node.inputs[i] = graph.newConstant(`${old.name}:batch${batch}`, t);
  };
  const target = () => [batch, ...node.outputs[0]!.shape.slice(1)];
  switch (node.opType) {
    case 'Reshape':
    case 'Expand':
      // The batch-1 output shape is known; the batch-N one is the same with N in front.
      replace(1, int64(target()));
      return;
    case 'Resize': {
      const sizes = node.inputs[3]?.constant;
      if (sizes && sizes.data.length === node.outputs[0]!.shape.length) replace(3, int64(target()));
      return;
    }
    case 'GatherND':
      if (batched.has(node.inputs[0]!) && attrInt(node, 'batch_dims', 0) === 0) imageIndexColumn(graph, node, batch);
      return;
    case 'Slice':
      rewriteSlice(node, replace);
      return;
    case 'Concat':
    case 'GatherElements':
      // A constant beside batched tensors holds batch-1 rows: repeat them for every image.
      node.inputs.forEach((v, i) => {
        if (!v?.constant || batched.has(v) || v.shape.length !== node.outputs[0]!.shape.length || v.shape[0] !== 1) return;
        if (node.opType === 'GatherElements' && i > 1) return;
        replace(i, repeatImages(v.constant, batch));
      });
      return;
    default:
  }
}

/** A Slice over axis 0 that keeps the whole batch-1 axis keeps the whole batch-N axis. */
function rewriteSlice(node: Node, replace: (i: number, t: Tensor) => void): void {
  const starts = node.inputs[1]?.constant?.toArray();
  const ends = node.inputs[2]?.constant?.toArray();
  if (!starts || !ends) return; // Slice-1 attributes, or not constant: infer decides
  const axes = node.inputs[3]?.constant?.toArray() ?? starts.map((_, i) => i);
  const steps = node.inputs[4]?.constant?.toArray() ?? starts.map(() => 1);
  const k = axes.findIndex((a) => a === 0 || a === -node.inputs[0]!.shape.length);
  if (k < 0) return;
  if (steps[k] !== 1 || !(starts[k]! === 0 || starts[k]! <= -1) || ends[k]! < 1) {
    throw rebatchError(node, `it slices the batch axis (start ${starts[k]}, end ${ends[k]}, step ${steps[k]})`);
  }
  replace(2, int64(ends.map((e, i) => (i === k ? INT64_MAX : e))));
  if (starts[k]! !== 0) replace(1, int64(starts.map((s, i) => (i === k ? 0 : s))));
}

/** [1, ...] → [batch, ...]: the one image's values repeated. */
function repeatImages(t: Tensor, batch: number): Tensor {
  const out = new Tensor(t.dtype, [batch, ...t.shape.slice(1)]);
  for (let b = 0; b < batch; b++) out.data.set(t.data, b * t.data.length);
  return out;
}

/**
 * GatherND (batch_dims 0) of a batched tensor: each index row starts with the image, which the
 * export wrote as a constant 0 column Concat'ed in front (`x[arange(B)[:, None], idx]` at batch 1);
 * that column becomes the image index. Anything else addresses images the graph cannot know.
 */
function imageIndexColumn(graph: Graph, node: Node, batch: number): void {
  const cat = node.input(1).producer;
  const first = cat?.inputs[0];
  const rank = node.input(1).shape.length;
  const ok =
    cat?.opType === 'Concat' &&
    (attrInt(cat, 'axis') === -1 || attrInt(cat, 'axis') === rank - 1) &&
    first?.constant &&
    first.shape[rank - 1] === 1 &&
    first.shape[0] === batch &&
    first.constant.data.every((x) => x === 0) &&
    !graph.nodes.some((n) => n !== node && n.inputs.includes(node.input(1)));
  if (!ok) throw rebatchError(node, 'with batch_dims 0 its indices address the batch axis, and their first column is not the constant image index');
  const column = new Tensor(first.dtype, first.shape);
  const per = column.data.length / batch;
  for (let b = 0; b < batch; b++) column.data.fill(b, b * per, (b + 1) * per);
  cat.inputs[0] = graph.newConstant(`${first.name}:image`, column);
}
