import type { Attr } from '../../src/ir/graph.js';
import { Tensor } from '../../src/tensor.js';
import { float, int, ints, str } from '../helpers/attrs.js';
import { GraphBuilder } from '../helpers/graph_builder.js';
import { randomTensor } from '../helpers/models.js';

/**
 * The attention of YOLOv10 PSA / YOLO11 C2PSA as torch exports it (ultralytics' Attention
 * module), with variants for the fuse-attention pass tests, the op's tests and the kernel's
 * host-emulation tests:
 *
 *   qkv [N, heads·(2kd + hd), H, W] → Reshape [N, heads, 2kd + hd, T] → Split [kd, kd, hd] (axis 2)
 *   Softmax(MatMul(Transpose(q), k) · scale) → MatMul(v, Transpose(·)) → Reshape [N, heads·hd, H, W]
 *   + pe(Reshape(v, [N, heads·hd, H, W]))    (depthwise 3×3, pads 1)
 */
export interface AttentionVariant {
  readonly n?: number;
  readonly heads?: number;
  readonly keyDim?: number;
  readonly headDim?: number;
  readonly h?: number;
  readonly w?: number;
  /** How the scores are scaled: Mul(scores, s), Mul(s, scores), Div(scores, 1/s), not at all, or by a non-constant. */
  readonly scale?: 'mul' | 'mul-swapped' | 'div' | 'none' | 'tensor';
  /** The positional conv: absent, a joinable one, or one that stays a conv (with ReLU, or padded on one side only). */
  readonly pe?: 'none' | 'joined' | 'activation' | 'uncentred';
  /** Write the convs as ai.yhc.Conv (what the pass sees after canonicalize) instead of ONNX Conv. */
  readonly yhcConvs?: boolean;
  /** A qkv conv from the input x [N, 2·hd·heads/2, H, W] before, and a 1×1 proj conv after (whole-model style). */
  readonly convs?: boolean;
  readonly softmaxAxis?: number;
  /** An intermediate value that is also a graph output. */
  readonly leak?: 'scores' | 'attention';
  /** MatMul(Transpose(k), q) instead of MatMul(Transpose(q), k). */
  readonly swapQK?: boolean;
  /** The attention's result left as [N, heads, hd, T] (no Reshape back). */
  readonly noReshapeBack?: boolean;
  /** Add(pe, attention) instead of Add(attention, pe). */
  readonly addSwapped?: boolean;
  /** Reshape allowzero = 1, as the dynamo exporter writes. */
  readonly allowzero?: boolean;
  readonly opset?: number;
}

export const SCALE = Math.fround(1 / Math.sqrt(32));

export function attentionDims(v: AttentionVariant) {
  const heads = v.heads ?? 2;
  const keyDim = v.keyDim ?? 8;
  const headDim = v.headDim ?? 16;
  return { n: v.n ?? 1, heads, keyDim, headDim, h: v.h ?? 4, w: v.w ?? 5, group: 2 * keyDim + headDim };
}

const i64 = (values: number[]) => Tensor.from('int64', [values.length], values);

function convAttrs(k: number, pads: number[], group: number, yhc: boolean, activation = 'none'): Record<string, Attr> {
  const attrs: Record<string, Attr> = { kernel_shape: ints([k, k]), pads: ints(pads), strides: ints([1, 1]), dilations: ints([1, 1]), group: int(group) };
  return yhc ? { ...attrs, activation: str(activation) } : attrs;
}

/** The attention subgraph as exported; returns the builder (one graph output: the attention's result, or the proj conv's). */
export function attentionGraph(v: AttentionVariant = {}): GraphBuilder {
  const b = new GraphBuilder(v.opset ?? 17);
  addAttention(b, v);
  return b;
}

/** Add the attention subgraph to `b` (its input named `prefix` + qkv or x) and its outputs. */
export function addAttention(b: GraphBuilder, v: AttentionVariant = {}, prefix = ''): void {
  const { n, heads, keyDim, headDim, h, w, group } = attentionDims(v);
  const conv = (x: string, weight: Tensor, bias: Tensor, attrs: Record<string, Attr>) =>
    b.op('Conv', [x, b.constant(weight), b.constant(bias)], attrs, v.yhcConvs ? { domain: 'ai.yhc' } : {});
  const dim = heads * headDim;
  let qkv: string;
  if (v.convs) {
    const x = b.input(`${prefix}x`, 'float32', [n, dim, h, w]);
    qkv = conv(x, randomTensor([heads * group, dim, 1, 1], 11, 0.3), randomTensor([heads * group], 12, 0.1), convAttrs(1, [0, 0, 0, 0], 1, !!v.yhcConvs));
  } else {
    qkv = b.input(`${prefix}qkv`, 'float32', [n, heads * group, h, w]);
  }
  const reshapeAttrs: Record<string, Attr> = v.allowzero ? { allowzero: int(1) } : {};
  const viewed = b.op('Reshape', [qkv, b.constant(i64([n, heads, group, h * w]))], reshapeAttrs);
  const [q, k, val] = b.node('Split', [viewed, b.constant(i64([keyDim, keyDim, headDim]))], { axis: int(2) }, { outputs: 3 }) as [string, string, string];
  const swap = { perm: ints([0, 1, 3, 2]) };
  const scores = v.swapQK ? b.op('MatMul', [b.op('Transpose', [k], swap), q]) : b.op('MatMul', [b.op('Transpose', [q], swap), k]);
  const s = b.constant(Tensor.scalar('float32', SCALE));
  const scaled =
    v.scale === 'none'
      ? scores
      : v.scale === 'mul-swapped'
        ? b.op('Mul', [s, scores])
        : v.scale === 'div'
          ? b.op('Div', [scores, b.constant(Tensor.scalar('float32', 1 / SCALE))])
          : v.scale === 'tensor'
            ? b.op('Mul', [scores, b.input(`${prefix}temperature`, 'float32', [1])])
            : b.op('Mul', [scores, s]);
  const attention = b.op('Softmax', [scaled], { axis: int(v.softmaxAxis ?? -1) });
  const weighted = b.op('MatMul', [val, b.op('Transpose', [attention], swap)]);
  let out = v.noReshapeBack ? weighted : b.op('Reshape', [weighted, b.constant(i64([n, dim, h, w]))], reshapeAttrs);
  const pe = v.pe ?? 'joined';
  if (pe !== 'none') {
    const vImage = b.op('Reshape', [val, b.constant(i64([n, dim, h, w]))], reshapeAttrs);
    const kernel = 3;
    const attrs = convAttrs(kernel, pe === 'uncentred' ? [0, 0, 2, 2] : [1, 1, 1, 1], dim, !!v.yhcConvs, pe === 'activation' ? 'relu' : 'none');
    let positional = conv(vImage, randomTensor([dim, 1, kernel, kernel], 13, 0.3), randomTensor([dim], 14, 0.1), attrs);
    if (pe === 'activation' && !v.yhcConvs) positional = b.op('Relu', [positional]);
    out = b.op('Add', v.addSwapped ? [positional, out] : [out, positional]);
  }
  if (v.convs) out = conv(out, randomTensor([dim, dim, 1, 1], 15, 0.3), randomTensor([dim], 16, 0.1), convAttrs(1, [0, 0, 0, 0], 1, !!v.yhcConvs));
  b.output(out);
  if (v.leak === 'scores') b.output(scores);
  if (v.leak === 'attention') b.output(attention);
}

/** What fuse-attention makes of attentionGraph({ yhcConvs: true, ...v }): one ai.yhc.Attention. */
export function fusedAttentionGraph(v: AttentionVariant = {}): GraphBuilder {
  const { n, heads, keyDim, headDim, h, w, group } = attentionDims(v);
  const b = new GraphBuilder(v.opset ?? 17);
  const qkv = b.input('qkv', 'float32', [n, heads * group, h, w]);
  const dim = heads * headDim;
  const scale = v.scale === 'none' ? 1 : v.scale === 'div' ? Math.fround(1 / Math.fround(1 / SCALE)) : SCALE;
  const attrs = { num_heads: int(heads), key_dim: int(keyDim), scale: float(scale) };
  const pe = v.pe ?? 'joined';
  const inputs = pe === 'joined' ? [qkv, b.constant(randomTensor([dim, 1, 3, 3], 13, 0.3)), b.constant(randomTensor([dim], 14, 0.1))] : [qkv];
  b.output(b.op('Attention', inputs, attrs, { domain: 'ai.yhc' }));
  return b;
}
