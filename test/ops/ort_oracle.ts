import { runReference } from '../../src/check/oracle.js';
import { encodeModel } from '../../src/onnx/write.js';
import { tensorFromTypedArray, typedArrayOf } from '../../src/typed_arrays.js';
import type { Tensor } from '../../src/tensor.js';
import { toAttrs, type AttrValue } from './helpers.js';

/**
 * onnxruntime-node as the oracle for ops whose expected values are impractical to compute by
 * hand: a one-node model (src/onnx/write.ts) run by the same onnxruntime runner `yhc check`
 * uses. Every non-null input is a graph input fed at run time.
 */
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
  const inNames = inputs.map((x, i) => (x ? `x${i}` : ''));
  const outNames = Array.from({ length: opts.outputs ?? 1 }, (_, i) => `y${i}`);
  const fed = inputs.flatMap((x, i) => (x ? [[`x${i}`, x] as const] : []));
  const model = encodeModel({
    opset: opts.opset ?? 17,
    inputs: fed.map(([name, x]) => ({ name, dtype: x.dtype, dims: x.shape })),
    outputs: outNames.map((name) => ({ name })),
    nodes: [{ op: opType, name: 'oracle', inputs: inNames, outputs: outNames, attrs: Object.fromEntries(toAttrs(attrs)) }],
  });
  const out = await runReference(model, Object.fromEntries(fed.map(([name, x]) => [name, { dtype: x.dtype, shape: x.shape, data: typedArrayOf(x) }])));
  return outNames.map((n) => tensorFromTypedArray(out[n]!.dtype, out[n]!.dims, out[n]!.data));
}
