import { YhcError } from '../src/errors.js';
import { describeNode, type Graph, type Node, type Value } from '../src/ir/graph.js';
import { valueBytes } from '../src/ir/tensor_info.js';
import { intParam, type KernelSpec } from './kernel_spec.js';
import { perImageOf } from './kernels/flat_launch.js';
import { kernelGeneratorFor } from './kernels/index.js';
import { sppfChains, sppfKernel } from './kernels/sppf.js';
import { concatCopyKernel } from './kernels/data_movement.js';
import { fuseHorizontally } from './horizontal_fusion.js';
import { findHandoffs } from './norm_handoff.js';
import { planArena, type Lifetime } from './memory_plan.js';
import { batchMajorChain, imageStride, isStrided, perImage, planViews, resolveAlias, viewsOf, type ViewDecision, type ViewPlan } from './views.js';
import { templateReads } from './emit/template_reads.js';
import { planUpsampleViews } from './upsample_views.js';
import { planLetterboxReads } from './letterbox_reads.js';
import { findElementwiseClusters } from './elementwise_fusion.js';
import { fusedElementwiseKernel } from './kernels/fused_elementwise.js';

/**
 * Lowering: the graph becomes an ordered list of kernels (one per node here; view ops such as
 * Reshape become aliases), every tensor gets storage (an engine input or output pointer, the
 * weights buffer, or an offset in the activation arena), and graph outputs that are not written
 * by a kernel directly are copied at the end.
 */

export type Storage =
  | { readonly kind: 'input'; readonly index: number }
  | { readonly kind: 'output'; readonly index: number }
  | { readonly kind: 'weight'; readonly offset: number }
  | { readonly kind: 'arena'; readonly offset: number }
  | { readonly kind: 'state'; readonly offset: number };

export interface PlannedKernel {
  /** Generated identifier, e.g. k07_conv; also the .cu file's stem. */
  readonly id: string;
  readonly spec: KernelSpec;
  /** Name of the host launcher function in the kernel's .cu file. */
  readonly launcher: string;
  /** The launch grid follows the run's batch (Plan.dynamicBatch): batch × spec.imageBlocks blocks. */
  readonly batchGrid: boolean;
}

export type Step =
  | { readonly kind: 'launch'; readonly kernel: PlannedKernel }
  | { readonly kind: 'copy'; readonly from: Value; readonly toOutput: number; readonly bytes: number };

export interface WeightSlot {
  readonly value: Value;
  readonly offset: number;
  readonly bytes: number;
}

export interface Plan {
  readonly graph: Graph;
  readonly kernels: readonly PlannedKernel[];
  readonly steps: readonly Step[];
  readonly weights: readonly WeightSlot[];
  readonly weightBytes: number;
  readonly arenaBytes: number;
  /** Zero-initialized engine state (statistics counters): allocated once, kept across runs. */
  readonly stateBytes: number;
  /** The compiled batch: the leading dim of the first input (1 without inputs). */
  readonly batch: number;
  /**
   * Whether a run may take the first n ≤ batch images only: every kernel is image-major
   * (KernelSpec.imageBlocks) and every tensor it touches but the weights, as well as every engine
   * input and output, has the batch as its leading dim.
   */
  readonly dynamicBatch: boolean;
  /** Storage of every value the plan touches (views share their source's storage). */
  storageOf(v: Value): Storage;
  /** The value whose storage `v` uses: `v` itself, or the source of the view chain `v` ends. */
  rootOf(v: Value): Value;
  /** Elements from the start of rootOf(v)'s storage to v's first element (channel-range views, codegen/views.ts). */
  offsetOf(v: Value): number;
  /** Every Concat and Split: planned as a view (no kernel), or copied and why. */
  readonly views: readonly ViewDecision[];
}

export const BUFFER_ALIGNMENT = 256;
const align = (n: number) => Math.ceil(n / BUFFER_ALIGNMENT) * BUFFER_ALIGNMENT;
/** Bytes of a value's storage (defined beside TensorInfo in src/ir; the emitters read it here). */
export { valueBytes };

export interface PlanOptions {
  /** Run independent kernels of one dependency depth in one launch (default true). */
  readonly horizontalFusion?: boolean;
  /** Concat and Split as channel-range views where the layout allows (default true). */
  readonly views?: boolean;
  /** SPPF's three chained MaxPools as one kernel (default true). */
  readonly sppf?: boolean;
  /** Fuse trees of elementwise ops into one kernel each (default true; elementwise_fusion.ts). */
  readonly elementwiseFusion?: boolean;
  /** The letterbox read inside the stem conv's load (default true; letterbox_reads.ts); false: its own kernel. */
  readonly letterboxFusion?: boolean;
}

export function planGraph(graph: Graph, options: PlanOptions = {}): Plan {
  // 1. Kernels, and the alias map of views (view ops, Concat and Split as channel ranges). At
  // batch > 1 a view whose kernels do not take its image stride refuses its Concat/Split, and
  // the kernels are lowered again (codegen/views.ts).
  const batch = graph.inputs[0]?.shape[0] ?? 1;
  const refused = new Map<Node, string>();
  let lowered = lowerGraph(graph, options, planViews(graph, { enabled: options.views !== false, batch }));
  for (let more = stridedViewRefusals(graph, lowered); more.size > 0; more = stridedViewRefusals(graph, lowered)) {
    for (const [node, why] of more) refused.set(node, why);
    lowered = lowerGraph(graph, options, planViews(graph, { enabled: options.views !== false, batch, refused }));
  }
  const { views, specs, stateValues } = lowered;
  const root = (v: Value): Value => resolveAlias(views.aliases, v).base;
  const offsetOf = (v: Value): number => resolveAlias(views.aliases, v).offset;
  // Offsets are per image (codegen/views.ts): ranges overlap in every image or in none.
  const overlaps = (a: Value, b: Value) => offsetOf(a) < offsetOf(b) + perImage(b, batch) && offsetOf(b) < offsetOf(a) + perImage(a, batch);
  const kernels: PlannedKernel[] = [];
  // Ids stay sortable; a node may lower to several kernels, so leave room.
  const idWidth = Math.max(2, String(2 * graph.nodes.length).length);
  // A kernel never reads a range another of its tensors writes (views overlap only where a
  // tensor overwrites a dead one: codegen/views.ts).
  for (const spec of specs) {
    const writes = spec.tensors.filter((t) => t.access === 'write');
    for (const r of spec.tensors.filter((t) => t.access === 'read')) {
      const clash = writes.find((w) => w.value !== r.value && root(w.value) === root(r.value) && overlaps(w.value, r.value));
      if (clash) throw new Error(`internal: kernel ${spec.family} reads ${r.name} where it writes ${clash.name}`);
    }
  }
  const launches =
    options.horizontalFusion === false
      ? specs
      : fuseHorizontally(specs, (v) => {
          const start = offsetOf(v);
          return { base: root(v), start, end: start + perImage(v, batch) };
        });
  // A dynamic batch: every launch image-major, and every tensor but the weights (and every
  // engine input and output) with the batch as its leading dim.
  const batched = (v: Value) => v.shape[0] === batch && root(v).shape[0] === batch;
  const dynamicBatch =
    graph.inputs.length > 0 &&
    [...graph.inputs, ...graph.outputs].every(batched) &&
    launches.every((s) => s.imageBlocks !== undefined && s.tensors.every((t) => root(t.value).constant !== null || batched(t.value)));
  for (const spec of launches) {
    if (!/^[a-z0-9]+$/.test(spec.family)) throw new Error(`internal: bad kernel family ${spec.family}`);
    const id = `k${String(kernels.length).padStart(idWidth, '0')}_${spec.family}`;
    kernels.push({ id, spec, launcher: `yhc_${id}`, batchGrid: dynamicBatch });
  }

  // 2. Storage: inputs, outputs written in place where possible, weights, then the arena.
  const storage = new Map<Value, Storage>();
  graph.inputs.forEach((v, index) => storage.set(v, { kind: 'input', index }));
  const producedByKernel = new Set<Value>();
  // A Concat planned as a view is written by its inputs' kernels: record roots.
  for (const k of kernels) for (const t of k.spec.tensors) if (t.access === 'write') producedByKernel.add(root(t.value));

  const copies: Step[] = [];
  graph.outputs.forEach((out, index) => {
    const r = root(out);
    const whole = offsetOf(out) === 0 && valueBytes(r) === valueBytes(out);
    if (producedByKernel.has(r) && !storage.has(r) && whole) storage.set(r, { kind: 'output', index });
    else copies.push({ kind: 'copy', from: out, toOutput: index, bytes: valueBytes(out) });
  });

  let stateBytes = 0;
  for (const v of stateValues) {
    storage.set(v, { kind: 'state', offset: stateBytes });
    stateBytes += align(valueBytes(v));
  }

  const weights: WeightSlot[] = [];
  let weightBytes = 0;
  const addWeight = (v: Value) => {
    if (!v.constant || storage.has(v)) return;
    storage.set(v, { kind: 'weight', offset: weightBytes });
    weights.push({ value: v, offset: weightBytes, bytes: valueBytes(v) });
    weightBytes += align(valueBytes(v));
  };
  for (const k of kernels) for (const t of k.spec.tensors) if (t.access === 'read') addWeight(root(t.value));
  for (const c of copies) if (c.kind === 'copy') addWeight(root(c.from));

  const steps: Step[] = [...kernels.map((kernel) => ({ kind: 'launch', kernel }) as const), ...copies];
  const lifetimes = new Map<Value, Lifetime>();
  steps.forEach((step, s) => {
    const touched = step.kind === 'launch' ? step.kernel.spec.tensors.map((t) => t.value) : [step.from];
    for (const v of touched) {
      const r = root(v);
      if (storage.has(r)) continue;
      const life = lifetimes.get(r);
      if (life) life.last = s;
      else lifetimes.set(r, { first: s, last: s, bytes: valueBytes(r) });
    }
  });
  const { offsets, arenaBytes } = planArena(lifetimes, BUFFER_ALIGNMENT);
  for (const [v, offset] of offsets) storage.set(v, { kind: 'arena', offset });

  return {
    graph,
    kernels,
    steps,
    batch,
    dynamicBatch,
    weights,
    weightBytes,
    arenaBytes,
    stateBytes,
    rootOf: root,
    offsetOf,
    views: views.decisions,
    storageOf(v: Value): Storage {
      const s = storage.get(root(v));
      if (!s) throw new Error(`internal: value ${v.id} has no storage`);
      return s;
    },
  };
}

interface Lowered {
  readonly views: ViewPlan;
  readonly specs: readonly KernelSpec[];
  readonly stateValues: readonly Value[];
}

/** Every node's kernels under one view plan; each tensor's image stride is a Params field (`<tensor>_image_stride`). */
function lowerGraph(graph: Graph, options: PlanOptions, views: ViewPlan): Lowered {
  const specs: KernelSpec[] = [];
  const stateValues: Value[] = [];
  const handoffs = findHandoffs(graph);
  // Resize nearest x2 read through by the concat's conv readers (codegen/upsample_views.ts).
  const upsampled = planUpsampleViews(graph, views, handoffs);
  // uint8 frames letterboxed inside the stem conv's input load (codegen/letterbox_reads.ts).
  const letterboxed = options.letterboxFusion === false ? { inputs: new Map(), elided: new Set() } : planLetterboxReads(graph, handoffs);
  const sppf = options.sppf === false ? new Map() : sppfChains(graph);
  const fusion = options.elementwiseFusion === false ? null : findElementwiseClusters(graph);
  // LoweringContext.once: one per lowering.
  const made = new Map<object, unknown>();
  for (const node of graph.nodes) {
    // A view: no kernel, the output aliases (a range of) the input's buffer, or a Concat's
    // inputs are ranges of its output's.
    // Inputs of a Concat planned as a view that cannot be written in place: copied into their range.
    for (const c of views.copies.get(node) ?? []) specs.push(concatCopyKernel(node, c.from, c.into));
    if (views.viewNodes.has(node) || upsampled.elided.has(node) || letterboxed.elided.has(node)) continue;
    // SPPF's three MaxPools: one kernel, at the first (codegen/kernels/sppf.ts).
    const chain = sppf.get(node);
    if (chain === null) continue;
    if (chain) {
      specs.push(sppfKernel(chain));
      continue;
    }
    // Elementwise trees: one kernel at the root, none for the nodes inside.
    if (fusion?.absorbed.has(node)) continue;
    const cluster = fusion?.byRoot.get(node);
    if (cluster) {
      specs.push(fusedElementwiseKernel(cluster.nodes, node));
      continue;
    }
    const generate = kernelGeneratorFor(node);
    if (!generate) {
      throw new YhcError('CODEGEN', `${describeNode(node)}: yhc has no CUDA kernel for this op yet`);
    }
    const lowered = generate(node, {
      opset: graph.opset(node.domain),
      temp: (dtype, shape) => graph.newValue('', dtype, shape),
      state: (dtype, shape) => {
        const v = graph.newValue('', dtype, shape);
        stateValues.push(v);
        return v;
      },
      constant: (tensor) => graph.newConstant('', tensor),
      inputHandoff: (v) => handoffs.inputs.get(v) ?? upsampled.inputs.get(v) ?? letterboxed.inputs.get(v),
      planeStats: (v) => handoffs.planeStats.get(v),
      once: <T>(key: object, make: () => T): T => {
        if (!made.has(key)) made.set(key, make());
        return made.get(key) as T;
      },
    });
    for (const spec of Array.isArray(lowered) ? lowered : [lowered as KernelSpec]) {
      for (const t of spec.tensors) {
        const half = t.value.dtype === 'float16' || t.value.dtype === 'bfloat16';
        if (half && !(spec.halfStorage && t.value.dtype === 'float16')) {
          throw new YhcError('CODEGEN', `${describeNode(node)}: the ${spec.kernel} kernel has no ${t.value.dtype} variant`);
        }
      }
      specs.push(spec);
    }
  }
  const withStrides = specs.map((spec) => {
    const have = new Set(spec.params.map((p) => p.name));
    const strides = spec.tensors
      .filter((t) => !have.has(imageStrideParam(t.name)))
      .map((t) => intParam(imageStrideParam(t.name), imageStrideOf(views, t.value)));
    return strides.length ? { ...spec, params: [...spec.params, ...strides] } : spec;
  });
  return { views, specs: withStrides, stateValues };
}

/**
 * At batch > 1, the Concat/Split nodes (not yet refused) whose views some kernel cannot address:
 * a strided range (codegen/views.ts) read or written by a kernel that does not take that
 * tensor's image stride, a range whose view chain loses the batch dim, a graph output that is a
 * strided range (the final copy is contiguous). Each with why.
 */
function stridedViewRefusals(graph: Graph, lowered: Lowered): Map<Node, string> {
  const { views, specs } = lowered;
  const { aliases, batch } = views;
  const found = new Map<Node, string>();
  if (batch <= 1) return found;
  const blame = (v: Value, why: string) => {
    for (const n of viewsOf(aliases, v)) if (!found.has(n)) found.set(n, `batch ${batch}: ${why}, copied`);
  };
  for (const v of aliases.keys()) if (viewsOf(aliases, v).length > 0 && !batchMajorChain(aliases, v, batch)) blame(v, 'a view of a range drops the batch dim');
  for (const spec of specs) {
    for (const t of spec.tensors) {
      if (isStrided(aliases, t.value, batch) && !takesImageStride(spec, t.name)) {
        blame(t.value, `the ${spec.kernel.replace(/^yhc::/, '')} kernel does not take the image stride of its ${t.name}`);
      }
    }
  }
  for (const out of graph.outputs) if (isStrided(aliases, out, batch)) blame(out, 'a graph output is a range strided per image');
  return found;
}

/**
 * Elements from one image of `v` to the next in its storage: a strided range's root's per-image
 * size, else its own leading dim's stride (row-major).
 */
function imageStrideOf(views: ViewPlan, v: Value): number {
  if (isStrided(views.aliases, v, views.batch)) return imageStride(views.aliases, v, views.batch);
  return perImageOf(v);
}

/** The Params field holding a tensor's image stride: elements from one image to the next in its storage. */
const imageStrideParam = (tensor: string) => `${tensor}_image_stride`;

/** Whether a kernel addresses `tensor` through its image stride field (its template or generated code reads it). */
function takesImageStride(spec: KernelSpec, tensor: string): boolean {
  if (spec.imageStrides) return spec.imageStrides.includes(tensor);
  const field = imageStrideParam(tensor);
  if (spec.deviceCode?.some((line) => line.includes(`P::${field}`))) return true;
  return [spec.kernel, spec.blockFunction].every((fn) => fn === undefined || templateReads(fn)?.has(field) === true);
}
