import { YhcError } from '../src/errors.js';
import type { OutputCheck } from '../src/golden/check_output.js';
import { YHC_DOMAIN, type Graph } from '../src/ir/graph.js';
import { opCounts, printGraph } from '../src/ir/print.js';
import type { Tensor } from '../src/tensor.js';
import { PassLog, type Pass } from './pass.js';
import { compareStages, evaluate, seededGraphInputs } from './verify.js';

export interface PassReport {
  readonly name: string;
  readonly rule: string;
  /** How often each rewrite fired. */
  readonly fired: Record<string, number>;
  /** Near-matches left alone, with the reason. */
  readonly notes: readonly string[];
  readonly nodesBefore: number;
  readonly nodesAfter: number;
  readonly milliseconds: number;
  /** With verification: every output of the graph after the pass against before it. */
  readonly verify?: readonly OutputCheck[];
  /** Not run (`--skip-pass`). */
  readonly skipped?: true;
}

export interface PipelineReport {
  readonly passes: readonly PassReport[];
  readonly opsBefore: Record<string, number>;
  readonly opsAfter: Record<string, number>;
  readonly milliseconds: number;
  readonly verifySeed?: number;
}

export interface OptimizeOptions {
  /** Translation-validate every pass with seeded random inputs; a mismatch throws MISMATCH. */
  readonly verify?: boolean;
  readonly seed?: number;
  /** Pass names after which to hand the IR text to `onPrint` ('all' for every pass). */
  readonly printAfter?: readonly string[] | 'all';
  readonly onPrint?: (pass: string, ir: string) => void;
  /** Pass names not to run (`--skip-pass`); each is reported as skipped. */
  readonly skip?: readonly string[];
}

/**
 * Run passes in order over `graph` (in place). With `verify`, the interpreter runs the graph
 * before the first pass and after each one on the same inputs, and each stage must compute what
 * the previous one did.
 */
export function runPipeline(graph: Graph, passes: readonly Pass[], options: OptimizeOptions = {}): PipelineReport {
  const started = performance.now();
  const opsBefore = opCounts(graph);
  const known = new Set(passes.map((p) => p.name));
  const printAfter = options.printAfter === 'all' ? known : new Set(options.printAfter ?? []);
  for (const name of printAfter) {
    if (!known.has(name)) throw new YhcError('USAGE', `--print-after ${JSON.stringify(name)}: no such pass; the passes are ${[...known].join(', ')}`);
  }
  for (const name of options.skip ?? []) {
    if (!known.has(name)) throw new YhcError('USAGE', `--skip-pass ${JSON.stringify(name)}: no such pass; the passes are ${[...known].join(', ')}`);
  }
  const skip = new Set(options.skip ?? []);
  const seed = options.seed ?? 0;
  const inputs = options.verify ? seededGraphInputs(graph, seed) : null;
  let previous: Record<string, Tensor> | null = inputs ? evaluate(graph, inputs) : null;

  const reports: PassReport[] = [];
  for (const pass of passes) {
    const nodesBefore = graph.nodes.length;
    if (skip.has(pass.name)) {
      reports.push({ name: pass.name, rule: pass.rule, fired: {}, notes: [], nodesBefore, nodesAfter: nodesBefore, milliseconds: 0, skipped: true });
      continue;
    }
    const names = graph.outputs.map((v) => v.name);
    const log = new PassLog();
    const t0 = performance.now();
    pass.run(graph, log);
    if (log.total() > 0 && !graph.opsetImports.has(YHC_DOMAIN)) graph.opsetImports.set(YHC_DOMAIN, 1);
    const milliseconds = performance.now() - t0;
    let verify: OutputCheck[] | undefined;
    if (inputs && previous) {
      const now = evaluate(graph, inputs);
      verify = compareStages(graph, previous, now, names);
      const bad = verify.find((c) => !c.ok);
      if (bad) {
        throw new YhcError('MISMATCH', `pass ${pass.name} changed what the graph computes: output ${JSON.stringify(bad.name)}: ${bad.detail} (seed ${seed})`);
      }
      previous = now;
    }
    if (printAfter.has(pass.name)) options.onPrint?.(pass.name, printGraph(graph));
    reports.push({
      name: pass.name,
      rule: pass.rule,
      fired: Object.fromEntries(log.fired),
      notes: log.notes,
      nodesBefore,
      nodesAfter: graph.nodes.length,
      milliseconds,
      ...(verify ? { verify } : {}),
    });
  }
  return {
    passes: reports,
    opsBefore,
    opsAfter: opCounts(graph),
    milliseconds: performance.now() - started,
    ...(options.verify ? { verifySeed: seed } : {}),
  };
}
