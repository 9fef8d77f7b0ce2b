import type { Value } from '../../src/ir/graph.js';
import { numel } from '../../src/tensor.js';
import { elementTypeParam, read, type KernelSpec } from '../kernel_spec.js';

/**
 * A plain direct or tiled conv kernel that also adds ai.yhc.Conv's residual input in its
 * epilogue (conv_epilogue.cuh; passes/fuse_residual.ts): the `_residual` variant of its template
 * function, the residual read just before the output is written.
 */
export function withResidual(spec: KernelSpec, residual: Value): KernelSpec {
  const plain = ['yhc::conv2d_direct', 'yhc::conv2d_tiled'];
  if (!plain.includes(spec.kernel)) throw new Error(`internal: ${spec.kernel} has no residual variant`);
  const y = spec.tensors.findIndex((t) => t.access === 'write');
  const arg = spec.callArgs.indexOf('y');
  return {
    ...spec,
    kernel: `${spec.kernel}_residual`,
    blockFunction: `${spec.kernel}_residual_block`,
    params: [...spec.params, elementTypeParam('Residual', residual)],
    tensors: [...spec.tensors.slice(0, y), read('residual', residual), ...spec.tensors.slice(y)],
    callArgs: [...spec.callArgs.slice(0, arg), 'residual', ...spec.callArgs.slice(arg)],
    flops: spec.flops + numel(residual.shape),
  };
}
