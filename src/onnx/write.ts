import { dtypeInfo, type DType } from '../dtype.js';
import type { Attr, Graph, Value } from '../ir/graph.js';
import { ONNX_DOMAIN } from '../ir/graph.js';
import type { Tensor } from '../tensor.js';
import { tensorBytes } from '../tensor_bytes.js';
import { onnx, type onnxTypes } from './proto.js';

/**
 * Writing ONNX: a plain description of a model (used by tests to build models, hostile ones
 * included) and the IR → ONNX conversion `yhc inspect --emit-onnx` uses.
 */

export interface ValueInfoSpec {
  name: string;
  dtype: DType;
  /** Numbers are static dims; strings are symbolic (dim_param). */
  dims: readonly (number | string)[];
}

export interface TensorSpec {
  name: string;
  tensor: Tensor;
  /** Store the data in a file next to the model instead of raw_data. */
  external?: { location: string; offset?: number; length?: number };
}

export interface NodeSpec {
  op: string;
  domain?: string;
  name?: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attrs?: Record<string, Attr>;
}

export interface ModelSpec {
  name?: string;
  opset?: number;
  extraOpsets?: Record<string, number>;
  irVersion?: number;
  inputs: readonly ValueInfoSpec[];
  /** Outputs may leave their type to the runtime (a bare name). */
  outputs: readonly (ValueInfoSpec | { name: string })[];
  initializers?: readonly TensorSpec[];
  nodes: readonly NodeSpec[];
  /** ModelProto.metadata_props, in order. */
  metadata?: readonly (readonly [string, string])[];
}

export function tensorProto(spec: TensorSpec): onnxTypes.ITensorProto {
  const t = spec.tensor;
  const proto: onnxTypes.ITensorProto = {
    name: spec.name,
    dataType: dtypeInfo(t.dtype).onnx,
    dims: [...t.shape],
  };
  if (spec.external) {
    proto.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    proto.externalData = [{ key: 'location', value: spec.external.location }];
    if (spec.external.offset !== undefined) proto.externalData.push({ key: 'offset', value: String(spec.external.offset) });
    if (spec.external.length !== undefined) proto.externalData.push({ key: 'length', value: String(spec.external.length) });
  } else {
    proto.rawData = tensorBytes(t);
  }
  return proto;
}

function valueInfo(v: ValueInfoSpec | { name: string }): onnxTypes.IValueInfoProto {
  if (!('dtype' in v)) return { name: v.name };
  return {
    name: v.name,
    type: {
      tensorType: {
        elemType: dtypeInfo(v.dtype).onnx,
        shape: { dim: v.dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

const AT = onnx.AttributeProto.AttributeType;
const utf8 = new TextEncoder();

function attributeProto(name: string, a: Attr): onnxTypes.IAttributeProto {
  switch (a.type) {
    case 'int':
      return { name, type: AT.INT, i: a.value };
    case 'float':
      return { name, type: AT.FLOAT, f: a.value };
    case 'string':
      return { name, type: AT.STRING, s: utf8.encode(a.value) };
    case 'ints':
      return { name, type: AT.INTS, ints: [...a.value] };
    case 'floats':
      return { name, type: AT.FLOATS, floats: [...a.value] };
    case 'strings':
      return { name, type: AT.STRINGS, strings: a.value.map((s) => utf8.encode(s)) };
    case 'tensor':
      return { name, type: AT.TENSOR, t: tensorProto({ name: '', tensor: a.value }) };
  }
}

export function modelProto(spec: ModelSpec): onnxTypes.ModelProto {
  const opsetImport = [{ domain: '', version: spec.opset ?? 17 }];
  for (const [domain, version] of Object.entries(spec.extraOpsets ?? {})) opsetImport.push({ domain, version });
  return onnx.ModelProto.create({
    irVersion: spec.irVersion ?? 8,
    producerName: 'yhc',
    opsetImport,
    metadataProps: (spec.metadata ?? []).map(([key, value]) => ({ key, value })),
    graph: {
      name: spec.name ?? 'graph',
      input: spec.inputs.map(valueInfo),
      output: spec.outputs.map(valueInfo),
      initializer: (spec.initializers ?? []).map(tensorProto),
      node: spec.nodes.map((n) => ({
        opType: n.op,
        domain: n.domain ?? '',
        name: n.name ?? '',
        input: [...n.inputs],
        output: [...n.outputs],
        attribute: Object.entries(n.attrs ?? {}).map(([k, a]) => attributeProto(k, a)),
      })),
    },
  });
}

export function encodeModel(spec: ModelSpec): Uint8Array {
  return onnx.ModelProto.encode(modelProto(spec)).finish();
}

/** The IR as an ONNX model (yhc ops keep their domain, ai.yhc), for Netron and round trips. */
export function graphToModelSpec(graph: Graph): ModelSpec {
  const names = new Map<Value, string>();
  const used = new Set<string>();
  // Values may share names after passes; ONNX needs unique ones.
  const nameOf = (v: Value): string => {
    let n = names.get(v);
    if (n !== undefined) return n;
    n = v.name || `v${v.id}`;
    while (used.has(n)) n = `${v.name || 'v'}__${v.id}`;
    used.add(n);
    names.set(v, n);
    return n;
  };
  const info = (v: Value): ValueInfoSpec => ({ name: nameOf(v), dtype: v.dtype, dims: v.shape });
  const initializers: TensorSpec[] = [];
  const seen = new Set<Value>();
  const addConstant = (v: Value) => {
    if (v.constant && !seen.has(v)) {
      seen.add(v);
      initializers.push({ name: nameOf(v), tensor: v.constant });
    }
  };
  graph.inputs.forEach(nameOf);
  for (const n of graph.nodes) n.inputs.forEach((v) => v && addConstant(v));
  graph.outputs.forEach(addConstant);
  const opsets: Record<string, number> = {};
  for (const [domain, version] of graph.opsetImports) if (domain !== ONNX_DOMAIN) opsets[domain] = version;
  return {
    name: graph.name,
    opset: graph.opsetImports.get(ONNX_DOMAIN) ?? 17,
    extraOpsets: opsets,
    inputs: graph.inputs.map(info),
    outputs: graph.outputs.map(info),
    initializers,
    metadata: [...graph.metadataProps],
    nodes: graph.nodes.map((n) => ({
      op: n.opType,
      domain: n.domain,
      name: n.name,
      inputs: n.inputs.map((v) => (v ? nameOf(v) : '')),
      outputs: n.outputs.map(nameOf),
      attrs: Object.fromEntries(n.attrs),
    })),
  };
}
