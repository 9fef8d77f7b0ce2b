import { isFloatDType, isIntegerDType, type DType } from '../../dtype.js';
import { attrInts, checkKnownAttrs } from '../../ir/attributes.js';
import type { Node } from '../../ir/graph.js';
import type { Tensor } from '../../tensor.js';
import type { OpDef } from '../op.js';
import { attributeError, dtypeError, invalidError, shapeError, shapeStr, valueLabel } from './errors.js';

/** Dtype groups used by the type constraints of the ops. */
export const FLOAT_TYPES: readonly DType[] = ['float32', 'float16', 'bfloat16', 'float64'];
export const INT_TYPES: readonly DType[] = ['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64'];
export const SIGNED_INT_TYPES: readonly DType[] = ['int8', 'int16', 'int32', 'int64'];
export const NUMERIC_TYPES: readonly DType[] = [...FLOAT_TYPES, ...INT_TYPES];
export const SIGNED_NUMERIC_TYPES: readonly DType[] = [...FLOAT_TYPES, ...SIGNED_INT_TYPES];
export const ALL_TYPES: readonly DType[] = [...NUMERIC_TYPES, 'bool'];
export const INDEX_TYPES: readonly DType[] = ['int32', 'int64'];

/** Attributes known, input/output counts within the def's ranges, required inputs present. */
export function checkNode(node: Node, def: Pick<OpDef, 'attributes' | 'inputs' | 'outputs'>): void {
  checkKnownAttrs(node, def.attributes);
  const [imin, imax] = def.inputs;
  if (node.inputs.length < imin || node.inputs.length > imax) {
    throw invalidError(node, `takes ${imin === imax ? imin : `${imin} to ${imax}`} inputs, got ${node.inputs.length}`);
  }
  for (let i = 0; i < imin; i++) node.input(i);
  const [omin, omax] = def.outputs;
  const n = node.outputs.length;
  if (n < omin || n > omax) {
    throw invalidError(node, `produces ${omin === omax ? omin : `${omin} to ${omax}`} outputs, got ${n}`);
  }
}

/** Require input `i` to have one of `allowed` dtypes (UNSUPPORTED_DTYPE otherwise); returns it. */
export function requireDType(node: Node, i: number, allowed: readonly DType[]): DType {
  const v = node.input(i);
  if (!allowed.includes(v.dtype)) {
    throw dtypeError(node, `${valueLabel(node, i)} has dtype ${v.dtype}; this op accepts ${allowed.join(', ')}`);
  }
  return v.dtype;
}

/** Require inputs to share input `first`'s dtype (the ONNX type variable T). */
export function requireSameDType(node: Node, indices: readonly number[]): DType {
  const first = node.input(indices[0]!);
  for (const i of indices.slice(1)) {
    const v = node.inputs[i];
    if (v && v.dtype !== first.dtype) {
      throw dtypeError(node, `${valueLabel(node, i)} has dtype ${v.dtype} but ${valueLabel(node, indices[0]!)} is ${first.dtype}`);
    }
  }
  return first.dtype;
}

/**
 * The integer values of a constant 1-D (or scalar) index-typed input (shape, axes, k, repeats…).
 * Throws DYNAMIC_SHAPE when not constant, UNSUPPORTED_DTYPE when not int32/int64.
 */
export function constantInts(node: Node, i: number): number[] {
  const t = node.constantInput(i);
  return intsOf(node, i, t);
}

/** The integer values of an index tensor given at evaluation time. */
export function intsOf(node: Node, i: number, t: Tensor): number[] {
  if (!isIntegerDType(t.dtype)) {
    throw dtypeError(node, `${valueLabel(node, i)} has dtype ${t.dtype}; expected an integer tensor`);
  }
  if (t.shape.length > 1) throw shapeError(node, `${valueLabel(node, i)} must be 1-D, got shape ${shapeStr(t.shape)}`);
  return t.toArray();
}

/** Floats of a small constant tensor (scales…). */
export function floatsOf(node: Node, i: number, t: Tensor): number[] {
  if (!isFloatDType(t.dtype)) {
    throw dtypeError(node, `${valueLabel(node, i)} has dtype ${t.dtype}; expected a float tensor`);
  }
  if (t.shape.length > 1) throw shapeError(node, `${valueLabel(node, i)} must be 1-D, got shape ${shapeStr(t.shape)}`);
  return t.toArray();
}

/** Input i is present (not omitted) and not an empty tensor? (ONNX allows "" or a 0-element tensor.) */
export function hasInput(node: Node, i: number): boolean {
  return i < node.inputs.length && node.inputs[i] !== null;
}

/** The evaluated inputs, required ones checked non-null. */
export function requiredTensor(node: Node, inputs: readonly (Tensor | null)[], i: number): Tensor {
  const t = inputs[i];
  if (!t) throw invalidError(node, `is missing required input ${i} at evaluation`);
  return t;
}

/**
 * An int list that moved from attribute `name` to input 1 in opset `movedAt` (Split's `split`
 * and Squeeze/Unsqueeze's `axes` at 13, ReduceSum's `axes` at 13, the other Reduce* at 18).
 * Null when absent. With `inputs` (evaluation) the input's value is read; during inference it
 * must be constant.
 */
export function intsMovedToInput(node: Node, name: string, movedAt: number, opset: number, inputs: readonly (Tensor | null)[] | null): number[] | null {
  if (opset < movedAt) {
    if (node.inputs.length > 1) throw shapeError(node, `before opset ${movedAt} ${name} is an attribute, not an input`);
    return node.attrs.has(name) ? [...attrInts(node, name)] : null;
  }
  if (node.attrs.has(name)) throw attributeError(node, `attribute "${name}" became an input in opset ${movedAt}`);
  if (!hasInput(node, 1)) return null;
  if (inputs) return intsOf(node, 1, requiredTensor(node, inputs, 1));
  requireDType(node, 1, ['int64']);
  return constantInts(node, 1);
}
