import { dtypeFromOnnx, dtypeInfo, type DType } from '../dtype.js';
import { YhcError, listText, q } from '../errors.js';
import { attrInt, checkKnownAttrs } from '../ir/attributes.js';
import { describeNode, Graph, ONNX_DOMAIN, YHC_DOMAIN, type DequantizedConstant, type Node, type Value } from '../ir/graph.js';
import { lookupOp } from '../ops/index.js';
import type { OpDef } from '../ops/op.js';
import { Tensor } from '../tensor.js';
import { convertAttributes } from './attributes.js';
import { exactInt64, type OnnxGraph, type OnnxModel, type OnnxNode, type OnnxValueInfo, type onnxTypes } from './proto.js';
import { checkedElementCount, DEFAULT_MAX_TENSOR_BYTES, tensorFromProto, type TensorDecodeOptions } from './tensor_proto.js';
import type { ExternalDataRoot } from './external_data.js';
import { readMetadataProps } from './metadata.js';
import { rebatchGraph } from './rebatch.js';

export const MIN_ONNX_OPSET = 13;
/** Newest opset accepted. 13–21 is what exporters write and the fixtures test; 22–25 only add
 *  element types to the ops yhc implements, and those types are refused per tensor. */
export const MAX_ONNX_OPSET = 25;

export interface ImportOptions {
  /** Value bound to a symbolic leading (batch) dimension of the inputs; default 1. */
  batch?: number;
  /** Full static shapes for named inputs, overriding the model's declaration. */
  inputShapes?: Record<string, readonly number[]>;
  /** Graph inputs to treat as constants (they stop being inputs). */
  constantInputs?: Record<string, Tensor>;
  /** Cap on any one tensor's bytes (initializers and inferred values). */
  maxTensorBytes?: number;
  /** Where external data may be read from (the model's directory). */
  externalRoot?: ExternalDataRoot;
  /** Graph name when the model has none. */
  name?: string;
}

/**
 * ModelProto → IR: validates structure, binds the batch dimension, infers every value's static
 * type, folds everything computable at compile time (the Shape/Gather/Concat chains exporters
 * write), and drops what does not reach an output.
 */
export function importModel(model: OnnxModel, options: ImportOptions = {}): Graph {
  const g = model.graph;
  if (!g) throw new YhcError('ONNX_INVALID', 'the model has no graph');
  const opsets = readOpsets(model);
  const graph = new Graph(g.name || options.name || 'model', opsets);
  graph.metadataProps = readMetadataProps(model);
  const maxBytes = options.maxTensorBytes ?? DEFAULT_MAX_TENSOR_BYTES;
  const tensorOptions: TensorDecodeOptions = { maxTensorBytes: maxBytes, ...(options.externalRoot ? { externalRoot: options.externalRoot } : {}) };

  const scope = new Map<string, Value>();
  const define = (name: string, v: Value, what: string) => {
    if (name === '') return;
    if (scope.has(name)) throw new YhcError('ONNX_INVALID', `${what} redefines the value ${q(name)}`);
    scope.set(name, v);
  };

  for (const t of g.initializer ?? []) {
    const tensor = withReader(g, t.name ?? '', () => tensorFromProto(t, 'initializer', tensorOptions));
    define(t.name ?? '', graph.newConstant(t.name ?? '', tensor), 'an initializer');
  }
  if ((g.sparseInitializer ?? []).length > 0) {
    throw new YhcError('UNSUPPORTED_DTYPE', 'the model has sparse initializers, which yhc does not support');
  }
  for (const [name, tensor] of Object.entries(options.constantInputs ?? {})) {
    scope.set(name, graph.newConstant(name, tensor));
  }
  const rebatch = importInputs(graph, g, scope, options, maxBytes);

  for (const n of orderNodes(g, scope)) importNode(graph, n, scope, tensorOptions, maxBytes);

  for (const out of g.output ?? []) {
    const v = scope.get(out.name ?? '');
    if (!v) throw new YhcError('DANGLING_INPUT', `graph output ${q(out.name ?? '')} is not produced by any node`);
    checkDeclaredOutput(out, v);
    graph.outputs.push(v);
  }
  if (graph.outputs.length === 0) throw new YhcError('ONNX_INVALID', 'the graph has no outputs');
  graph.removeDeadNodes();
  if (rebatch) {
    rebatchGraph(graph, rebatch);
    graph.staticBatch = 1;
  }
  return graph;
}

function readOpsets(model: OnnxModel): Map<string, number> {
  const opsets = new Map<string, number>();
  for (const o of model.opsetImport ?? []) {
    const domain = o.domain === 'ai.onnx' ? ONNX_DOMAIN : (o.domain ?? '');
    opsets.set(domain, exactInt64(o.version));
  }
  const v = opsets.get(ONNX_DOMAIN);
  if (v !== undefined && (v < MIN_ONNX_OPSET || v > MAX_ONNX_OPSET)) {
    throw new YhcError(
      'UNSUPPORTED_OPSET',
      `the model imports ai.onnx opset ${v}; yhc supports opsets ${MIN_ONNX_OPSET} to ${MAX_ONNX_OPSET} (re-export with opset_version=17, for example)`,
    );
  }
  return opsets;
}

/**
 * Run `f`; an UNSUPPORTED_DTYPE error about value `name` (an int4 zero point, a float8 input)
 * then also names the first node that reads it, so the message says which op is at fault.
 */
function withReader<T>(g: OnnxGraph, name: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    const reader = (g.node ?? []).find((n) => (n.input ?? []).includes(name));
    if (!(e instanceof YhcError) || e.code !== 'UNSUPPORTED_DTYPE' || !reader || name === '') throw e;
    const node = describeNode({ name: reader.name ?? '', opType: reader.opType ?? '', domain: reader.domain ?? '' });
    throw new YhcError('UNSUPPORTED_DTYPE', `${e.message} (read by ${node})`);
  }
}

function tensorTypeOf(vi: OnnxValueInfo, what: string): { dtype: DType; dims: (number | null)[] | null } {
  const tt = vi.type?.tensorType;
  if (!tt) throw new YhcError('UNSUPPORTED_DTYPE', `${what} ${q(vi.name ?? '')} is not a tensor (sequences, maps and optionals are not supported)`);
  const dtype = dtypeFromOnnx(tt.elemType ?? 0, `${what} ${q(vi.name ?? '')}`);
  if (!tt.shape) return { dtype, dims: null };
  // Decoded messages are class instances whose oneof getter says which field is set.
  const dims = (tt.shape.dim ?? []).map((d) => ((d as onnxTypes.TensorShapeProto.Dimension).value === 'dimValue' ? exactInt64(d.dimValue) : null));
  return { dtype, dims };
}

/** Binds the inputs' shapes; returns the batch to re-batch a static batch-1 model to (--batch N on it), or null. */
function importInputs(graph: Graph, g: OnnxGraph, scope: Map<string, Value>, options: ImportOptions, maxBytes: number): number | null {
  const batch = options.batch ?? 1;
  if (!Number.isSafeInteger(batch) || batch < 1) throw new YhcError('USAGE', `batch must be a positive integer, got ${batch}`);
  let sawSymbolicBatch = false;
  for (const vi of g.input ?? []) {
    const name = vi.name ?? '';
    if (scope.has(name)) continue; // an initializer listed as an input (IR < 4) stays a constant
    const { dtype, dims } = withReader(g, name, () => tensorTypeOf(vi, 'input'));
    let shape: number[];
    const given = options.inputShapes?.[name];
    if (given) {
      shape = [...given];
    } else if (dims === null) {
      throw new YhcError('DYNAMIC_SHAPE', `input ${q(name)} has no declared shape; yhc needs static input shapes`);
    } else {
      shape = dims.map((d, axis) => {
        if (d !== null && !Number.isNaN(d)) return d;
        if (axis === 0) {
          sawSymbolicBatch = true;
          return batch;
        }
        throw new YhcError(
          'DYNAMIC_SHAPE',
          `input ${q(name)} dimension ${axis} is symbolic; yhc binds only the leading batch dimension (export the other dimensions with fixed sizes)`,
        );
      });
    }
    checkedElementCount(shape, dtypeInfo(dtype).bytes, maxBytes, `input ${q(name)}`);
    const v = graph.newValue(name, dtype, shape);
    scope.set(name, v);
    graph.inputs.push(v);
  }
  // A static export: imported at its batch 1, then re-batched (src/onnx/rebatch.ts).
  return options.batch !== undefined && options.batch !== 1 && !sawSymbolicBatch && !options.inputShapes ? batch : null;
}

/** The nodes in an order where every input is defined first; names dangling inputs and cycles. */
function orderNodes(g: OnnxGraph, scope: Map<string, Value>): OnnxNode[] {
  const nodes = g.node ?? [];
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => {
    for (const o of n.output ?? []) {
      if (o === '') continue;
      if (producer.has(o) || scope.has(o)) throw new YhcError('ONNX_INVALID', `${describeProto(n)} redefines the value ${q(o)}`);
      producer.set(o, i);
    }
  });
  const waiting = nodes.map(() => 0);
  const readers = nodes.map(() => [] as number[]);
  nodes.forEach((n, i) => {
    for (const name of n.input ?? []) {
      if (name === '' || scope.has(name)) continue;
      const p = producer.get(name);
      if (p === undefined) {
        throw new YhcError('DANGLING_INPUT', `${describeProto(n)} reads ${q(name)}, which no node, initializer or graph input defines`);
      }
      waiting[i]!++;
      readers[p]!.push(i);
    }
  });
  const order: OnnxNode[] = [];
  const ready: number[] = [];
  waiting.forEach((w, i) => w === 0 && ready.push(i));
  for (let k = 0; k < ready.length; k++) {
    const i = ready[k]!;
    order.push(nodes[i]!);
    for (const r of readers[i]!) if (--waiting[r]! === 0) ready.push(r);
  }
  if (order.length !== nodes.length) {
    const stuck = nodes
      .filter((_, i) => waiting[i]! > 0)
      .slice(0, 5)
      .map(describeProto);
    throw new YhcError('GRAPH_CYCLE', `the graph has a cycle through ${stuck.join(', ')}`);
  }
  return order;
}

function describeProto(n: OnnxNode): string {
  return describeNode({ name: n.name ?? '', opType: n.opType ?? '', domain: n.domain ?? '' });
}

function importNode(graph: Graph, n: OnnxNode, scope: Map<string, Value>, tensorOptions: TensorDecodeOptions, maxBytes: number): void {
  const domain = n.domain === 'ai.onnx' ? ONNX_DOMAIN : (n.domain ?? '');
  const where = describeProto(n);
  const attrs = convertAttributes(n.attribute ?? [], where, tensorOptions);
  const inputs = (n.input ?? []).map((name) => (name === '' ? null : scope.get(name)!));
  const outputs = n.output ?? [];
  const node = graph.newNode(n.opType ?? '', domain, n.name ?? '', attrs, inputs);

  if (domain === ONNX_DOMAIN && node.opType === 'Constant') {
    if (outputs.length !== 1) throw new YhcError('ONNX_INVALID', `${where} must have one output`);
    scope.set(outputs[0]!, graph.newConstant(outputs[0]!, constantValue(node)));
    return;
  }

  const opset = opsetFor(graph, domain, where);
  const def = lookupOp(node.opType, domain);
  if (!def) {
    throw new YhcError('UNSUPPORTED_OP', `${where}: op ${q(node.opType)} in domain ${q(domain || 'ai.onnx')} (opset ${opset}) is not supported by yhc`);
  }
  checkArity(def, node, outputs.length, where);
  checkKnownAttrs(node, def.attributes);

  // Outputs exist (untyped) before inference: ops read node.outputs.length.
  const values = outputs.map((name) => graph.newValue(name, 'float32', []));
  node.outputs = values;
  const types = def.infer(node, opset);
  if (types.length !== outputs.length) {
    throw new YhcError('ONNX_INVALID', `${where} declares ${outputs.length} outputs, but the op produces ${types.length}`);
  }
  types.forEach((t, i) => {
    checkedElementCount(t.shape, dtypeInfo(t.dtype).bytes, maxBytes, `value ${q(outputs[i]!)} computed by ${where}`);
    values[i]!.dtype = t.dtype;
    values[i]!.shape = [...t.shape];
  });

  const folded = foldNode(def, node, opset);
  if (folded) {
    folded.forEach((t, i) => (values[i]!.constant = t));
    values[0]!.dequantized = dequantizedSource(node);
  } else {
    graph.appendNode(node, values);
  }
  values.forEach((v, i) => scope.set(outputs[i]!, v));
}

function opsetFor(graph: Graph, domain: string, where: string): number {
  const v = graph.opsetImports.get(domain);
  if (v === undefined) {
    throw new YhcError('UNSUPPORTED_OPSET', `${where} uses domain ${q(domain || 'ai.onnx')}, which the model does not import`);
  }
  return v;
}

function checkArity(def: OpDef, node: Node, outputCount: number, where: string): void {
  const nIn = node.inputs.length;
  if (nIn < def.inputs[0] || nIn > def.inputs[1]) {
    throw new YhcError('ONNX_INVALID', `${where} has ${nIn} inputs; the op takes ${def.inputs[0]} to ${def.inputs[1]}`);
  }
  for (let i = 0; i < def.inputs[0]; i++) node.input(i);
  if (outputCount < def.outputs[0] || outputCount > def.outputs[1]) {
    throw new YhcError('ONNX_INVALID', `${where} has ${outputCount} outputs; the op produces ${def.outputs[0]} to ${def.outputs[1]}`);
  }
}

/** A folded DequantizeLinear's integers and parameters (not blocked ones), or null for any other node. */
function dequantizedSource(node: Node): DequantizedConstant | null {
  if (node.domain !== ONNX_DOMAIN || node.opType !== 'DequantizeLinear' || attrInt(node, 'block_size', 0) !== 0) return null;
  const [q, scale, zeroPoint] = [node.input(0).constant!, node.input(1).constant!, node.inputs[2]?.constant ?? null];
  const rank = Math.max(1, q.shape.length);
  const axis = scale.size === 1 && scale.shape.length <= 1 ? -1 : (attrInt(node, 'axis', 1) + rank) % rank;
  return { q, scale, zeroPoint, axis };
}

/** Evaluate a node at compile time when its inputs are all constant, or its op needs only types. */
function foldNode(def: OpDef, node: Node, opset: number): Tensor[] | null {
  if (node.domain === YHC_DOMAIN) return null;
  if (def.valueFromTypes) return def.valueFromTypes(node, opset);
  if (!node.inputs.every((v) => v === null || v.constant !== null)) return null;
  return def.evaluate(
    node,
    node.inputs.map((v) => v?.constant ?? null),
    opset,
  );
}

function constantValue(node: Node): Tensor {
  const [name, attr] = [...node.attrs.entries()][0] ?? [];
  if (node.attrs.size !== 1 || !name || !attr) {
    throw new YhcError('ONNX_INVALID', `${describeNode(node)} must have exactly one value attribute`);
  }
  switch (name) {
    case 'value':
      if (attr.type === 'tensor') return attr.value;
      break;
    case 'value_float':
      if (attr.type === 'float') return Tensor.scalar('float32', attr.value);
      break;
    case 'value_floats':
      if (attr.type === 'floats') return Tensor.from('float32', [attr.value.length], attr.value);
      break;
    // int64 values stay as read: Tensor.from would wrap INT64_MAX (a common Slice end).
    case 'value_int':
      if (attr.type === 'int') return new Tensor('int64', [], Float64Array.of(attr.value));
      break;
    case 'value_ints':
      if (attr.type === 'ints') return new Tensor('int64', [attr.value.length], Float64Array.from(attr.value));
      break;
    default:
      throw new YhcError('UNSUPPORTED_ATTRIBUTE', `${describeNode(node)}: constant attribute ${q(name)} is not supported`);
  }
  throw new YhcError('ONNX_INVALID', `${describeNode(node)}: attribute ${q(name)} has the wrong type ${attr.type}`);
}

function checkDeclaredOutput(vi: OnnxValueInfo, v: Value): void {
  const name = vi.name ?? '';
  if (!vi.type?.tensorType) return;
  const declared = tensorTypeOf(vi, 'output');
  if (declared.dtype !== v.dtype) {
    throw new YhcError('ONNX_INVALID', `output ${q(name)} is declared ${declared.dtype} but computes ${v.dtype}`);
  }
  if (!declared.dims) return;
  const mismatch = declared.dims.length !== v.shape.length || declared.dims.some((d, i) => d !== null && !Number.isNaN(d) && d !== v.shape[i]);
  if (mismatch) {
    const shown = listText(
      declared.dims.map((d) => (d === null ? '?' : String(d))),
      ', ',
    );
    throw new YhcError('SHAPE', `output ${q(name)} is declared ${shown} but the graph computes ${listText(v.shape, ', ')}`);
  }
}
