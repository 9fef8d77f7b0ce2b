import { YhcError } from '../../src/errors.js';
import { describeNode, type Node, type Value } from '../../src/ir/graph.js';
import { attrString } from '../../src/ir/attributes.js';
import { convGroups } from '../../src/ops/conv.js';
import { windowGeometry } from '../../src/ops/util/window.js';
import { ACTIVATION_FUNCTOR, activationOf } from '../../src/ops/yhc/activation.js';
import { numel, Tensor } from '../../src/tensor.js';
import {
  boolParam,
  elementTypeParam,
  floatParam,
  imageMajorThreads,
  intParam,
  read,
  requireFloatStorage,
  THREADS_PER_BLOCK,
  typeParam,
  write,
  type KernelSpec,
  type ParamField,
} from '../kernel_spec.js';
import { windowParams } from './conv_direct.js';
import type { LoweringContext } from './lowering.js';

/**
 * ai.yhc.QConv (src/ops/yhc/qconv.ts) → int8 kernels (templates/kernels/qconv.cuh):
 *  - input_quant dynamic_uint8: qconv_input_range (the input's min/max, the last block turning
 *    them into DynamicQuantizeLinear's scale and zero point), then the conv, which quantizes X as
 *    it loads it;
 *  - dense convs: qconv_tiled, int8 × int8 → int32 on tensor cores (mma.sync m16n8k32); grouped
 *    and depthwise ones: qconv_direct, plain int32 multiply-adds on CUDA cores.
 * The weights stay as stored (int8 or uint8); per output channel the kernel reads the zero point
 * and sum_k (w − zp) as int32 constants made here, the weight scale, the float32 bias.
 *  - input_quant static (QDQ): x is already int8/uint8 with a constant scale and zero point
 *    (inputs 5, 6), no statistics; with y_scale and y_zero_point (inputs 7, 8) the output is
 *    requantized to their type in the epilogue: clamp(rint(y / y_scale) + y_zero_point), and with
 *    y_table (input 9, recognize-qdq's tabulated QDQ SiLU) that value is looked up in it.
 * Both are Params switches of the same templates (dynamic_input, requantize).
 */

/** ai.yhc.QConv's static-mode input slots (src/ops/yhc/qconv.ts). */
const X_SCALE = 5;
const X_ZERO_POINT = 6;
const Y_SCALE = 7;
const Y_ZERO_POINT = 8;
const Y_TABLE = 9;

/** The one value of a constant per-tensor parameter at input `i`. */
function scalarParam(node: Node, i: number): number {
  const t = node.input(i).constant;
  if (!t || t.size !== 1) throw new YhcError('CODEGEN', `${describeNode(node)}: input ${i} must be a constant per-tensor value for the int8 kernel`);
  return t.data[0]!;
}

/** The Params of the input quantizer and of the output's requantization. */
function quantParams(node: Node, dynamic: boolean): ParamField[] {
  const requantize = !dynamic && (node.inputs[Y_SCALE] ?? null) !== null;
  return [
    boolParam('dynamic_input', dynamic),
    ...(dynamic ? [] : [floatParam('x_scale', scalarParam(node, X_SCALE)), intParam('x_zero_point', scalarParam(node, X_ZERO_POINT))]),
    boolParam('requantize', requantize),
    ...(requantize ? [floatParam('y_scale', scalarParam(node, Y_SCALE)), intParam('y_zero_point', scalarParam(node, Y_ZERO_POINT))] : []),
  ];
}

/** The int8 tile (qconv.cuh QConvTile): output channels and pixels per block, reduction bytes per step. */
const TILE_M = 64;
const TILE_N = 64;
const TILE_K = 32;
/** w_tile and x_tile rows of TILE_K + 16 bytes, and the 64 window sums. */
const TILE_SHARED_BYTES = (TILE_M + TILE_N) * (TILE_K + 16) + 4 * TILE_N;

/** Elements each thread of the statistics kernel reduces (about): its blocks per image follow. */
const RANGE_ITEMS_PER_THREAD = 16;

/** Per output channel: float32 [M] scales, int32 zero points and sum_k (w − zp) of the constant weights. */
function channelConstants(node: Node, ctx: LoweringContext): { scale: Value; zeroPoint: Value; sum: Value } {
  const w = node.input(1).constant;
  const ws = node.input(2).constant;
  const wz = node.input(3).constant;
  if (!w || !ws || !wz) throw new YhcError('CODEGEN', `${describeNode(node)}: the int8 conv needs constant weights, weight scales and zero points`);
  const m = w.shape[0]!;
  const per = w.size / m;
  const zp = Array.from({ length: m }, (_, c) => wz.data[wz.size === 1 ? 0 : c]!);
  const sums = zp.map((z, c) => {
    let s = 0;
    for (let k = 0; k < per; k++) s += w.data[c * per + k]! - z;
    return s;
  });
  const scale =
    ws.size === m
      ? node.input(2)
      : ctx.constant(
          Tensor.from(
            'float32',
            [m],
            Array.from({ length: m }, () => ws.data[0]!),
          ),
        );
  return { scale, zeroPoint: ctx.constant(Tensor.from('int32', [m], zp)), sum: ctx.constant(Tensor.from('int32', [m], sums)) };
}

/** qconv_input_range: DynamicQuantizeLinear's scale and zero point of `x` into `qparams` (float32 [2]). */
function inputRangeSpec(node: Node, x: Value, qparams: Value, ctx: LoweringContext): KernelSpec {
  const batch = x.shape[0]!;
  const perImage = numel(x.shape.slice(1));
  const imageBlocks = Math.max(1, Math.min(1024, Math.ceil(perImage / (THREADS_PER_BLOCK * RANGE_ITEMS_PER_THREAD))));
  const partials = ctx.temp('float32', [batch * imageBlocks * 2]);
  const counter = ctx.state('uint32', [1]);
  return {
    family: 'qrange',
    template: 'qconv_quant.cuh',
    kernel: 'yhc::qconv_input_range',
    params: [
      intParam('per_image', perImage),
      intParam('image_blocks', imageBlocks),
      intParam('block_threads', THREADS_PER_BLOCK),
      elementTypeParam('Input', x),
    ],
    tensors: [read('x', x), write('partials', partials), write('counter', counter), write('qparams', qparams)],
    callArgs: ['x', 'partials', 'counter', 'qparams'],
    launch: { grid: batch * imageBlocks, block: THREADS_PER_BLOCK, sharedBytes: 0, barriers: true },
    imageBlocks,
    nodes: [node],
    flops: 2 * numel(x.shape),
    halfStorage: true,
  };
}

export function qconvKernels(node: Node, ctx: LoweringContext): KernelSpec[] {
  const x = node.input(0);
  const w = node.input(1);
  const bias = node.inputs[4] ?? null;
  const table = node.inputs[Y_TABLE] ?? null;
  const y = node.outputs[0]!;
  const mode = attrString(node, 'input_quant', 'dynamic_uint8');
  if (mode !== 'dynamic_uint8' && mode !== 'static')
    throw new YhcError('UNSUPPORTED_OP', `${describeNode(node)}: yhc has no int8 kernel for input_quant ${JSON.stringify(mode)}`);
  const dynamic = mode === 'dynamic_uint8';
  // Dynamic: float in, float out. Static: 8-bit in, float out or requantized to 8 bits.
  requireFloatStorage(node, dynamic ? [x, y] : y.dtype === 'int8' || y.dtype === 'uint8' ? [] : [y]);
  if (x.shape.length !== 4) throw new YhcError('CODEGEN', `${describeNode(node)}: only 2-D int8 convolutions have a kernel (input rank ${x.shape.length})`);
  const [batch, inChannels, inH, inW] = x.shape as [number, number, number, number];
  const [outChannels, , kernelH, kernelW] = w.shape as [number, number, number, number];
  const [, , outH, outW] = y.shape as [number, number, number, number];
  const groups = convGroups(node);
  const channel = channelConstants(node, ctx);
  // One statistics launch per input tensor: the QConvs reading one tensor share its scale and zero point.
  let range: KernelSpec[] = [];
  const qparams = dynamic
    ? ctx.once(x, () => {
        const v = ctx.temp('float32', [2]);
        range = [inputRangeSpec(node, x, v, ctx)];
        return v;
      })
    : null;
  const params: ParamField[] = [
    intParam('batch', batch),
    intParam('in_channels', inChannels),
    intParam('in_h', inH),
    intParam('in_w', inW),
    intParam('out_channels', outChannels),
    intParam('out_h', outH),
    intParam('out_w', outW),
    intParam('groups', groups),
    intParam('kernel_h', kernelH),
    intParam('kernel_w', kernelW),
    ...windowParams(windowGeometry(node, x.shape.slice(2), w.shape.slice(2))),
    boolParam('has_bias', bias !== null),
    boolParam('has_table', table !== null),
    typeParam('Act', ACTIVATION_FUNCTOR[activationOf(node)]),
    elementTypeParam('Input', x),
    elementTypeParam('Weight', w),
    elementTypeParam('Output', y),
    ...quantParams(node, dynamic),
    boolParam(
      'weight_zero_points',
      channel.zeroPoint.constant!.data.some((z) => z !== 0),
    ),
    intParam('block_threads', THREADS_PER_BLOCK),
  ];
  const tensors = [
    read('x', x),
    ...(qparams ? [read('qparams', qparams)] : []),
    read('w', w),
    read('w_zero_point', channel.zeroPoint),
    read('w_sum', channel.sum),
    read('w_scale', channel.scale),
    ...(bias ? [read('bias', bias)] : []),
    ...(table ? [read('y_table', table)] : []),
    write('y', y),
  ];
  const base = {
    tensors,
    callArgs: ['x', qparams ? 'qparams' : 'nullptr', 'w', 'w_zero_point', 'w_sum', 'w_scale', bias ? 'bias' : 'nullptr', table ? 'y_table' : 'nullptr', 'y'],
    nodes: [node],
    flops: 2 * numel(y.shape) * (inChannels / groups) * kernelH * kernelW,
    halfStorage: true,
  };
  if (groups !== 1) {
    return [
      ...range,
      {
        ...base,
        family: 'qdwconv',
        template: 'qconv.cuh',
        kernel: 'yhc::qconv_direct',
        blockFunction: 'yhc::qconv_direct_block',
        params,
        ...imageMajorThreads(batch, numel(y.shape.slice(1))),
      },
    ];
  }
  const channelTiles = Math.ceil(outChannels / TILE_M);
  const pixelTiles = Math.ceil((outH * outW) / TILE_N);
  return [
    ...range,
    {
      ...base,
      family: 'qconv',
      template: 'qconv.cuh',
      kernel: 'yhc::qconv_tiled',
      blockFunction: 'yhc::qconv_tiled_block',
      params: [...params, intParam('tile_m', TILE_M), intParam('tile_n', TILE_N), intParam('tile_k', TILE_K), intParam('tile_shared_bytes', TILE_SHARED_BYTES)],
      staticSharedBytes: TILE_SHARED_BYTES,
      launch: { grid: batch * channelTiles * pixelTiles, block: THREADS_PER_BLOCK, sharedBytes: 0, barriers: true },
      imageBlocks: channelTiles * pixelTiles,
    },
  ];
}
