import type { DType } from '../../src/dtype.js';
import type { Node, Value } from '../../src/ir/graph.js';
import type { Tensor } from '../../src/tensor.js';
import type { KernelSpec } from '../kernel_spec.js';
import type { InputHandoff, SimamHandoff } from '../norm_handoff.js';
import type { UpsampledHandoff } from '../upsample_views.js';

/** What a generator may ask of the lowering. */
export interface LoweringContext {
  /** The node's domain opset. */
  readonly opset: number;
  /** A fresh intermediate tensor, for ops lowered to several kernels (storage is planned). */
  temp(dtype: DType, shape: readonly number[]): Value;
  /**
   * Engine state: zeroed once at engine creation, kept across runs, never shared with another
   * tensor (counters a kernel resets itself when it is done with them).
   */
  state(dtype: DType, shape: readonly number[]): Value;
  /** A constant the kernel reads (a lookup table), stored in weights.bin. */
  constant(tensor: Tensor): Value;
  /** The normalization a value's readers apply on load instead of its producer (norm_handoff.ts). */
  inputHandoff(v: Value): InputHandoff | UpsampledHandoff | undefined;
  /** SimAM's plane statistics the producer of `v` gathers for its readers' readers. */
  planeStats(v: Value): SimamHandoff | undefined;
  /**
   * What `make` returns, made once per plan for `key` (a Value, say): a later node asking with the
   * same key gets the first one's (a statistic of one tensor that several kernels read).
   */
  once<T>(key: object, make: () => T): T;
}

/** One node → the kernels that implement it, in launch order. */
export type KernelGenerator = (node: Node, ctx: LoweringContext) => KernelSpec | readonly KernelSpec[];
