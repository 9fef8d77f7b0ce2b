// onnx-proto ships CommonJS static code; from ESM only the default import works in plain Node.
import pkg from 'onnx-proto';
import type { onnx as onnxTypes } from 'onnx-proto';
import type Long from 'long';

export const onnx = pkg.onnx;
/** The protobuf message types (interfaces and classes) as a type-only namespace. */
export type { onnxTypes };
export type OnnxModel = InstanceType<typeof pkg.onnx.ModelProto>;
export type OnnxGraph = import('onnx-proto').onnx.IGraphProto;
export type OnnxNode = import('onnx-proto').onnx.INodeProto;
export type OnnxTensor = import('onnx-proto').onnx.ITensorProto;
export type OnnxAttribute = import('onnx-proto').onnx.IAttributeProto;
export type OnnxValueInfo = import('onnx-proto').onnx.IValueInfoProto;

/** int64 protobuf fields decode as Long (or number when small); this returns a JS number. */
export function int64(v: number | Long | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

/** int64 that must be exactly representable (dims, offsets); NaN marks "not representable". */
export function exactInt64(v: number | Long | null | undefined): number {
  const n = int64(v);
  if (!Number.isSafeInteger(n)) return NaN;
  // Long.toNumber() yields a heap double; small ints as `| 0` stay V8 small integers, which
  // keeps the interpreter's index arithmetic on shapes fast.
  return n >= -(2 ** 31) && n < 2 ** 31 ? n | 0 : n;
}
