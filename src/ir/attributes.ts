import { YhcError, q } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { describeNode, type Attr, type Node } from './graph.js';

/** Typed attribute access with errors that name the node and the attribute. */

function get<T extends Attr['type']>(node: Node, name: string, type: T): Extract<Attr, { type: T }> | undefined {
  const a = node.attrs.get(name);
  if (a === undefined) return undefined;
  if (a.type !== type) {
    throw new YhcError('ONNX_INVALID', `${describeNode(node)}: attribute ${q(name)} should be ${type}, got ${a.type}`);
  }
  return a as Extract<Attr, { type: T }>;
}

function missing(node: Node, name: string): YhcError {
  return new YhcError('ONNX_INVALID', `${describeNode(node)} is missing required attribute ${q(name)}`);
}

export function attrInt(node: Node, name: string, fallback?: number): number {
  const a = get(node, name, 'int');
  if (a) return a.value;
  if (fallback === undefined) throw missing(node, name);
  return fallback;
}

export function attrFloat(node: Node, name: string, fallback?: number): number {
  const a = get(node, name, 'float');
  if (a) return a.value;
  if (fallback === undefined) throw missing(node, name);
  return fallback;
}

export function attrString(node: Node, name: string, fallback?: string): string {
  const a = get(node, name, 'string');
  if (a) return a.value;
  if (fallback === undefined) throw missing(node, name);
  return fallback;
}

export function attrInts(node: Node, name: string, fallback?: readonly number[]): readonly number[] {
  const a = get(node, name, 'ints');
  if (a) return a.value;
  if (fallback === undefined) throw missing(node, name);
  return fallback;
}

export function attrFloats(node: Node, name: string, fallback?: readonly number[]): readonly number[] {
  const a = get(node, name, 'floats');
  if (a) return a.value;
  if (fallback === undefined) throw missing(node, name);
  return fallback;
}

export function attrTensor(node: Node, name: string): Tensor {
  const a = get(node, name, 'tensor');
  if (!a) throw missing(node, name);
  return a.value;
}

export function hasAttr(node: Node, name: string): boolean {
  return node.attrs.has(name);
}

/** Reject attributes an op does not know, so a silently ignored attribute cannot change meaning. */
export function checkKnownAttrs(node: Node, known: readonly string[]): void {
  for (const name of node.attrs.keys()) {
    if (!known.includes(name)) {
      throw new YhcError('UNSUPPORTED_ATTRIBUTE', `${describeNode(node)}: attribute ${q(name)} is not supported`);
    }
  }
}
