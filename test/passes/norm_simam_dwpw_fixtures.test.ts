import { describe, expect, it } from 'vitest';
import { PASSES, runPipeline, type PipelineReport } from '../../passes/index.js';
import { attrInt } from '../../src/ir/attributes.js';
import type { Graph } from '../../src/ir/graph.js';
import { loadModel } from '../../src/onnx/load.js';
import { fixture } from '../helpers/paths.js';

/**
 * fuse-groupnorm, inline-simam and group-dw-pw on the shared fixtures, through the whole
 * pipeline with translation validation (the interpreter checks every pass; a mismatch throws).
 */

interface Expected {
  readonly name: string;
  readonly batch?: number;
  /** GroupNorms fuse-groupnorm makes (all of them end up inside DwPw ops). */
  readonly groupNorms: number;
  readonly simams: number;
  readonly dwpws: number;
  /** Norms per DwPw: both stages (improved head) or none (stock head, BN folded). */
  readonly normed: boolean;
}

const CASES: Expected[] = [
  { name: 'improved_head_s', groupNorms: 6, simams: 3, dwpws: 3, normed: true },
  { name: 'tiny_head', groupNorms: 6, simams: 3, dwpws: 3, normed: true },
  { name: 'tiny_head_raw', groupNorms: 6, simams: 3, dwpws: 3, normed: true },
  { name: 'v10head_n', groupNorms: 0, simams: 0, dwpws: 6, normed: false },
  { name: 'v10head_n_unfused', groupNorms: 0, simams: 0, dwpws: 6, normed: false },
  { name: 'v10head_n_dynbatch', batch: 2, groupNorms: 0, simams: 0, dwpws: 6, normed: false },
];

/** What the decomposed GroupNorm and SimAM patterns are made of (the decoder owns none of these). */
const DECOMPOSED_OPS = ['InstanceNormalization', 'Pow', 'ReduceMean', 'ReduceSum'];

const fired = (report: PipelineReport, pass: string) =>
  report.passes.filter((p) => p.name === pass).reduce((n, p) => n + Object.values(p.fired).reduce((a, b) => a + b, 0), 0);
const yhcNodes = (g: Graph, op: string) => g.nodes.filter((n) => n.domain === 'ai.yhc' && n.opType === op);

describe.each(CASES)('$name', (c) => {
  it(
    `${c.groupNorms} GroupNorm, ${c.simams} SimAM, ${c.dwpws} DwPw; no decomposed norm or SimAM op left`,
    () => {
      const graph = loadModel(fixture(c.name), c.batch ? { batch: c.batch } : {});
      const report = runPipeline(graph, PASSES, { verify: true });
      expect(fired(report, 'fuse-groupnorm')).toBe(c.groupNorms);
      expect(fired(report, 'inline-simam')).toBe(c.simams);
      expect(fired(report, 'group-dw-pw')).toBe(c.dwpws);

      expect(yhcNodes(graph, 'SimAM')).toHaveLength(c.simams);
      const dwpws = yhcNodes(graph, 'DwPw');
      expect(dwpws).toHaveLength(c.dwpws);
      // Every GroupNorm went into a DwPw: one before and one after each pointwise conv.
      const norms = dwpws.flatMap((n) => [attrInt(n, 'dw_norm_groups'), attrInt(n, 'pw_norm_groups')]).filter((g) => g > 0);
      expect(norms).toHaveLength(c.normed ? 2 * c.dwpws : 0);
      expect(norms.length + yhcNodes(graph, 'GroupNorm').length).toBe(c.groupNorms);
      for (const n of dwpws) expect(n.attrs.get('pw_activation')).toEqual({ type: 'string', value: 'silu' });

      for (const op of DECOMPOSED_OPS) expect(report.opsAfter[op] ?? 0, op).toBe(0);
      for (const name of ['fuse-groupnorm', 'inline-simam', 'group-dw-pw']) {
        expect(report.passes.filter((p) => p.name === name).flatMap((p) => p.notes), `${name} notes`).toEqual([]);
      }
    },
    120_000,
  );
});
