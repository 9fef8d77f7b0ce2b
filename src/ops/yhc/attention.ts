import { attrFloat, attrInt } from '../../ir/attributes.js';
import type { Node } from '../../ir/graph.js';
import { storageFor, Tensor } from '../../tensor.js';
import type { OpDef } from '../op.js';
import { checkNode, FLOAT_TYPES, hasInput, requireDType, requiredTensor } from '../util/checks.js';
import { attributeError, shapeError, shapeStr } from '../util/errors.js';
import { roundInPlace } from '../util/round.js';

/**
 * ai.yhc.Attention(X [N, heads·(2·key_dim + head_dim), H, W], PW? [heads·head_dim, 1, k, k],
 * PB? [heads·head_dim]) — attributes `num_heads`, `key_dim`, `scale`. The attention of YOLOv10's
 * PSA and YOLO11's C2PSA, read straight from the qkv conv's output: the channels of head h are
 * q (key_dim), k (key_dim), v (head_dim), in that order, and the T = H·W positions are the tokens.
 *
 *   out[n, h·hd + d, p] = Σ_j softmax_j(scale · Σ_c q[c, p] · k[c, j]) · v[d, j]
 *                       + PB[h·hd + d] + Σ_taps PW[h·hd + d, 0, ty, tx] · v[d, p + (ty − r, tx − r)]
 *
 * The second line is the positional depthwise conv on v (k odd, stride 1, zero padding
 * r = (k − 1)/2, no activation), present when PW is given. float64 math, rounded once into X's
 * dtype; PW and PB may be float32 while X is stored in half (--precision fp16).
 */
export interface AttentionAttrs {
  readonly heads: number;
  readonly keyDim: number;
  readonly headDim: number;
  readonly scale: number;
  /** Side of the positional conv's kernel; 0 without one. */
  readonly pe: number;
}

export function attentionAttrs(node: Node): AttentionAttrs {
  const heads = attrInt(node, 'num_heads');
  const keyDim = attrInt(node, 'key_dim');
  const scale = attrFloat(node, 'scale');
  if (heads < 1 || keyDim < 1) throw attributeError(node, `num_heads (${heads}) and key_dim (${keyDim}) must be positive`);
  const x = node.input(0).shape;
  if (x.length !== 4) throw shapeError(node, `input X has shape ${shapeStr(x)}; expected [N, heads·(2·key_dim + head_dim), H, W]`);
  const perHead = x[1]! / heads;
  const headDim = perHead - 2 * keyDim;
  if (!Number.isInteger(perHead) || headDim < 1) {
    throw shapeError(node, `input X has ${x[1]} channels, not num_heads (${heads}) × (2 · key_dim (${keyDim}) + a positive head_dim)`);
  }
  let pe = 0;
  if (hasInput(node, 1)) {
    const w = node.input(1).shape;
    const k = w[2]!;
    if (w.length !== 4 || w[0] !== heads * headDim || w[1] !== 1 || w[3] !== k || k % 2 !== 1) {
      throw shapeError(node, `positional weight PW has shape ${shapeStr(w)}; expected [${heads * headDim}, 1, k, k] with k odd`);
    }
    pe = k;
  }
  if (hasInput(node, 2)) {
    const b = node.input(2).shape;
    if (pe === 0 || b.length !== 1 || b[0] !== heads * headDim)
      throw shapeError(node, `positional bias PB has shape ${shapeStr(b)}; expected [${heads * headDim}] beside PW`);
  }
  return { heads, keyDim, headDim, scale, pe };
}

/** FLOPs: both products (2·T·T·(key_dim + head_dim) per head), softmax (≈4 per score), the positional conv. */
export function attentionFlops(n: number, tokens: number, a: AttentionAttrs): number {
  const perHead = 2 * tokens * tokens * (a.keyDim + a.headDim) + 4 * tokens * tokens + 2 * a.pe * a.pe * tokens * a.headDim;
  return n * a.heads * perHead;
}

export const Attention: OpDef = {
  opType: 'Attention',
  domain: 'ai.yhc',
  attributes: ['num_heads', 'key_dim', 'scale'],
  inputs: [1, 3],
  outputs: [1, 1],
  infer(node) {
    checkNode(node, Attention);
    const dtype = requireDType(node, 0, FLOAT_TYPES);
    if (hasInput(node, 1)) requireDType(node, 1, FLOAT_TYPES);
    if (hasInput(node, 2)) requireDType(node, 2, FLOAT_TYPES);
    const a = attentionAttrs(node);
    const [n, , h, w] = node.input(0).shape as [number, number, number, number];
    return [{ dtype, shape: [n, a.heads * a.headDim, h, w] }];
  },
  evaluate(node, inputs) {
    const x = requiredTensor(node, inputs, 0);
    const pw = inputs[1] ?? null;
    const pb = inputs[2] ?? null;
    const a = attentionAttrs(node);
    const [n, c, H, W] = x.shape as [number, number, number, number];
    const T = H * W;
    const group = c / a.heads;
    const outC = a.heads * a.headDim;
    const out = storageFor(x.dtype, n * outC * T);
    const scores = new Float64Array(T);
    const r = (a.pe - 1) / 2;
    for (let img = 0; img < n; img++) {
      for (let h = 0; h < a.heads; h++) {
        const q = (img * c + h * group) * T;
        const k = q + a.keyDim * T;
        const v = k + a.keyDim * T;
        const o = (img * outC + h * a.headDim) * T;
        for (let p = 0; p < T; p++) {
          let max = -Infinity;
          for (let j = 0; j < T; j++) {
            let dot = 0;
            for (let ch = 0; ch < a.keyDim; ch++) dot += x.data[q + ch * T + p]! * x.data[k + ch * T + j]!;
            scores[j] = a.scale * dot;
            if (scores[j]! > max) max = scores[j]!;
          }
          let sum = 0;
          for (let j = 0; j < T; j++) sum += scores[j] = Math.exp(scores[j]! - max);
          const [py, px] = [Math.floor(p / W), p % W];
          for (let d = 0; d < a.headDim; d++) {
            const vd = v + d * T;
            let acc = 0;
            for (let j = 0; j < T; j++) acc += scores[j]! * x.data[vd + j]!;
            acc /= sum;
            if (pw) {
              const ch = h * a.headDim + d;
              acc += pb ? pb.data[ch]! : 0;
              for (let ty = 0; ty < a.pe; ty++) {
                const y = py + ty - r;
                if (y < 0 || y >= H) continue;
                for (let tx = 0; tx < a.pe; tx++) {
                  const xx = px + tx - r;
                  if (xx >= 0 && xx < W) acc += pw.data[(ch * a.pe + ty) * a.pe + tx]! * x.data[vd + y * W + xx]!;
                }
              }
            }
            out[o + d * T + p] = acc;
          }
        }
      }
    }
    roundInPlace(out, x.dtype);
    return [new Tensor(x.dtype, [n, outC, H, W], out)];
  },
  flops: (node) => {
    const [n, , h, w] = node.input(0).shape as [number, number, number, number];
    return attentionFlops(n, h * w, attentionAttrs(node));
  },
};
