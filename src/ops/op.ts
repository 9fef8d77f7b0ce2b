import type { DType } from '../dtype.js';
import type { Node } from '../ir/graph.js';
import type { Tensor } from '../tensor.js';

/** The type of one output, as shape inference computes it. */
export interface OutputType {
  readonly dtype: DType;
  readonly shape: readonly number[];
}

/**
 * One op's meaning, in one place: which attributes and arities it accepts, how output types
 * follow from input types (shape inference), what it computes (the reference semantics the
 * interpreter runs and every pass and kernel is checked against), and how much work it is.
 */
export interface OpDef {
  readonly opType: string;
  /** '' for ai.onnx, 'ai.yhc' for yhc's own ops. */
  readonly domain: string;
  /** Attribute names the op accepts; any other attribute is an UNSUPPORTED_ATTRIBUTE error. */
  readonly attributes: readonly string[];
  /** [min, max] input count; inputs past `min` may be omitted (null). */
  readonly inputs: readonly [number, number];
  /** [min, max] output count. */
  readonly outputs: readonly [number, number];
  /**
   * Output types from the node's input types, attributes and constant inputs
   * (`node.inputs[i].constant`). `node.outputs.length` says how many outputs the model asked for.
   * Throws YhcError('SHAPE' | 'UNSUPPORTED_DTYPE' | 'DYNAMIC_SHAPE' | ...) naming the node.
   */
  infer(node: Node, opset: number): OutputType[];
  /**
   * Outputs that follow from input TYPES alone (Shape, Size): the importer folds them even when
   * the input itself is not constant. Leave undefined for every other op.
   */
  valueFromTypes?(node: Node, opset: number): Tensor[];
  /** Reference semantics. `inputs[i]` is null where the optional input is omitted. */
  evaluate(node: Node, inputs: readonly (Tensor | null)[], opset: number): Tensor[];
  /** Floating-point operations (a multiply-add counts 2); defaults to one per output element. */
  flops?(node: Node): number;
  /**
   * Whether the op only moves data, and how (absent: it computes):
   *  - 'view': the output is the input's row-major data under another shape (Reshape, Flatten,
   *    Squeeze, Unsqueeze, Identity): no kernel, the output aliases the input's buffer;
   *  - 'rearrange': each output element is one input element, none taken twice, at positions the
   *    attributes and constant inputs fix (Transpose, Concat, Split, Slice).
   * Ops that copy an element more than once (Expand, Tile) or where the data says (the Gathers)
   * are neither.
   */
  readonly dataMovement?: 'view' | 'rearrange';
  /** The op applies an attribute `activation` (ai.yhc ops: activationOf) to its result. */
  readonly takesActivation?: boolean;
}
