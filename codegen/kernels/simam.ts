import type { Node } from '../../src/ir/graph.js';
import { SIMAM_FLOPS_PER_ELEMENT, simamAttrs } from '../../src/ops/yhc/simam.js';
import { numel } from '../../src/tensor.js';
import { elementTypeParam, floatParam, intParam, read, requireFloatStorage, THREADS_PER_BLOCK, write, type KernelSpec } from '../kernel_spec.js';
import type { LoweringContext } from './lowering.js';

/**
 * ai.yhc.SimAM → simam: one block per (image, channel) plane — or no kernel at all when its
 * producer gathers the statistics and its readers apply the gate (norm_handoff.ts).
 */
export function simamKernel(node: Node, ctx: LoweringContext): readonly KernelSpec[] {
  const [x, y] = [node.input(0), node.outputs[0]!];
  requireFloatStorage(node, [x, y]);
  if (ctx.inputHandoff(y)) return [];
  const spatial = numel(x.shape.slice(2));
  const planes = x.shape[0]! * x.shape[1]!;
  return [
    {
      family: 'simam',
      template: 'simam.cuh',
      kernel: 'yhc::simam',
      blockFunction: 'yhc::simam_block',
      staticSharedBytes: THREADS_PER_BLOCK * 4,
      params: [
        intParam('planes', planes),
        intParam('spatial', spatial),
        floatParam('lambda', simamAttrs(node).lambda),
        intParam('block_threads', THREADS_PER_BLOCK),
        elementTypeParam('Input', x),
        elementTypeParam('Output', y),
      ],
      tensors: [read('x', x), write('y', y)],
      callArgs: ['x', 'y'],
      launch: { grid: planes, block: THREADS_PER_BLOCK, sharedBytes: 0, barriers: true },
      imageBlocks: x.shape[1]!,
      nodes: [node],
      flops: SIMAM_FLOPS_PER_ELEMENT * planes * spatial,
      halfStorage: true,
    },
  ];
}
