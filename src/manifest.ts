import type { PtxasReport } from '../codegen/toolchain/ptxas.js';
import type { TensorInfo } from './ir/tensor_info.js';
import type { ModelMetadata } from './ir/model_metadata.js';

/** manifest.json of a build directory: what it computes, from what, and how it was built. */

/** Inputs and outputs are listed as TensorInfo (src/ir/tensor_info.ts). */
export type { TensorInfo };

/** A node of the model as imported (names are untrusted text). */
export interface OnnxNodeInfo {
  readonly name: string;
  readonly opType: string;
  /** '' for ai.onnx. */
  readonly domain: string;
}

/**
 * A node of the optimized graph a kernel implements: an ONNX node of the model itself, or an op
 * of yhc's own (domain `ai.yhc`) that a pass made; `replaces` lists the model's ONNX nodes it
 * stands for (provenance; empty for one yhc added, such as the NMS of --decode nms).
 */
export interface KernelNodeInfo extends OnnxNodeInfo {
  readonly replaces: readonly OnnxNodeInfo[];
}

export interface KernelInfo {
  readonly id: string;
  readonly file: string;
  readonly template: string;
  /** The graph nodes the kernel implements, each with the ONNX nodes it replaced (provenance). */
  readonly nodes: readonly KernelNodeInfo[];
  readonly shapes: readonly string[];
  readonly flops: number;
  readonly bytes: number;
  readonly launch: { readonly grid: number; readonly block: number; readonly sharedBytes: number; readonly barriers: boolean };
  /** Registers, shared memory, stack and spills per GPU arch, from ptxas (CUDA target). */
  readonly ptxas?: readonly PtxasReport[];
}

export interface Manifest {
  readonly format: 1;
  readonly generator: string;
  readonly buildId: string;
  readonly model: { readonly name: string; readonly file: string; readonly sha256: string; readonly opsets: Record<string, number> };
  /** The model's metadata_props: raw, and the fields yhc parses (class names, imgsz, stride, task); absent in older build directories. */
  readonly metadata?: ModelMetadata;
  readonly target: 'cuda' | 'host';
  readonly arch: readonly string[];
  /** The compiled batch: the leading dim of the inputs (--batch for a symbolic one). */
  readonly batch: number;
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  /** Whether a run may take fewer than `batch` images (Engine.run's `batch`, yhc_engine_run_batch). */
  readonly dynamicBatch: boolean;
  /** Storage precision (--precision) and how many tensors it put in half. */
  readonly precision: { readonly storage: 'fp32' | 'fp16'; readonly halfActivations: number; readonly halfWeights: number };
  /** The postprocess `--decode` appended to a raw-output model, or null. */
  readonly decode: { readonly format: string; readonly maxDet: number; readonly iou?: number; readonly conf?: number; readonly boxes?: string } | null;
  /** The graph passes that ran and what each rewrote (null with --no-passes). */
  readonly passes: readonly { readonly name: string; readonly fired: Record<string, number> }[] | null;
  /** Library path relative to the build directory; null for --no-build. */
  readonly library: string | null;
  /** `--symbol-prefix`: the library's C ABI names all start with it (`det_yhc_engine_create`); absent without one. */
  readonly symbolPrefix?: string;
  /** `--input-format rgb8|bgr8 --frame WxH`: inputs `frames` uint8 [B, height, width, 3] in this channel order and `frame_size`; boxes come out in frame pixels. Absent for float input. */
  readonly frames?: { readonly format: 'rgb8' | 'bgr8'; readonly width: number; readonly height: number };
  readonly weights: { readonly file: string; readonly bytes: number };
  readonly arenaBytes: number;
  /** Zero-initialized engine state kept across runs (GroupNorm statistics counters). */
  readonly stateBytes: number;
  readonly kernels: readonly KernelInfo[];
  readonly totals: { readonly kernels: number; readonly flops: number; readonly bytes: number };
  readonly build: {
    readonly toolchain: Record<string, string>;
    readonly compileFlags: readonly string[];
    readonly linkFlags: readonly string[];
    readonly units: number;
    readonly cacheHits: number;
    readonly seconds: number;
  } | null;
}
