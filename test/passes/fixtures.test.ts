import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PASSES, runPipeline, type PipelineReport } from '../../passes/index.js';
import { attrInt } from '../../src/ir/attributes.js';
import type { Graph, Node, Value } from '../../src/ir/graph.js';
import { loadModel } from '../../src/onnx/load.js';
import { loadDecodedModel } from '../../src/decode.js';
import { expectGraphsEqual } from '../helpers/graph_builder.js';
import { FIXTURES, fixture } from '../helpers/paths.js';

/**
 * The whole pass pipeline on every shared fixture, once each, with translation validation
 * (the interpreter runs the graph before the first pass and after every pass on the same seeded
 * inputs; a mismatch throws). What each pass must find is the fixture's own JSON
 * `pattern_summary`, written when the fixture was exported.
 */

interface PatternSummary {
  readonly bn_after_conv: number;
  readonly bn_identity_or_other: number;
  readonly parallel_branch_groups: Record<string, number>;
  readonly groupnorm_decomposed: number;
  readonly groupnorm_nodes: number;
  readonly simam: Record<string, number>;
  readonly dw_to_pw_chains: number;
  readonly silu: number;
  readonly dfl: number;
}

interface FixtureCase {
  readonly name: string;
  readonly batch?: number;
  readonly nc: number;
  readonly output: 'detections' | 'preds';
  readonly maxDet?: number;
  /** `--decode yolov10 --max-det N` applied first (raw-output heads). */
  readonly decode?: number;
}

const CASES: FixtureCase[] = [
  { name: 'improved_head_s', nc: 80, output: 'detections', maxDet: 300 },
  { name: 'tiny_head', nc: 4, output: 'detections', maxDet: 20 },
  { name: 'tiny_head_raw', nc: 4, output: 'preds' },
  { name: 'tiny_head_raw', nc: 4, output: 'detections', maxDet: 20, decode: 20 },
  { name: 'v10head_n', nc: 80, output: 'detections', maxDet: 300 },
  { name: 'v10head_n_unfused', nc: 80, output: 'detections', maxDet: 300 },
  { name: 'v10head_n_dynbatch', batch: 2, nc: 80, output: 'detections', maxDet: 300 },
];

/** Ops no optimized fixture may keep: all are folded, fused or recognized away. */
const GONE = ['BatchNormalization', 'InstanceNormalization', 'Pow', 'ReduceMean', 'ReduceSum', 'TopK', 'GatherElements', 'Sigmoid', 'Softmax'];

const summaryOf = (name: string): PatternSummary => JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')).pattern_summary;
const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
const yhcNodes = (g: Graph, op: string) => g.nodes.filter((n) => n.domain === 'ai.yhc' && n.opType === op);

/** How often one rule of a pass fired, over all its runs (canonicalize runs three times). */
function firedRule(report: PipelineReport, pass: string, rule: RegExp): number {
  return report.passes
    .filter((p) => p.name === pass)
    .reduce(
      (n, p) =>
        n +
        Object.entries(p.fired)
          .filter(([k]) => rule.test(k))
          .reduce((a, [, v]) => a + v, 0),
      0,
    );
}
const fired = (report: PipelineReport, pass: string) => firedRule(report, pass, /./);

/** The nodes that compute `v` from the graph inputs (its cone). */
function coneOf(v: Value): Set<Node> {
  const cone = new Set<Node>();
  const stack = [v];
  while (stack.length) {
    const p = stack.pop()!.producer;
    if (!p || cone.has(p)) continue;
    cone.add(p);
    for (const i of p.inputs) if (i && !i.constant) stack.push(i);
  }
  return cone;
}

interface Optimized {
  readonly graph: Graph;
  readonly report: PipelineReport;
  readonly outputNames: readonly string[];
}

function optimize(c: FixtureCase): Optimized {
  const options = c.batch ? { batch: c.batch } : {};
  const graph = c.decode
    ? loadDecodedModel(fixture(c.name), { ...options, decode: { format: 'yolov10', maxDet: c.decode } }).graph
    : loadModel(fixture(c.name), options);
  const outputNames = graph.outputs.map((v) => v.name);
  return { graph, report: runPipeline(graph, PASSES, { verify: true }), outputNames };
}

const optimized = new Map<string, Optimized>();
const keyOf = (c: FixtureCase) => `${c.name}/${c.batch ?? 1}/${c.decode ?? 0}`;

describe.each(CASES)('$name (batch $batch, --decode $decode)', (c) => {
  const summary = summaryOf(c.name);
  let graph: Graph;
  let report: PipelineReport;
  beforeAll(() => {
    const o = optimize(c);
    optimized.set(keyOf(c), o);
    ({ graph, report } = o);
  }, 180_000);

  it('every pass computes what the graph before it did (translation validation, 1e-4 relative)', () => {
    expect(report.verifySeed).toBe(0);
    for (const p of report.passes) {
      expect(p.verify, p.name).toBeDefined();
      for (const check of p.verify!) {
        expect(check.ok, `${p.name}: ${check.detail}`).toBe(true);
        expect(check.maxRel, `${p.name} ${check.name}`).toBeLessThanOrEqual(1e-4);
      }
    }
  });

  it('folds every BatchNormalization: after convs into them, identity branches through RepConv', () => {
    expect(report.opsBefore['BatchNormalization'] ?? 0).toBe(summary.bn_after_conv + summary.bn_identity_or_other);
    expect(firedRule(report, 'fold-batchnorm', /into the conv before it/)).toBe(summary.bn_after_conv);
    expect(firedRule(report, 'fold-batchnorm', /ai\.yhc\.Affine/)).toBe(summary.bn_identity_or_other);
    expect(fired(report, 'fold-repconv')).toBe(sum(summary.parallel_branch_groups));
    expect(report.opsAfter['ai.yhc.Affine'] ?? 0).toBe(0);
  });

  it('fuses every GroupNorm and SimAM, groups every DW→PW chain, absorbs every SiLU', () => {
    const groupNorms = summary.groupnorm_decomposed + summary.groupnorm_nodes;
    expect(fired(report, 'fuse-groupnorm')).toBe(groupNorms);
    expect(fired(report, 'inline-simam')).toBe(sum(summary.simam));
    expect(fired(report, 'group-dw-pw')).toBe(summary.dw_to_pw_chains);
    expect(firedRule(report, 'canonicalize', /SiLU absorbed/)).toBe(summary.silu);
    expect(yhcNodes(graph, 'SimAM')).toHaveLength(sum(summary.simam));
    const dwpws = yhcNodes(graph, 'DwPw');
    expect(dwpws).toHaveLength(summary.dw_to_pw_chains);
    // Every GroupNorm went into a DwPw stage.
    const norms = dwpws.flatMap((n) => [attrInt(n, 'dw_norm_groups'), attrInt(n, 'pw_norm_groups')]).filter((g) => g > 0);
    expect(norms.length + yhcNodes(graph, 'GroupNorm').length).toBe(groupNorms);
    for (const n of dwpws) expect(n.attrs.get('pw_activation')).toEqual({ type: 'string', value: 'silu' });
  });

  it('recognizes the decoder as one YoloDecode with the head geometry', () => {
    const decoder = report.passes.find((p) => p.name === 'recognize-decoder')!;
    expect(Object.values(decoder.fired)).toEqual([summary.dfl]);
    expect(decoder.notes).toEqual([]);
    const [d, ...more] = yhcNodes(graph, 'YoloDecode');
    expect(more).toHaveLength(0);
    const attr = (name: string) => d!.attrs.get(name)?.value;
    expect([attr('nc'), attr('reg_max'), attr('strides'), attr('grid_cell_offset'), attr('output'), attr('max_det')]).toEqual([
      c.nc,
      16,
      [8, 16, 32],
      0.5,
      c.output,
      c.maxDet,
    ]);
    expect(d!.inputs).toHaveLength(6);
    expect(graph.outputs[0]!.producer).toBe(d);
  });

  it('keeps the graph outputs and leaves none of the decomposed ops', () => {
    expect(graph.outputs.map((v) => v.name)).toEqual(optimized.get(keyOf(c))!.outputNames);
    for (const op of GONE) expect(report.opsAfter[op] ?? 0, op).toBe(0);
  });

  it("leaves each level's class branch at most four ops", () => {
    const d = yhcNodes(graph, 'YoloDecode')[0]!;
    const classInputs = d.inputs.filter((_, i) => i % 2 === 1) as Value[];
    expect(classInputs).toHaveLength(3);
    for (const v of classInputs) {
      const ops = [...coneOf(v)].map((n) => n.opType);
      expect(ops.length, `${v.name}: ${ops.join(', ')}`).toBeLessThanOrEqual(4);
    }
  });
});

describe('v10head_n_unfused', () => {
  it("optimizes to v10head_n's graph (same ops, weights within 1e-5)", () => {
    const fused = optimized.get(keyOf({ name: 'v10head_n', nc: 80, output: 'detections' }))!;
    const unfused = optimized.get(keyOf({ name: 'v10head_n_unfused', nc: 80, output: 'detections' }))!;
    expect(fused && unfused).toBeTruthy();
    expect(unfused.report.opsAfter).toEqual(fused.report.opsAfter);
    expectGraphsEqual(unfused.graph, fused.graph, 1e-5);
  });
});
