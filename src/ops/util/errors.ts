import { YhcError, listText, q } from '../../errors.js';
import { describeNode, type Node } from '../../ir/graph.js';

/** Error constructors that always name the node (and, where given, the value or attribute). */

export function shapeError(node: Node, message: string): YhcError {
  return new YhcError('SHAPE', `${describeNode(node)}: ${message}`);
}

export function dtypeError(node: Node, message: string): YhcError {
  return new YhcError('UNSUPPORTED_DTYPE', `${describeNode(node)}: ${message}`);
}

export function attributeError(node: Node, message: string): YhcError {
  return new YhcError('UNSUPPORTED_ATTRIBUTE', `${describeNode(node)}: ${message}`);
}

export function invalidError(node: Node, message: string): YhcError {
  return new YhcError('ONNX_INVALID', `${describeNode(node)}: ${message}`);
}

export function evalError(node: Node, message: string): YhcError {
  return new YhcError('EVAL', `${describeNode(node)}: ${message}`);
}

/** `input 1 ("name")` for messages. */
export function valueLabel(node: Node, i: number): string {
  const v = node.inputs[i];
  return v ? `input ${i} (${q(v.name)})` : `input ${i}`;
}

export function shapeStr(shape: readonly number[]): string {
  return listText(shape);
}
