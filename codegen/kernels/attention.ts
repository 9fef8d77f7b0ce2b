import { YhcError } from '../../src/errors.js';
import { describeNode, type Node } from '../../src/ir/graph.js';
import { attentionAttrs, attentionFlops } from '../../src/ops/yhc/attention.js';
import {
  boolParam,
  elementTypeParam,
  floatParam,
  intParam,
  read,
  requireFloatStorage,
  THREADS_PER_BLOCK,
  typeParam,
  write,
  type KernelSpec,
} from '../kernel_spec.js';

/** Static shared memory a block may declare without opting in. */
const STATIC_SHARED_LIMIT = 48 * 1024;
/** Query tokens per block: 25 blocks per head at 400 tokens (640 input), 7 at 100 (320). */
const Q_BLOCK = 16;

/** Bytes of attention.cuh's shared arrays (fp32) for a query block and key tile. */
function attentionSharedBytes(keyDim: number, headDim: number, qBlock: number, keyTile: number): number {
  return 4 * (keyDim * qBlock + keyDim * keyTile + headDim * keyTile + qBlock * (keyTile + 1) + 3 * qBlock);
}

/**
 * ai.yhc.Attention → attention (templates/kernels/attention.cuh): one block per (image, head,
 * 16 query tokens), keys and values in tiles of up to 64 tokens in shared memory with an online
 * softmax; the key tile halves until the block fits in 48 KB of static shared memory.
 */
export function attentionKernel(node: Node): KernelSpec {
  const x = node.input(0);
  const y = node.outputs[0]!;
  requireFloatStorage(node, [x, y]);
  const a = attentionAttrs(node);
  const [batch, channels, height, width] = x.shape as [number, number, number, number];
  const tokens = height * width;
  let keyTile = 64;
  while (keyTile > 8 && attentionSharedBytes(a.keyDim, a.headDim, Q_BLOCK, keyTile) > STATIC_SHARED_LIMIT) keyTile /= 2;
  const shared = attentionSharedBytes(a.keyDim, a.headDim, Q_BLOCK, keyTile);
  if (shared > STATIC_SHARED_LIMIT) {
    throw new YhcError(
      'CODEGEN',
      `${describeNode(node)}: key_dim ${a.keyDim} and head_dim ${a.headDim} need ${shared} B of shared memory in the attention kernel, over ${STATIC_SHARED_LIMIT}`,
    );
  }
  const pw = a.pe > 0 ? node.input(1) : null;
  const pb = node.inputs[2] ?? null;
  if (pw && pb && pb.dtype !== pw.dtype) throw new Error(`internal: attention positional bias is ${pb.dtype}, weights ${pw.dtype}`);
  const qBlocks = Math.ceil(tokens / Q_BLOCK);
  const imageBlocks = a.heads * qBlocks;
  return {
    family: 'attention',
    template: 'attention.cuh',
    kernel: 'yhc::attention',
    staticSharedBytes: shared,
    params: [
      intParam('tokens', tokens),
      intParam('width', width),
      intParam('height', height),
      intParam('heads', a.heads),
      intParam('group', channels / a.heads),
      intParam('key_dim', a.keyDim),
      intParam('head_dim', a.headDim),
      floatParam('scale', a.scale),
      intParam('pe', a.pe),
      boolParam('has_pe_bias', pb !== null),
      intParam('q_block', Q_BLOCK),
      intParam('key_tile', keyTile),
      intParam('q_blocks', qBlocks),
      intParam('block_threads', THREADS_PER_BLOCK),
      elementTypeParam('Input', x),
      pw ? elementTypeParam('Weight', pw) : typeParam('Weight', 'float'),
      elementTypeParam('Output', y),
    ],
    tensors: [read('x', x), ...(pw ? [read('pe_w', pw)] : []), ...(pb ? [read('pe_b', pb)] : []), write('y', y)],
    callArgs: ['x', pw ? 'pe_w' : 'nullptr', pb ? 'pe_b' : 'nullptr', 'y'],
    launch: { grid: batch * imageBlocks, block: THREADS_PER_BLOCK, sharedBytes: 0, barriers: true },
    imageBlocks,
    nodes: [node],
    flops: attentionFlops(batch, tokens, a),
    halfStorage: true,
  };
}
