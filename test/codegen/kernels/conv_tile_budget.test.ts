import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { kernelSource } from '../../../codegen/emit/kernel_source.js';
import { planGraph, type PlannedKernel } from '../../../codegen/plan.js';
import { applyPrecision, type Precision } from '../../../codegen/precision.js';
import { GraphBuilder } from '../../helpers/graph_builder.js';
import { ints } from '../../helpers/attrs.js';
import { randomTensor } from '../../helpers/models.js';
import { REPO } from '../../helpers/paths.js';

/**
 * conv2d_tiled's tile lives once: codegen/kernels/conv_tiled.ts emits the tile sizes and the
 * tile product's shared memory (what horizontal fusion budgets with) into Params, and
 * conv_tile_product.cuh reads the sizes from P and static_asserts its own shared arrays against
 * the budget — so a formula that drifts on either side fails the build. Checked with g++
 * -fsyntax-only under host emulation, for the CUDA-core (fp32) and tensor-core (fp16) products.
 */
const dir = mkdtempSync(join(tmpdir(), 'yhc-tile-budget-'));
// The launcher includes the build's kernels.h (its declarations): not needed for one file.
writeFileSync(join(dir, 'kernels.h'), '#pragma once\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tiledConv(precision: Precision): PlannedKernel {
  const b = new GraphBuilder(17);
  const x = b.input('x', 'float32', [1, 16, 10, 9]);
  b.output(
    b.op('Conv', [x, b.constant(randomTensor([70, 16, 3, 3], 1, 0.3)), b.constant(randomTensor([70], 2))], {
      kernel_shape: ints([3, 3]),
      pads: ints([1, 1, 1, 1]),
    }),
  );
  const graph = b.build();
  applyPrecision(graph, precision);
  const k = planGraph(graph).kernels.find((k) => k.spec.template === 'conv2d_tiled.cuh');
  if (!k) throw new Error('no conv2d_tiled kernel');
  return k;
}

async function syntaxCheck(name: string, source: string): Promise<{ ok: boolean; stderr: string }> {
  const file = join(dir, `${name}.cu`);
  writeFileSync(file, source);
  const r = await execa('g++', ['-std=c++17', '-fvisibility=hidden', '-fsyntax-only', '-x', 'c++', '-I', join(REPO, 'templates'), '-I', dir, file], {
    reject: false,
    timeout: 120_000,
  });
  return { ok: r.exitCode === 0, stderr: r.stderr };
}

const BUDGET = /static constexpr int tile_shared_bytes = (\d+);/;

describe('the tiled conv tile and its shared-memory budget', () => {
  it.each(['fp32', 'fp16'] as const)(
    '%s: Params carry the budget horizontal fusion uses, and the template agrees',
    async (precision) => {
      const k = tiledConv(precision);
      const budget = k.spec.params.find((p) => p.name === 'tile_shared_bytes');
      expect(budget).toEqual({ kind: 'int', name: 'tile_shared_bytes', value: k.spec.staticSharedBytes });
      const source = kernelSource(k);
      expect(source).toMatch(BUDGET);
      const r = await syntaxCheck(`ok_${precision}`, source);
      expect(r.stderr).toBe('');
      expect(r.ok).toBe(true);
    },
    120_000,
  );

  it.each(['fp32', 'fp16'] as const)(
    '%s: a budget that differs from the template fails the build',
    async (precision) => {
      const source = kernelSource(tiledConv(precision)).replace(BUDGET, (_, n: string) => `static constexpr int tile_shared_bytes = ${Number(n) - 4};`);
      const r = await syntaxCheck(`drift_${precision}`, source);
      expect(r.ok).toBe(false);
      expect(r.stderr).toContain('codegen/kernels/conv_tiled.ts budgets a different shared-memory size');
    },
    120_000,
  );
});
