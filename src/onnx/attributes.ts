import { YhcError, q } from '../errors.js';
import type { Attr, Attrs } from '../ir/graph.js';
import { tensorFromProto, type TensorDecodeOptions } from './tensor_proto.js';
import { int64, onnx, type OnnxAttribute } from './proto.js';

const T = onnx.AttributeProto.AttributeType;
const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Convert a node's AttributeProtos; `where` names the node for errors. */
export function convertAttributes(list: readonly OnnxAttribute[], where: string, options: TensorDecodeOptions): Attrs {
  const attrs: Attrs = new Map();
  for (const a of list) {
    const name = a.name ?? '';
    if (attrs.has(name)) throw new YhcError('ONNX_INVALID', `${where} has attribute ${q(name)} twice`);
    attrs.set(name, convertAttribute(a, `${where}, attribute ${q(name)}`, options));
  }
  return attrs;
}

function convertAttribute(a: OnnxAttribute, where: string, options: TensorDecodeOptions): Attr {
  if (a.refAttrName) throw new YhcError('UNSUPPORTED_ATTRIBUTE', `${where} refers to a function attribute`);
  switch (a.type ? a.type : inferType(a)) {
    case T.FLOAT:
      return { type: 'float', value: a.f ?? 0 };
    case T.INT:
      return { type: 'int', value: int64(a.i) };
    case T.STRING:
      return { type: 'string', value: utf8.decode(a.s ?? new Uint8Array()) };
    case T.FLOATS:
      return { type: 'floats', value: [...(a.floats ?? [])] };
    case T.INTS:
      return { type: 'ints', value: (a.ints ?? []).map(int64) };
    case T.STRINGS:
      return { type: 'strings', value: (a.strings ?? []).map((s) => utf8.decode(s)) };
    case T.TENSOR:
      return { type: 'tensor', value: tensorFromProto(a.t ?? {}, `${where} tensor`, options) };
    case T.GRAPH:
    case T.GRAPHS:
      throw new YhcError('UNSUPPORTED_ATTRIBUTE', `${where} is a subgraph; yhc does not support control flow`);
    default:
      throw new YhcError('UNSUPPORTED_ATTRIBUTE', `${where} has attribute type ${a.type}, which yhc does not support`);
  }
}

/** Very old exporters leave `type` unset; the populated field tells. */
function inferType(a: OnnxAttribute): number {
  if (a.floats && a.floats.length) return T.FLOATS;
  if (a.ints && a.ints.length) return T.INTS;
  if (a.strings && a.strings.length) return T.STRINGS;
  if (a.t) return T.TENSOR;
  if (a.g) return T.GRAPH;
  if (a.s && a.s.length) return T.STRING;
  if (a.i !== undefined && a.i !== null && int64(a.i) !== 0) return T.INT;
  if (a.f) return T.FLOAT;
  return T.UNDEFINED;
}
