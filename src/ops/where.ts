import { numel, storageFor, Tensor } from '../tensor.js';
import type { OpDef } from './op.js';
import { broadcastShapes, broadcastStrides, rowPlan } from './util/broadcast.js';
import { ALL_TYPES, checkNode, requireDType, requireSameDType, requiredTensor } from './util/checks.js';

/** Where(condition, X, Y): X where condition else Y, all three broadcast together. */
export const Where: OpDef = {
  opType: 'Where',
  domain: '',
  attributes: [],
  inputs: [3, 3],
  outputs: [1, 1],
  infer(node) {
    checkNode(node, Where);
    requireDType(node, 0, ['bool']);
    const dtype = requireDType(node, 1, ALL_TYPES);
    requireSameDType(node, [1, 2]);
    const shape = broadcastShapes(
      node,
      [0, 1, 2].map((i) => node.input(i).shape),
      ['condition', 'X', 'Y'],
    );
    return [{ dtype, shape }];
  },
  evaluate(node, inputs) {
    const c = requiredTensor(node, inputs, 0);
    const x = requiredTensor(node, inputs, 1);
    const y = requiredTensor(node, inputs, 2);
    const shape = broadcastShapes(node, [c.shape, x.shape, y.shape], ['condition', 'X', 'Y']);
    const out = storageFor(x.dtype, numel(shape));
    const plan = rowPlan(
      shape,
      [c.shape, x.shape, y.shape].map((s) => broadcastStrides(s, shape)),
    );
    const { rows, inner } = plan;
    const [sc, sx, sy] = plan.innerStrides as [number, number, number];
    const [oc, ox, oy] = plan.offsets as [Int32Array, Int32Array, Int32Array];
    const cd = c.data;
    const xd = x.data;
    const yd = y.data;
    for (let r = 0; r < rows; r++) {
      let ic = oc[r]!;
      let ix = ox[r]!;
      let iy = oy[r]!;
      const o = r * inner;
      for (let i = 0; i < inner; i++, ic += sc, ix += sx, iy += sy) out[o + i] = cd[ic] !== 0 ? xd[ix]! : yd[iy]!;
    }
    return [new Tensor(x.dtype, shape, out)];
  },
};
