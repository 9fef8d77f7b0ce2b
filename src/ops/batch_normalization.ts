import { attrInt } from '../ir/attributes.js';
import type { Node } from '../ir/graph.js';
import { storageFor, Tensor } from '../tensor.js';
import type { OpDef } from './op.js';
import { int, sizeOfRange } from './util/axes.js';
import { checkNode, FLOAT_TYPES, requireDType, requiredTensor } from './util/checks.js';
import { attributeError, shapeError, shapeStr, valueLabel } from './util/errors.js';
import { perInputElement } from './util/flops.js';
import { epsilonAttr } from './util/normalize.js';
import { roundInPlace } from './util/round.js';

/**
 * BatchNormalization in inference mode: Y = (X − mean) / √(var + ε) · scale + B per channel
 * (dim 1). training_mode=1 (opset 14+) and the running-statistics outputs are
 * UNSUPPORTED_ATTRIBUTE; `momentum` only matters for training and is ignored; `spatial` (opset
 * < 9) must be 1.
 */

export interface BatchNormalizationAttrs {
  readonly epsilon: number;
}

/** The attributes that matter in inference (`momentum` does not; checkBN rejects training). */
export function batchNormalizationAttrs(node: Node): BatchNormalizationAttrs {
  return { epsilon: epsilonAttr(node) };
}

function checkBN(node: Node): number {
  if (attrInt(node, 'training_mode', 0) !== 0) {
    throw attributeError(node, 'training_mode=1 is not supported (yhc compiles inference graphs)');
  }
  if (attrInt(node, 'spatial', 1) !== 1) throw attributeError(node, 'spatial=0 is not supported');
  if (node.outputs.length > 1) {
    throw attributeError(node, 'the running mean/variance outputs (training) are not supported');
  }
  const x = node.input(0).shape;
  if (x.length < 2) throw shapeError(node, `input X has shape ${shapeStr(x)}; expected [N, C, …]`);
  const c = x[1]!;
  for (let i = 1; i <= 4; i++) {
    const s = node.input(i).shape;
    if (s.length !== 1 || s[0] !== c) throw shapeError(node, `${valueLabel(node, i)} has shape ${shapeStr(s)}; expected [${c}]`);
  }
  return c;
}

export const BatchNormalization: OpDef = {
  opType: 'BatchNormalization',
  domain: '',
  attributes: ['epsilon', 'momentum', 'training_mode', 'spatial'],
  inputs: [5, 5],
  outputs: [1, 5],
  flops: (node) => perInputElement(node, 2),
  infer(node) {
    checkNode(node, BatchNormalization);
    const dtype = requireDType(node, 0, FLOAT_TYPES);
    for (let i = 1; i <= 4; i++) requireDType(node, i, FLOAT_TYPES);
    checkBN(node);
    return [{ dtype, shape: [...node.input(0).shape] }];
  },
  evaluate(node, inputs) {
    const x = requiredTensor(node, inputs, 0);
    const [scale, bias, mean, variance] = [1, 2, 3, 4].map((i) => requiredTensor(node, inputs, i).data);
    const eps = batchNormalizationAttrs(node).epsilon;
    const n = int(x.shape[0]!);
    const c = int(x.shape[1]!);
    const inner = sizeOfRange(x.shape, 2);
    const out = storageFor(x.dtype, x.data.length);
    for (let b = 0; b < n; b++) {
      for (let ch = 0; ch < c; ch++) {
        const a = scale![ch]! / Math.sqrt(variance![ch]! + eps);
        const m = mean![ch]!;
        const sh = bias![ch]!;
        const base = (b * c + ch) * inner;
        for (let i = 0; i < inner; i++) out[base + i] = (x.data[base + i]! - m) * a + sh;
      }
    }
    roundInPlace(out, x.dtype);
    return [new Tensor(x.dtype, x.shape, out)];
  },
};
