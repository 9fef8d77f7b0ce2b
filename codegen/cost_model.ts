import { kernelBytes } from './emit/kernel_source.js';
import type { Plan } from './plan.js';

/**
 * A roofline floor for a plan, without a GPU: each kernel must at least move its bytes at the
 * card's copy bandwidth and do its FLOPs at the card's matrix-product peak, so it takes at least
 * the larger of the two. Real kernels are slower (launch latency, occupancy, CUDA-core rather
 * than tensor-core FLOPs); the floor says which kernels are memory- or compute-bound and what
 * fusion can save, and traffic is the number fusion changes.
 */

export interface GpuCeilings {
  readonly name: string;
  readonly bytesPerSecond: number;
  readonly flopsPerSecond: number;
  /** Where the numbers come from. */
  readonly source: string;
}

/** Measured on an H100 (issue 4): ~3.0 TB/s device-to-device copy, ~800 TFLOP/s bf16 matrix products. */
export const H100: GpuCeilings = {
  name: 'H100',
  bytesPerSecond: 3.0e12,
  flopsPerSecond: 800e12,
  source: 'measured on an H100: ~3.0 TB/s copy, ~800 TFLOP/s bf16 matrix products',
};

export interface KernelCost {
  readonly id: string;
  /** The ops the kernel implements (ONNX or ai.yhc op types). */
  readonly ops: readonly string[];
  readonly flops: number;
  /** The minimum bytes it must move: every tensor it reads or writes, once. */
  readonly bytes: number;
  readonly memoryMicros: number;
  readonly computeMicros: number;
  /** max(memory, compute): no implementation of this kernel can be faster on this card. */
  readonly floorMicros: number;
  readonly bound: 'memory' | 'compute';
}

export interface PlanCost {
  readonly gpu: GpuCeilings;
  readonly kernels: readonly KernelCost[];
  readonly launches: number;
  readonly flops: number;
  /** Kernel traffic plus output copies (read and written). */
  readonly bytes: number;
  readonly floorMicros: number;
  readonly weightBytes: number;
  readonly arenaBytes: number;
}

const micros = (amount: number, perSecond: number) => (amount / perSecond) * 1e6;

export function planCost(plan: Plan, gpu: GpuCeilings = H100): PlanCost {
  const kernels = plan.kernels.map((k): KernelCost => {
    const bytes = kernelBytes(k.spec);
    const memoryMicros = micros(bytes, gpu.bytesPerSecond);
    const computeMicros = micros(k.spec.flops, gpu.flopsPerSecond);
    return {
      id: k.id,
      ops: [...new Set(k.spec.nodes.map((n) => n.opType))],
      flops: k.spec.flops,
      bytes,
      memoryMicros,
      computeMicros,
      floorMicros: Math.max(memoryMicros, computeMicros),
      bound: computeMicros > memoryMicros ? 'compute' : 'memory',
    };
  });
  const copyBytes = plan.steps.reduce((n, s) => n + (s.kind === 'copy' ? 2 * s.bytes : 0), 0);
  const sum = (f: (k: KernelCost) => number) => kernels.reduce((n, k) => n + f(k), 0);
  return {
    gpu,
    kernels,
    launches: kernels.length,
    flops: sum((k) => k.flops),
    bytes: sum((k) => k.bytes) + copyBytes,
    floorMicros: sum((k) => k.floorMicros) + micros(copyBytes, gpu.bytesPerSecond),
    weightBytes: plan.weightBytes,
    arenaBytes: plan.arenaBytes,
  };
}
