import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fuseHorizontally } from '../../codegen/horizontal_fusion.js';
import { kernelSource } from '../../codegen/emit/kernel_source.js';
import { planGraph, valueBytes } from '../../codegen/plan.js';
import { compileModel } from '../../src/compile.js';
import type { Attr, Graph, Value } from '../../src/ir/graph.js';
import { loadModel } from '../../src/onnx/load.js';
import { PASSES, runPipeline } from '../../passes/index.js';
import { expectMatchesOnnxRuntime, randomInputs, withEngine } from '../helpers/golden.js';
import { GraphBuilder } from '../helpers/graph_builder.js';
import { randomTensor, writeModel } from '../helpers/models.js';
import { TEST_CACHE, fixture, tempDir } from '../helpers/paths.js';

/**
 * Horizontal fusion: independent kernels of one dependency depth share a launch. Before/after
 * on a small three-level head; the emitted dispatch; the memory plan keeping a shared launch's
 * buffers apart; the launch-count targets on the fixtures; and a fused build against onnxruntime.
 */
const { dir, cleanup } = tempDir('yhc-horizontal-');
afterAll(cleanup);

const CONV3: Record<string, Attr> = { kernel_shape: { type: 'ints', value: [3, 3] }, pads: { type: 'ints', value: [1, 1, 1, 1] } };

/** Three levels, each Conv3x3 → Conv3x3, and one Relu of level 0 (a kernel without a block function). */
function threeLevels(options: { relu?: boolean; mixImages?: boolean } = {}): GraphBuilder {
  const b = new GraphBuilder(17);
  [8, 4, 2].forEach((hw, l) => {
    const x = b.input(`p${l}`, 'float32', [1, 3, hw, hw]);
    const c1 = b.op('Conv', [x, b.constant(randomTensor([4, 3, 3, 3], 10 * l + 1, 0.3))], CONV3);
    const c2 = b.op('Conv', [c1, b.constant(randomTensor([2, 4, 3, 3], 10 * l + 2, 0.3))], CONV3);
    b.output(c2);
    if (l === 0 && options.relu !== false) b.output(b.op('Relu', [x]));
    // A Transpose that moves the batch axis: its output's leading dim is not the images.
    if (l === 0 && options.mixImages) b.output(b.op('Transpose', [x], { perm: { type: 'ints', value: [1, 0, 2, 3] } }));
  });
  return b;
}

describe('horizontal fusion', () => {
  it('merges the kernels of each dependency depth that can share a launch', () => {
    const graph = threeLevels().build();
    const before = planGraph(graph, { horizontalFusion: false });
    const relu = before.kernels.find((k) => k.spec.nodes[0]!.opType === 'Relu')!;
    expect(relu.spec.blockFunction).toBeUndefined();
    const firstConvs = before.kernels.filter((k) => k.spec.nodes[0]!.opType === 'Conv' && graph.inputs.includes(k.spec.nodes[0]!.input(0)));
    const secondConvs = before.kernels.filter((k) => k.spec.nodes[0]!.opType === 'Conv' && !firstConvs.includes(k));
    expect([before.kernels.length, firstConvs.length, secondConvs.length]).toEqual([7, 3, 3]);

    const after = planGraph(threeLevels().build());
    // Depth 0: the three first convs share a launch, the Relu keeps its own; depth 1: the second convs.
    expect(after.kernels.map((k) => k.spec.family)).toEqual(['horizontal', relu.spec.family, 'horizontal']);
    const names = (ks: readonly { spec: { nodes: readonly { name: string }[] } }[]) => ks.map((k) => k.spec.nodes[0]!.name);
    expect(names(after.kernels[0]!.spec.parts!.map((spec) => ({ spec })))).toEqual(names(firstConvs));
    expect(names(after.kernels[2]!.spec.parts!.map((spec) => ({ spec })))).toEqual(names(secondConvs));
    expect(after.kernels[0]!.spec.launch.grid).toBe(firstConvs.reduce((n, k) => n + k.spec.launch.grid, 0));
    expect(after.kernels[0]!.spec.flops).toBe(firstConvs.reduce((n, k) => n + k.spec.flops, 0));
  });

  it('never puts a kernel before one whose result it reads', () => {
    const plan = planGraph(threeLevels().build());
    const written = new Map<Value, number>();
    plan.kernels.forEach((k, i) => k.spec.tensors.forEach((t) => t.access === 'write' && written.set(t.value, i)));
    plan.kernels.forEach((k, i) => {
      for (const t of k.spec.tensors) if (t.access === 'read' && written.has(t.value)) expect(written.get(t.value)!).toBeLessThan(i);
    });
  });

  it('emits an image-major dispatch that hands each block range to its part', () => {
    const plan = planGraph(threeLevels({ relu: false }).build());
    expect(plan.dynamicBatch).toBe(true);
    const k = plan.kernels[0]!;
    const [g0, g1] = k.spec.parts!.map((p) => p.imageBlocks!);
    const total = k.spec.imageBlocks!;
    expect(total).toBe(k.spec.parts!.reduce((n, p) => n + p.imageBlocks!, 0));
    const source = kernelSource(k);
    expect(source).toContain(`//   [0, ${g0}) part 0: conv2d_tiled.cuh, Conv`);
    // Each image's blocks of every part in turn: part i's block is image · its blocks per image + offset,
    // the ranges named per part.
    expect(source).toContain('  const int image = int(blockIdx.x) / kBlocksPerImage;');
    expect(source).toContain(`constexpr int kPart0Blocks = ${g0};`);
    expect(source).toContain(`constexpr int kPart1First = kPart0First + kPart0Blocks;\nconstexpr int kPart1Blocks = ${g1};`);
    const blocks = [...source.matchAll(/^constexpr int kPart\d+Blocks = (\d+);/gm)].map((m) => Number(m[1]));
    expect(blocks.reduce((a, b) => a + b, 0)).toBe(total);
    expect(source).toContain(
      [
        '  if (slot < kPart0First + kPart0Blocks) {',
        '    const int block = image * kPart0Blocks + slot;',
        '    yhc::conv2d_tiled_block<Part0>(block, p0_x, p0_w, nullptr, p0_y);',
        '    return;',
        '  }',
        '  if (slot < kPart1First + kPart1Blocks) {',
        '    const int block = image * kPart1Blocks + (slot - kPart1First);',
        '    yhc::conv2d_tiled_block<Part1>(block, p1_x, p1_w, nullptr, p1_y);',
      ].join('\n'),
    );
    // Only what the template reads: conv2d_tiled_block takes the batch from its block index.
    expect(source).toMatch(/struct Part2 \{\n {2}static constexpr int in_channels = \d+;/);
    expect(source).not.toContain('static constexpr int batch');
    // A run of `batch` images launches that many images' blocks.
    expect(source).toContain(
      `YHC_LAUNCH(\n      kernel,\n      dim3(batch * ${k.id}::kBlocksPerImage),\n      dim3(256),\n      0,\n      stream,\n      p0_x,\n      p0_w,\n      p0_y,\n      p1_x,`,
    );
  });

  it('negative: a plan with a kernel that is not image-major launches fixed grids', () => {
    // The Relu's elementwise kernel is image-major (codegen/kernels/flat_launch.ts); the Transpose that moves the batch is not.
    expect(planGraph(threeLevels().build()).dynamicBatch).toBe(true);
    const plan = planGraph(threeLevels({ mixImages: true }).build());
    expect(plan.dynamicBatch).toBe(false);
    expect(plan.kernels.find((k) => k.spec.nodes[0]!.opType === 'Transpose')!.spec.imageBlocks).toBeUndefined();
    const k = plan.kernels[0]!;
    expect(kernelSource(k)).toContain(`YHC_LAUNCH(\n      kernel,\n      dim3(${k.spec.launch.grid}),\n      dim3(256),\n      0,\n      stream,\n      p0_x,`);
  });

  it("keeps the buffers of one launch's parts apart in the arena", () => {
    const graph: Graph = loadModel(fixture('improved_head_s'));
    runPipeline(graph, PASSES);
    const plan = planGraph(graph);
    let checked = 0;
    for (const k of plan.kernels.filter((x) => x.spec.parts)) {
      const ranges = [...new Set(k.spec.tensors.map((t) => t.value))]
        .map((v) => ({ v, s: plan.storageOf(v) }))
        .filter(({ s }) => s.kind === 'arena')
        .map(({ v, s }) => [(s as { offset: number }).offset, (s as { offset: number }).offset + valueBytes(v)] as const);
      for (let a = 0; a < ranges.length; a++) {
        for (let b = a + 1; b < ranges.length; b++) {
          expect(ranges[a]![1] <= ranges[b]![0] || ranges[b]![1] <= ranges[a]![0], `${k.id}: buffers ${a} and ${b} overlap`).toBe(true);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it.each([
    ['v10head_n', 10, 'fp32'],
    ['improved_head_s', 14, 'fp32'],
    // Tensor-core tiles take more shared memory: the parts must still fit the same launches.
    ['v10head_n', 10, 'fp16'],
    ['improved_head_s', 14, 'fp16'],
  ] as const)("runs %s in at most %i launches with %s storage (issue 4's target, from the manifest)", async (name, most, precision) => {
    const { manifest } = await compileModel(fixture(name), { outDir: join(dir, `${name}_${precision}`), build: false, precision });
    expect(manifest.kernels.length).toBeLessThanOrEqual(most);
  });

  it('fp16 tensor-core tiles fit the same launches as fp32 ones (their staging and exchange share bytes)', async () => {
    for (const name of ['v10head_n', 'improved_head_s']) {
      const launches = async (precision: 'fp32' | 'fp16') =>
        (await compileModel(fixture(name), { outDir: join(dir, `${name}_count_${precision}`), build: false, precision })).manifest.kernels.length;
      expect(await launches('fp16'), name).toBe(await launches('fp32'));
    }
  });

  it('computes what onnxruntime computes on the original model (host emulation)', async () => {
    const model = join(dir, 'three_levels.onnx');
    writeModel(dir, 'three_levels.onnx', threeLevels().spec());
    const outDir = join(dir, 'three_levels_host');
    const { manifest } = await compileModel(model, { outDir, target: 'host', cacheDir: TEST_CACHE });
    expect(manifest.kernels.filter((k) => k.nodes.length > 1).length).toBeGreaterThan(0);
    await withEngine(outDir, async (engine) => {
      await expectMatchesOnnxRuntime(model, engine, randomInputs(engine.manifest.inputs, 5));
    });
  }, 120_000);
});

it('fuseHorizontally leaves a single fusable kernel per depth alone', () => {
  const b = new GraphBuilder(17);
  const x = b.input('x', 'float32', [1, 3, 4, 4]);
  b.output(b.op('Conv', [b.op('Conv', [x, b.constant(randomTensor([3, 3, 3, 3], 1))], CONV3), b.constant(randomTensor([2, 3, 3, 3], 2))], CONV3));
  const specs = planGraph(b.build(), { horizontalFusion: false }).kernels.map((k) => k.spec);
  expect(fuseHorizontally(specs, (v) => ({ base: v, start: 0, end: 1 }))).toEqual(specs);
});

it("splits a depth's kernels into launches whose static shared memory fits a block", () => {
  // 13 independent dense convs of 4 KiB of shared tiles each: 52 KiB do not fit one launch.
  const b = new GraphBuilder(17);
  for (let i = 0; i < 13; i++) {
    const x = b.input(`x${i}`, 'float32', [1, 2, 4, 4]);
    b.output(b.op('Conv', [x, b.constant(randomTensor([2, 2, 3, 3], i))], CONV3));
  }
  const plan = planGraph(b.build());
  const launches = plan.kernels.map((k) => ({ parts: k.spec.parts?.length ?? 1, shared: k.spec.staticSharedBytes ?? 0 }));
  expect(launches.map((l) => l.parts)).toEqual([11, 2]);
  for (const l of launches) expect(l.shared).toBeLessThanOrEqual(46 * 1024);
});
