import ort from 'onnxruntime-node';
import pkg from 'onnx-proto';
import { dtypeInfo, floatToHalfBits, halfBitsToFloat, type DType } from '../../src/dtype.js';
import { Tensor } from '../../src/tensor.js';
import type { AttrValue } from './helpers.js';
import { toAttrs } from './helpers.js';

const { onnx } = pkg;

/**
 * onnxruntime-node as the oracle for ops whose expected values are impractical to compute by
 * hand: encode a one-node ONNX model with onnx-proto, run it on the CPU provider, return the
 * outputs as yhc Tensors. Every non-null input is a graph input fed at run time.
 */

const ORT_TYPE: Partial<Record<DType, string>> = {
  float32: 'float32',
  float64: 'float64',
  float16: 'float16',
  int8: 'int8',
  uint8: 'uint8',
  int16: 'int16',
  uint16: 'uint16',
  int32: 'int32',
  uint32: 'uint32',
  int64: 'int64',
  uint64: 'uint64',
  bool: 'bool',
};

function toOrt(x: Tensor): ort.Tensor {
  const type = ORT_TYPE[x.dtype];
  if (!type) throw new Error(`ort_oracle: dtype ${x.dtype} not supported`);
  const dims = [...x.shape];
  const v = Array.from(x.data);
  switch (x.dtype) {
    case 'float32':
      return new ort.Tensor('float32', Float32Array.from(v), dims);
    case 'float64':
      return new ort.Tensor('float64', Float64Array.from(v), dims);
    case 'float16':
      return new ort.Tensor('float16', Uint16Array.from(v.map(floatToHalfBits)), dims);
    case 'int8':
      return new ort.Tensor('int8', Int8Array.from(v), dims);
    case 'uint8':
      return new ort.Tensor('uint8', Uint8Array.from(v), dims);
    case 'int16':
      return new ort.Tensor('int16', Int16Array.from(v), dims);
    case 'uint16':
      return new ort.Tensor('uint16', Uint16Array.from(v), dims);
    case 'int32':
      return new ort.Tensor('int32', Int32Array.from(v), dims);
    case 'uint32':
      return new ort.Tensor('uint32', Uint32Array.from(v), dims);
    case 'int64':
      return new ort.Tensor('int64', BigInt64Array.from(v.map((n) => BigInt(Math.trunc(n)))), dims);
    case 'uint64':
      return new ort.Tensor('uint64', BigUint64Array.from(v.map((n) => BigInt(Math.trunc(n)))), dims);
    case 'bool':
      return new ort.Tensor('bool', Uint8Array.from(v), dims);
    default:
      throw new Error(`ort_oracle: dtype ${x.dtype}`);
  }
}

const FROM_ORT: Record<string, DType> = Object.fromEntries(Object.entries(ORT_TYPE).map(([k, v]) => [v, k as DType]));

function fromOrt(x: ort.Tensor): Tensor {
  const dtype = FROM_ORT[x.type];
  if (!dtype) throw new Error(`ort_oracle: ORT type ${x.type}`);
  const raw = x.data as ArrayLike<number | bigint>;
  const values = Array.from(raw, (v) => Number(v));
  const data = dtype === 'float16' ? values.map(halfBitsToFloat) : values;
  return Tensor.from(dtype, x.dims as number[], data);
}

function attributeProtos(attrs: Record<string, AttrValue>): unknown[] {
  const out: unknown[] = [];
  for (const [name, a] of toAttrs(attrs)) {
    switch (a.type) {
      case 'int':
        out.push({ name, type: 2, i: a.value });
        break;
      case 'float':
        out.push({ name, type: 1, f: a.value });
        break;
      case 'string':
        out.push({ name, type: 3, s: new TextEncoder().encode(a.value) });
        break;
      case 'ints':
        out.push({ name, type: 7, ints: [...a.value] });
        break;
      case 'floats':
        out.push({ name, type: 6, floats: [...a.value] });
        break;
      case 'tensor':
        out.push({ name, type: 4, t: tensorProto(name, a.value) });
        break;
      default:
        throw new Error(`ort_oracle: attribute type ${a.type}`);
    }
  }
  return out;
}

function tensorProto(name: string, x: Tensor): unknown {
  const dataType = dtypeInfo(x.dtype).onnx;
  const dims = [...x.shape];
  const v = Array.from(x.data);
  if (x.dtype === 'float32') return { name, dataType, dims, floatData: v };
  if (x.dtype === 'float64') return { name, dataType, dims, doubleData: v };
  if (x.dtype === 'int64') return { name, dataType, dims, int64Data: v };
  if (x.dtype === 'float16') return { name, dataType, dims, int32Data: v.map(floatToHalfBits) };
  return { name, dataType, dims, int32Data: v };
}

export interface OracleOptions {
  readonly opset?: number;
  readonly outputs?: number;
}

/** Run `opType` on onnxruntime with the given inputs (null = omitted optional input). */
export async function runOrt(
  opType: string,
  inputs: readonly (Tensor | null)[],
  attrs: Record<string, AttrValue> = {},
  opts: OracleOptions = {},
): Promise<Tensor[]> {
  const nOut = opts.outputs ?? 1;
  const inNames = inputs.map((x, i) => (x ? `x${i}` : ''));
  const outNames = Array.from({ length: nOut }, (_, i) => `y${i}`);
  const valueInfo = (name: string, x: Tensor) => ({
    name,
    type: { tensorType: { elemType: dtypeInfo(x.dtype).onnx, shape: { dim: x.shape.map((d) => ({ dimValue: d })) } } },
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: opts.opset ?? 17 }],
    graph: {
      name: 'oracle',
      node: [{ opType, input: inNames, output: outNames, attribute: attributeProtos(attrs) as never }],
      input: inputs.flatMap((x, i) => (x ? [valueInfo(`x${i}`, x)] : [])),
      output: outNames.map((name) => ({ name })),
    },
  });
  const bytes = onnx.ModelProto.encode(model).finish();
  const session = await ort.InferenceSession.create(bytes);
  const feeds: Record<string, ort.Tensor> = {};
  inputs.forEach((x, i) => {
    if (x) feeds[`x${i}`] = toOrt(x);
  });
  const result = await session.run(feeds);
  await session.release();
  return outNames.map((n) => fromOrt(result[n]!));
}
