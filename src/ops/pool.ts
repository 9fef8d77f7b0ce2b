import { attrInt } from '../ir/attributes.js';
import type { Node } from '../ir/graph.js';
import { numel, storageFor, Tensor } from '../tensor.js';
import type { OpDef, OutputType } from './op.js';
import { checkNode, FLOAT_TYPES, requireDType, requiredTensor } from './util/checks.js';
import { attributeError, shapeError, shapeStr } from './util/errors.js';
import { kernelShapeAttr, validRange, windowGeometry, type WindowGeometry } from './util/window.js';

/**
 * MaxPool(X [N, C, D1…Dk]) → (Y, Indices?) for any number of spatial dims: kernel_shape,
 * strides, dilations, pads or auto_pad, ceil_mode (a window may not start in the end padding).
 * Padding never wins (only real elements are compared; as in ORT a NaN wins only as the first). Indices (int64) are offsets into the
 * flattened X including the batch and channel; within a plane the spatial position is counted
 * row-major (storage_order 0) or column-major (storage_order 1, first spatial dim fastest), as ORT
 * does. Among equal maxima the first in window order wins.
 */

function poolGeometry(node: Node, x: readonly number[]): WindowGeometry {
  if (x.length < 3) throw shapeError(node, `input X has shape ${shapeStr(x)}; expected [N, C, spatial…]`);
  const order = attrInt(node, 'storage_order', 0);
  if (order !== 0 && order !== 1) throw attributeError(node, `storage_order ${order} is not 0 or 1`);
  const kernel = kernelShapeAttr(node, null);
  return windowGeometry(node, x.slice(2), kernel, { ceilMode: attrInt(node, 'ceil_mode', 0) !== 0 });
}

/** A row-major offset within a plane re-expressed with column-major strides. */
function toColumnMajor(off: number, rowStr: readonly number[], colStr: readonly number[]): number {
  let r = 0;
  for (let i = 0; i < rowStr.length; i++) {
    const c = Math.floor(off / rowStr[i]!);
    off -= c * rowStr[i]!;
    r += c * colStr[i]!;
  }
  return r;
}

export const MaxPool: OpDef = {
  opType: 'MaxPool',
  domain: '',
  attributes: ['auto_pad', 'ceil_mode', 'dilations', 'kernel_shape', 'pads', 'storage_order', 'strides'],
  inputs: [1, 1],
  outputs: [1, 2],
  infer(node): OutputType[] {
    checkNode(node, MaxPool);
    const dtype = requireDType(node, 0, [...FLOAT_TYPES, 'int8', 'uint8']);
    const x = node.input(0).shape;
    const g = poolGeometry(node, x);
    const shape = [x[0]!, x[1]!, ...g.outSize];
    const outs: OutputType[] = [{ dtype, shape }];
    if (node.outputs.length > 1) outs.push({ dtype: 'int64', shape: [...shape] });
    return outs;
  },
  evaluate(node, inputs) {
    const x = requiredTensor(node, inputs, 0);
    const g = poolGeometry(node, x.shape);
    const shape = [x.shape[0]!, x.shape[1]!, ...g.outSize];
    const nd = g.inSize.length;
    const inPlane = numel(g.inSize);
    const outPlane = numel(g.outSize);
    const planes = x.shape[0]! * x.shape[1]!;
    const taps = numel(g.kernel);
    const out = storageFor(x.dtype, numel(shape));
    const idxOut = new Float64Array(numel(shape));
    // Per spatial dim and tap: valid output range; per tap: its offset per dim.
    const ranges = g.kernel.map((k, i) => Array.from({ length: k }, (_, t) => validRange(g, i, t)));
    const inStr = new Array<number>(nd);
    for (let i = nd - 1, a = 1; i >= 0; i--) {
      inStr[i] = a;
      a *= g.inSize[i]!;
    }
    // Index strides of a spatial plane for the Indices output.
    const colMajor = attrInt(node, 'storage_order', 0) === 1;
    const idxStr = new Array<number>(nd);
    for (let i = 0, a = 1; i < nd; i++) {
      idxStr[i] = a;
      a *= g.inSize[i]!;
    }
    const pos = new Array<number>(nd);
    for (let p = 0; p < planes; p++) {
      const xBase = p * inPlane;
      for (let o = 0; o < outPlane; o++) {
        for (let i = nd - 1, r = o; i >= 0; i--) {
          pos[i] = r % g.outSize[i]!;
          r = Math.floor(r / g.outSize[i]!);
        }
        let best = -Infinity;
        let bestAt = -1;
        for (let t = 0; t < taps; t++) {
          let inside = true;
          let off = 0;
          for (let i = nd - 1, r = t; i >= 0; i--) {
            const k = r % g.kernel[i]!;
            r = Math.floor(r / g.kernel[i]!);
            const [lo, hi] = ranges[i]![k]!;
            if (pos[i]! < lo || pos[i]! >= hi) {
              inside = false;
              break;
            }
            off += (pos[i]! * g.strides[i]! + k * g.dilations[i]! - g.padsBegin[i]!) * inStr[i]!;
          }
          if (!inside) continue;
          const v = x.data[xBase + off]!;
          if (bestAt < 0 || v > best) {
            best = v;
            bestAt = off;
          }
        }
        out[p * outPlane + o] = best;
        idxOut[p * outPlane + o] = xBase + (colMajor ? toColumnMajor(bestAt, inStr, idxStr) : bestAt);
      }
    }
    const result = [new Tensor(x.dtype, shape, out)];
    if (node.outputs.length > 1) result.push(new Tensor('int64', shape, idxOut));
    return result;
  },
  flops(node) {
    const out = node.outputs[0];
    if (!out) return 0;
    const k = node.attrs.get('kernel_shape');
    const taps = k && k.type === 'ints' ? numel(k.value) : 1;
    return numel(out.shape) * taps;
  },
};
