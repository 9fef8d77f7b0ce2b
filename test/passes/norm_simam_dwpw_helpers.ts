import { expect } from 'vitest';
import type { Pass } from '../../passes/pass.js';
import { runPipeline, type PipelineReport } from '../../passes/pipeline.js';
import { cloneGraph } from '../../src/ir/clone.js';
import type { Graph } from '../../src/ir/graph.js';
import { Tensor } from '../../src/tensor.js';
import { expectGraphsEqual, expectSameOutputs } from '../helpers/graph_builder.js';
import { f32 } from '../helpers/tensors.js';

/** Shared by the fuse-groupnorm, inline-simam and group-dw-pw pass tests. */

export { float, int, ints, str } from '../helpers/attrs.js';
export { f32 };
export const YHC = { domain: 'ai.yhc' } as const;

export const i64 = (values: number[]) => Tensor.from('int64', [values.length], values);
export const scalar = (value: number) => Tensor.scalar('float32', value);
export const filled = (shape: number[], value: number) => f32(shape, new Array<number>(shape.reduce((a, b) => a * b, 1)).fill(value));

/** Apply passes in order (as the pipeline does: ai.yhc is imported once a pass fires). */
export function apply(graph: Graph, ...passes: Pass[]): PipelineReport {
  return runPipeline(graph, passes);
}

/** The notes a pass left in a report. */
export function notesOf(report: PipelineReport, pass: Pass): string[] {
  return report.passes.filter((p) => p.name === pass.name).flatMap((p) => [...p.notes]);
}

/** How often a pass fired (all rules together). */
export function firedOf(report: PipelineReport, pass: Pass): number {
  return report.passes.filter((p) => p.name === pass.name).reduce((n, p) => n + Object.values(p.fired).reduce((a, b) => a + b, 0), 0);
}

/**
 * A negative test: the pass leaves `graph` exactly as it was, says why in a note matching
 * `why`, and the graph still computes what it did.
 */
export function expectLeftAlone(graph: Graph, pass: Pass, why: RegExp): void {
  const before = cloneGraph(graph);
  const report = apply(graph, pass);
  expect(firedOf(report, pass)).toBe(0);
  expectGraphsEqual(graph, before);
  expect(notesOf(report, pass).join('\n')).toMatch(why);
  expectSameOutputs(before, graph);
}
