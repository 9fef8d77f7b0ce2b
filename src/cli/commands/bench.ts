import { YhcError } from '../../errors.js';
import { randomInputs } from '../../golden/random_inputs.js';
import type { TensorInfo } from '../../manifest.js';
import { Engine } from '../../runtime/engine.js';
import { allocateTypedArray, type TypedArray } from '../../typed_arrays.js';
import type { DType } from '../../dtype.js';
import { readInputFile } from '../../check/inputs.js';
import { namedFiles, nonNegativeInt, onePositional, parse, positiveInt } from '../args.js';
import type { Command } from '../command.js';
import { progressBar } from '../progress.js';

const OPTIONS = {
  batch: { type: 'string' },
  iterations: { type: 'string' },
  warmup: { type: 'string' },
  input: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  quiet: { type: 'boolean' },
} as const;

const DEFAULT_ITERATIONS = 100;
const DEFAULT_WARMUP = 10;

/** Latency statistics of one series of timed runs, in milliseconds. */
interface Series {
  readonly mode: string;
  readonly iterations: number;
  readonly medianMs: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly minMs: number;
  readonly meanMs: number;
  readonly imagesPerSecond: number;
}

/** The q-quantile of sorted values (nearest rank). */
function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

function summarize(mode: string, ms: number[], batch: number): Series {
  const sorted = [...ms].sort((a, b) => a - b);
  const median = quantile(sorted, 0.5);
  return {
    mode,
    iterations: ms.length,
    medianMs: median,
    p90Ms: quantile(sorted, 0.9),
    p99Ms: quantile(sorted, 0.99),
    minMs: sorted[0]!,
    meanMs: ms.reduce((a, b) => a + b, 0) / ms.length,
    imagesPerSecond: (batch * 1000) / median,
  };
}

/** A tensor of the engine holding `batch` images. */
const ofBatch = (info: TensorInfo, batch: number): TensorInfo =>
  batch === info.shape[0] ? info : { ...info, shape: [batch, ...info.shape.slice(1)], bytes: (info.bytes / info.shape[0]!) * batch };

/** Time `iterations` runs after `warmup` untimed ones, outputs preallocated; `progress` counts them. */
function timeRuns(
  engine: Engine,
  inputs: TypedArray[],
  batch: number,
  runs: { warmup: number; iterations: number },
  progress: (done: number) => void,
): number[] {
  const outputs = engine.outputs.map((o) => allocateTypedArray(o.dtype as DType, ofBatch(o, batch).shape));
  for (let i = 0; i < runs.warmup; i++) {
    engine.runPositional(inputs, outputs, batch);
    progress(i + 1);
  }
  const ms: number[] = [];
  for (let i = 0; i < runs.iterations; i++) {
    const t = performance.now();
    engine.runPositional(inputs, outputs, batch);
    ms.push(performance.now() - t);
    progress(runs.warmup + i + 1);
  }
  return ms;
}

/** Load an engine with YHC_NO_CUDA_GRAPH set as asked (the library reads it at creation). */
function loadEngine(dir: string, cudaGraph: boolean): Engine {
  const saved = process.env.YHC_NO_CUDA_GRAPH;
  process.env.YHC_NO_CUDA_GRAPH = cudaGraph ? '0' : '1';
  try {
    return Engine.load(dir);
  } finally {
    if (saved === undefined) delete process.env.YHC_NO_CUDA_GRAPH;
    else process.env.YHC_NO_CUDA_GRAPH = saved;
  }
}

const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(1) : ms >= 1 ? ms.toFixed(3) : ms.toFixed(4));

export const benchCommand: Command = {
  name: 'bench',
  summary: 'time a built engine: median / p90 / p99 latency and throughput',
  options: OPTIONS,
  help: `Usage: yhc bench BUILD_DIR [options]

Runs the engine of a build directory (from yhc compile) on seeded random inputs (or the given
files), untimed warm-up runs first, and prints median / p90 / p99 / min latency and throughput.
Each timed run is a whole yhc_engine_run_host call: on the cuda target it includes copying the
inputs to the GPU and the outputs back, and is timed once with the CUDA graph and once launching
kernel by kernel. On the host target the numbers are the CPU emulation's, not a GPU's: use them to
compare builds on one machine, never as GPU latency.

Options:
  --batch N         run N images (1 up to the compiled batch; fewer only on a dynamic-batch build)
  --iterations N    timed runs (default ${DEFAULT_ITERATIONS})
  --warmup N        untimed runs first (default ${DEFAULT_WARMUP})
  --input NAME=FILE an input from a .bin or .npy file instead of random data (one per input)
  --json            print one JSON document on stdout
  --quiet           no progress bar (shown on a terminal only)
`,
  async run(args, io) {
    const { values, positionals } = parse(args, OPTIONS, 'bench');
    const dir = onePositional(positionals, 'build directory', 'bench');
    const iterations = positiveInt(values.iterations, '--iterations') ?? DEFAULT_ITERATIONS;
    const warmup = nonNegativeInt(values.warmup, '--warmup') ?? DEFAULT_WARMUP;
    const files = namedFiles(values.input, '--input');
    const first = loadEngine(dir, true);
    const engines = [first];
    try {
      const m = first.manifest;
      const batch = positiveInt(values.batch, '--batch') ?? m.batch;
      first.checkBatch(batch);
      for (const name of files.keys()) {
        if (!first.inputs.some((i) => i.name === name)) throw new YhcError('INPUT', `the engine has no input ${JSON.stringify(name)}`);
      }
      const random = randomInputs(
        first.inputs.map((i) => ofBatch(i, batch)),
        1,
      );
      const inputs = first.inputs.map((info) => {
        const file = files.get(info.name);
        return file ? readInputFile(file, ofBatch(info, batch)) : random[info.name]!;
      });
      const series: Series[] = [];
      const bar = progressBar(io, Boolean(values.quiet || values.json));
      const timed = (mode: string, engine: Engine) => {
        const runs = timeRuns(engine, inputs, batch, { warmup, iterations }, (done) => bar.update(mode, done, warmup + iterations, 'runs'));
        bar.end();
        series.push(summarize(mode, runs, batch));
      };
      if (m.target === 'cuda') {
        timed('cuda graph', first);
        const plain = loadEngine(dir, false);
        engines.push(plain);
        timed('kernel by kernel', plain);
      } else {
        timed('host emulation', first);
      }
      const memory = { weightsBytes: m.weights.bytes, arenaBytes: m.arenaBytes };
      const note =
        m.target === 'host'
          ? 'host target: these are the CPU emulation’s timings, not a GPU’s'
          : 'each run includes the host↔device copies of inputs and outputs';
      if (values.json) {
        io.out(
          `${JSON.stringify({ build: dir, target: m.target, precision: m.precision.storage, batch, iterations, warmup, series, memory, note }, null, 2)}\n`,
        );
        return 0;
      }
      io.out(`${dir}: ${m.target} ${m.precision.storage}, batch ${batch}, ${warmup} warm-up + ${iterations} timed runs\n`);
      io.out(`${note}\n`);
      const header = ['mode', 'median ms', 'p90 ms', 'p99 ms', 'min ms', 'images/s'];
      const rows = series.map((s) => [s.mode, fmt(s.medianMs), fmt(s.p90Ms), fmt(s.p99Ms), fmt(s.minMs), s.imagesPerSecond.toFixed(1)]);
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
      for (const r of [header, ...rows]) io.out(`${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')}\n`);
      io.out(`memory: ${(memory.weightsBytes / 1e6).toFixed(2)} MB weights + ${(memory.arenaBytes / 1e6).toFixed(2)} MB activation arena (planned)\n`);
      return 0;
    } finally {
      for (const e of engines) e.dispose();
    }
  },
};
