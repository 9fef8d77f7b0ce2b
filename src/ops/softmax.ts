import { attrInt } from '../ir/attributes.js';
import type { Node } from '../ir/graph.js';
import { storageFor, Tensor } from '../tensor.js';
import type { OpDef } from './op.js';
import { normalizeAxis, sizeOfRange } from './util/axes.js';
import { checkNode, FLOAT_TYPES, requireDType, requiredTensor } from './util/checks.js';
import { perInputElement } from './util/flops.js';
import { roundInPlace } from './util/round.js';

/**
 * Softmax / LogSoftmax. From opset 13 over the single `axis` (default -1); before 13 the input is
 * coerced to 2-D at `axis` (default 1) and the softmax runs over all dims from `axis` on.
 * exp(x - max) / Σ exp(x - max), in float64.
 */

/** The [outer, len, inner] lanes a (Log)Softmax runs over, per the model's opset (see above). */
export function softmaxLayout(node: Node, shape: readonly number[], opset: number): { outer: number; len: number; inner: number } {
  const rank = shape.length;
  const axis = normalizeAxis(node, attrInt(node, 'axis', opset >= 13 ? -1 : 1), Math.max(rank, 1));
  if (opset >= 13) return { outer: sizeOfRange(shape, 0, axis), len: shape[axis] ?? 1, inner: sizeOfRange(shape, axis + 1) };
  return { outer: sizeOfRange(shape, 0, axis), len: sizeOfRange(shape, axis), inner: 1 };
}

/** Softmax (or log-softmax) over lanes of `len` elements `inner` apart, into a float64 buffer. */
export function softmaxInto(x: ArrayLike<number>, out: Float64Array, outer: number, len: number, inner: number, log: boolean): void {
  const mx = new Float64Array(inner);
  const sum = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    const base = o * len * inner;
    mx.fill(-Infinity);
    sum.fill(0);
    for (let j = 0; j < len; j++) {
      const row = base + j * inner;
      for (let i = 0; i < inner; i++) {
        const v = x[row + i]!;
        if (v > mx[i]! || v !== v) mx[i] = v;
      }
    }
    for (let j = 0; j < len; j++) {
      const row = base + j * inner;
      for (let i = 0; i < inner; i++) {
        const e = Math.exp(x[row + i]! - mx[i]!);
        out[row + i] = e;
        sum[i]! += e;
      }
    }
    for (let j = 0; j < len; j++) {
      const row = base + j * inner;
      if (log) {
        for (let i = 0; i < inner; i++) out[row + i] = x[row + i]! - mx[i]! - Math.log(sum[i]!);
      } else {
        for (let i = 0; i < inner; i++) out[row + i]! /= sum[i]!;
      }
    }
  }
}

function softmaxOp(opType: 'Softmax' | 'LogSoftmax'): OpDef {
  const def: OpDef = {
    opType,
    domain: '',
    attributes: ['axis'],
    inputs: [1, 1],
    outputs: [1, 1],
    flops: (node) => perInputElement(node, 4),
    infer(node, opset) {
      checkNode(node, def);
      const dtype = requireDType(node, 0, FLOAT_TYPES);
      const x = node.input(0);
      softmaxLayout(node, x.shape, opset);
      return [{ dtype, shape: [...x.shape] }];
    },
    evaluate(node, inputs, opset) {
      const x = requiredTensor(node, inputs, 0);
      const { outer, len, inner } = softmaxLayout(node, x.shape, opset);
      const tmp = new Float64Array(x.data.length);
      softmaxInto(x.data, tmp, outer, len, inner, opType === 'LogSoftmax');
      const out = storageFor(x.dtype, tmp.length);
      out.set(tmp);
      roundInPlace(out, x.dtype);
      return [new Tensor(x.dtype, x.shape, out)];
    },
  };
  return def;
}

export const Softmax = softmaxOp('Softmax');
export const LogSoftmax = softmaxOp('LogSoftmax');
