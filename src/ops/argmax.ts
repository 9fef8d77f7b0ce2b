import { attrInt } from '../ir/attributes.js';
import type { Node } from '../ir/graph.js';
import { numel, Tensor } from '../tensor.js';
import type { OpDef } from './op.js';
import { normalizeAxis, splitAroundAxis } from './util/axes.js';
import { checkNode, NUMERIC_TYPES, requireDType, requiredTensor } from './util/checks.js';
import { perInputElement } from './util/flops.js';
import { shapeError } from './util/errors.js';

/**
 * ArgMax / ArgMin(data) along `axis` → int64 indices; keepdims (1) keeps the axis as size 1;
 * select_last_index picks the last of equal extremes instead of the first.
 */

function argShape(node: Node, shape: readonly number[]): { axis: number; shape: number[] } {
  const axis = normalizeAxis(node, attrInt(node, 'axis', 0), shape.length);
  if (shape[axis] === 0) throw shapeError(node, `cannot take the arg-extreme over an empty axis ${axis}`);
  const keep = attrInt(node, 'keepdims', 1) !== 0;
  const out = keep ? shape.map((d, i) => (i === axis ? 1 : d)) : shape.filter((_, i) => i !== axis);
  return { axis, shape: out };
}

function argOp(opType: 'ArgMax' | 'ArgMin', sign: 1 | -1): OpDef {
  const def: OpDef = {
    opType,
    domain: '',
    attributes: ['axis', 'keepdims', 'select_last_index'],
    inputs: [1, 1],
    outputs: [1, 1],
    flops: (node) => perInputElement(node),
    infer(node) {
      checkNode(node, def);
      requireDType(node, 0, NUMERIC_TYPES);
      return [{ dtype: 'int64', shape: argShape(node, node.input(0).shape).shape }];
    },
    evaluate(node, inputs) {
      const x = requiredTensor(node, inputs, 0);
      const { axis, shape } = argShape(node, x.shape);
      const last = attrInt(node, 'select_last_index', 0) !== 0;
      const { outer, len, inner } = splitAroundAxis(x.shape, axis);
      const out = new Float64Array(numel(shape));
      const d = x.data;
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < inner; i++) {
          const base = o * len * inner + i;
          let best = sign * d[base]!;
          let at = 0;
          for (let j = 1; j < len; j++) {
            const v = sign * d[base + j * inner]!;
            if (v > best || (last && v === best)) {
              best = v;
              at = j;
            }
          }
          out[o * inner + i] = at;
        }
      }
      return [new Tensor('int64', shape, out)];
    },
  };
  return def;
}

export const ArgMax = argOp('ArgMax', 1);
export const ArgMin = argOp('ArgMin', -1);
