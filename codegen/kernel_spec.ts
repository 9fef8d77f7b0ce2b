import { YhcError } from '../src/errors.js';
import { dtypeInfo } from '../src/dtype.js';
import { describeNode, type Node, type Value } from '../src/ir/graph.js';
import { floatLiteral, intLiteral } from './c_text.js';

/**
 * What a kernel generator produces: data describing one kernel instance — which device template
 * it instantiates, the named compile-time parameters, the tensors it reads and writes, and how
 * it is launched. emit/kernel_source.ts renders it as a .cu file; the plan wires its tensors.
 */
export interface KernelSpec {
  /** Short op family used in the kernel's identifier (k07_<family>); yhc's own word, never model text. */
  readonly family: string;
  /** Device template header under templates/kernels/. */
  readonly template: string;
  /** The __global__ template to instantiate, e.g. `yhc::conv2d_direct`. */
  readonly kernel: string;
  /**
   * The template's one-block device function (`yhc::conv2d_direct_block`: block index, then the
   * kernel's arguments), when it has one: the kernel may then share a launch with independent
   * kernels (codegen/horizontal_fusion.ts).
   */
  readonly blockFunction?: string;
  /** Bytes of static __shared__ arrays the template declares (a fused launch holds every part's). */
  readonly staticSharedBytes?: number;
  /** A horizontally fused kernel: the kernels it runs side by side, block ranges in this order. */
  readonly parts?: readonly KernelSpec[];
  /** Fields of the generated `Params` struct: the kernel template's named parameters. */
  readonly params: readonly ParamField[];
  /** Launcher parameters, in order: one pointer per tensor the kernel touches. */
  readonly tensors: readonly TensorArg[];
  /** By-value arguments built in the launcher (index maps, pointer tables). */
  readonly locals?: readonly LocalArg[];
  /** Kernel call arguments after the launch configuration: tensor names, local names, `nullptr`. */
  readonly callArgs: readonly string[];
  readonly launch: LaunchConfig;
  /**
   * Blocks per image, when the grid is image-major — batch × imageBlocks blocks, block b touching
   * only image ⌊b / imageBlocks⌋ of tensors whose leading dim is the batch — so a run of the first
   * n images launches n × imageBlocks blocks (dynamic batch). Absent: the grid is fixed.
   */
  readonly imageBlocks?: number;
  /** IR nodes this kernel implements (each lists the ONNX nodes it replaced: Node.origins). */
  readonly nodes: readonly Node[];
  /** Floating-point operations per run. */
  readonly flops: number;
  /**
   * The template reads and writes its activation tensors as P's element types (float or __half,
   * arithmetic in float), so --precision fp16 may store them in half (codegen/precision.ts).
   */
  readonly halfStorage?: boolean;
  /**
   * Generated device code the Params refer to (a fused elementwise body), emitted in the kernel's
   * namespace before Params: built from op types only, model names only in escaped comments.
   */
  readonly deviceCode?: readonly string[];
  /**
   * Tensors the kernel addresses through their image stride (`<name>_image_stride`: a channel
   * range of a concat's buffer at batch > 1, codegen/views.ts). Absent: those whose field its
   * template or generated code reads.
   */
  readonly imageStrides?: readonly string[];
}

export type ParamField =
  | { readonly kind: 'type'; readonly name: string; readonly cType: string }
  | { readonly kind: 'int'; readonly name: string; readonly value: number }
  | { readonly kind: 'float'; readonly name: string; readonly value: number }
  | { readonly kind: 'bool'; readonly name: string; readonly value: boolean };

export interface TensorArg {
  /** Parameter name in the launcher and kernel (our own word: x, w, bias, y, ...). */
  readonly name: string;
  readonly value: Value;
  readonly access: 'read' | 'write';
}

export interface LocalArg {
  readonly cType: string;
  readonly name: string;
  /** Brace initializer, may reference tensor parameter names. */
  readonly init: string;
}

export interface LaunchConfig {
  readonly grid: number;
  readonly block: number;
  readonly sharedBytes: number;
  /** With sharedBytes > 0: what that dynamic shared memory holds and its size's formula (a comment in the launcher). */
  readonly sharedBytesWhy?: string;
  /** Whether threads synchronize (__syncthreads, shuffles): host emulation then needs fibers. */
  readonly barriers: boolean;
}

// Small constructors so generators read like the struct they fill.
export const typeParam = (name: string, cType: string): ParamField => ({ kind: 'type', name, cType });
export const intParam = (name: string, value: number): ParamField => ({ kind: 'int', name, value });
export const floatParam = (name: string, value: number): ParamField => ({ kind: 'float', name, value });
export const boolParam = (name: string, value: boolean): ParamField => ({ kind: 'bool', name, value });
export const read = (name: string, value: Value): TensorArg => ({ name, value, access: 'read' });
export const write = (name: string, value: Value): TensorArg => ({ name, value, access: 'write' });

/** The C++ declaration of a Params field. */
export function renderParam(p: ParamField): string {
  switch (p.kind) {
    case 'type':
      return `using ${p.name} = ${p.cType};`;
    case 'int':
      return `static constexpr ${Math.abs(p.value) > 0x7fffffff ? 'int64_t' : 'int'} ${p.name} = ${intLiteral(p.value)};`;
    case 'float':
      return `static constexpr float ${p.name} = ${floatLiteral(p.value)};`;
    case 'bool':
      return `static constexpr bool ${p.name} = ${p.value};`;
  }
}

/**
 * Threads per block of every kernel yhc launches, and so of every horizontally fused launch.
 * Templates that size arrays by it take it as P::block_threads; topk_select.cuh's
 * kSelectThreads must equal it (test/codegen/block_threads.test.ts).
 */
export const THREADS_PER_BLOCK = 256;

/** One thread per element of an n-element iteration space, THREADS_PER_BLOCK threads a block. */
export function oneThreadPerElement(n: number): LaunchConfig {
  return { grid: Math.max(1, Math.ceil(n / THREADS_PER_BLOCK)), block: THREADS_PER_BLOCK, sharedBytes: 0, barriers: false };
}

/** One thread per element, image by image (image_element, yhc_common.cuh): the launch and its blocks per image. */
export function imageMajorThreads(batch: number, perImage: number): { launch: LaunchConfig; imageBlocks: number } {
  const imageBlocks = Math.max(1, Math.ceil(perImage / THREADS_PER_BLOCK));
  return { launch: { grid: batch * imageBlocks, block: THREADS_PER_BLOCK, sharedBytes: 0, barriers: false }, imageBlocks };
}

/** `{{a, b, c}}` for a Dims/Strides struct of int64 values (rank 0 becomes one unit dim). */
export function int64Array(values: readonly number[]): string {
  return `{{${values.map(intLiteral).join(', ')}}}`;
}

/** The C element type a tensor is stored as: `float`, or `__half` under --precision fp16. */
export const elementType = (v: Value): string => dtypeInfo(v.dtype).cType;

/** `using <name> = <element type of v>;` — how a template learns a tensor's storage type. */
export const elementTypeParam = (name: string, v: Value): ParamField => typeParam(name, elementType(v));

/** Kernels with float arithmetic and float or half storage (halfStorage) take float32 or float16 tensors. */
export function requireFloatStorage(node: Node, values: readonly Value[]): void {
  const bad = values.find((v) => v.dtype !== 'float32' && v.dtype !== 'float16');
  if (bad) {
    throw new YhcError('CODEGEN', `${describeNode(node)}: the ${node.opType} kernel takes float32 or float16 tensors, got ${bad.dtype}`);
  }
}

/** Kernels written for float arithmetic take float32 tensors only. */
export function requireFloat32(node: Node, values: readonly Value[]): void {
  const bad = values.find((v) => v.dtype !== 'float32');
  if (bad) {
    throw new YhcError('CODEGEN', `${describeNode(node)}: the ${node.opType} kernel takes float32 tensors, got ${bad.dtype}`);
  }
}
