import type { Value } from '../src/ir/graph.js';
import { THREADS_PER_BLOCK, type KernelSpec, type TensorArg } from './kernel_spec.js';

/**
 * Horizontal fusion: a detection head runs the same short chain at three pyramid levels, and
 * the levels (and a level's box and class branches) are independent. Kernels are ordered by
 * dependency depth — depth(k) = 1 + the deepest kernel that writes something k reads — so
 * kernels of one depth never read each other's results, and those of one depth that can run
 * one block at a time (a `blockFunction`, 256-thread blocks, no by-value locals) share one
 * launch: the grid is their grids end to end, and each block runs its part's block function.
 *
 * The memory plan then sees a fused launch as one step, so no two parts' buffers overlap.
 */

/** Where a tensor lives: its storage's root value and its element range there (channel-range views share a root). */
interface Region {
  readonly base: Value;
  readonly start: number;
  readonly end: number;
}

/**
 * The kernels in launch order: by depth, then as generated; same-depth fusable kernels merged.
 * A kernel depends on every earlier kernel that wrote an overlapping range of a tensor it reads.
 */
export function fuseHorizontally(specs: readonly KernelSpec[], region: (v: Value) => Region): KernelSpec[] {
  const writers = new Map<Value, { start: number; end: number; kernel: number }[]>();
  const depth: number[] = [];
  specs.forEach((spec, i) => {
    let d = 0;
    for (const t of spec.tensors) {
      if (t.access !== 'read') continue;
      const r = region(t.value);
      for (const w of writers.get(r.base) ?? []) if (w.start < r.end && r.start < w.end) d = Math.max(d, depth[w.kernel]! + 1);
    }
    depth.push(d);
    for (const t of spec.tensors) {
      if (t.access !== 'write') continue;
      const r = region(t.value);
      const list = writers.get(r.base) ?? [];
      list.push({ start: r.start, end: r.end, kernel: i });
      writers.set(r.base, list);
    }
  });

  const order = specs.map((_, i) => i).sort((a, b) => depth[a]! - depth[b]! || a - b);
  const out: KernelSpec[] = [];
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j < order.length && depth[order[j]!] === depth[order[i]!]) j++;
    const level = order.slice(i, j).map((k) => specs[k]!);
    for (const group of withinSharedMemory(level.filter(canShareLaunch))) out.push(group.length >= 2 ? merge(group) : group[0]!);
    out.push(...level.filter((s) => !canShareLaunch(s)));
    i = j;
  }
  return out;
}

/**
 * A fused launch holds every part's static shared memory, plus the largest dynamic request:
 * split a depth's kernels into launches that stay within SHARED_BYTES_PER_LAUNCH (of the 48 KiB a
 * block may have without opting in).
 */
const SHARED_BYTES_PER_LAUNCH = 46 * 1024;

function withinSharedMemory(specs: readonly KernelSpec[]): KernelSpec[][] {
  const groups: KernelSpec[][] = [];
  let current: KernelSpec[] = [];
  const bytes = (g: readonly KernelSpec[]) => g.reduce((n, s) => n + (s.staticSharedBytes ?? 0), 0) + Math.max(0, ...g.map((s) => s.launch.sharedBytes));
  for (const s of specs) {
    if (current.length && bytes([...current, s]) > SHARED_BYTES_PER_LAUNCH) {
      groups.push(current);
      current = [];
    }
    current.push(s);
  }
  if (current.length) groups.push(current);
  return groups;
}

function canShareLaunch(spec: KernelSpec): boolean {
  return spec.blockFunction !== undefined && !spec.parts && !spec.locals?.length && spec.launch.block === THREADS_PER_BLOCK;
}

/** Part i's tensor `x` is the fused kernel's `p{i}_x`. */
export const partTensorName = (part: number, name: string) => `p${part}_${name}`;

function merge(parts: readonly KernelSpec[]): KernelSpec {
  // Image-major parts over the same images make an image-major launch: each image's blocks of
  // every part, in turn.
  const images = (p: KernelSpec) => (p.imageBlocks === undefined ? -1 : p.launch.grid / p.imageBlocks);
  const imageMajor = parts.every((p) => images(p) >= 0 && images(p) === images(parts[0]!));
  // Blocks of every part share one dynamic shared-memory request: the largest part's.
  const largest = parts.reduce((best, p, i) => (p.launch.sharedBytes > parts[best]!.launch.sharedBytes ? i : best), 0);
  const tensors: TensorArg[] = parts.flatMap((p, i) => p.tensors.map((t) => ({ ...t, name: partTensorName(i, t.name) })));
  return {
    family: 'horizontal',
    template: [...new Set(parts.map((p) => p.template))].join(' + '),
    kernel: '',
    params: [],
    tensors,
    callArgs: tensors.map((t) => t.name),
    launch: {
      grid: parts.reduce((n, p) => n + p.launch.grid, 0),
      block: THREADS_PER_BLOCK,
      sharedBytes: parts[largest]!.launch.sharedBytes,
      ...(parts[largest]!.launch.sharedBytes > 0
        ? { sharedBytesWhy: `the largest part's, part ${largest}'s: ${parts[largest]!.launch.sharedBytesWhy ?? ''}` }
        : {}),
      barriers: parts.some((p) => p.launch.barriers),
    },
    ...(imageMajor ? { imageBlocks: parts.reduce((n, p) => n + p.imageBlocks!, 0) } : {}),
    nodes: parts.flatMap((p) => p.nodes),
    staticSharedBytes: parts.reduce((n, p) => n + (p.staticSharedBytes ?? 0), 0),
    flops: parts.reduce((n, p) => n + p.flops, 0),
    parts,
  };
}
