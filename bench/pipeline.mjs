// Pipeline benchmarks (CPU only; run after `npm run build`):
//   node bench/pipeline.mjs
// 1. `yhc compile --no-build` of improved_head_s, wall time of the CLI process (target: < 2 s)
// 2. a host-emulated run of tiny_head through the Engine (target: < 2 s)
// 3. cold (empty cache) and cached build times of v10head_n for --target host and --target cuda
// Prints a Markdown table for bench/RESULTS.md.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileModel } from '../dist/src/compile.js';
import { Engine } from '../dist/src/runtime/engine.js';
import { findOnPath } from '../dist/codegen/toolchain/toolchain.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const fixture = (n) => join(repo, 'test', 'data', 'fixtures', `${n}.onnx`);
const work = mkdtempSync(join(tmpdir(), 'yhc-bench-'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = [];

function timeCli(args, runs) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const r = spawnSync(process.execPath, [join(repo, 'bin', 'yhc.js'), ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    times.push(performance.now() - t);
  }
  return times;
}

try {
  const noBuild = timeCli(['compile', fixture('improved_head_s'), '-o', join(work, 'nobuild'), '--no-build', '--quiet'], 5);
  rows.push(['`yhc compile --no-build` improved_head_s (CLI process, median of 5)', `${(median(noBuild) / 1000).toFixed(2)} s`]);

  const cache = join(work, 'cache-run');
  await compileModel(fixture('tiny_head'), { outDir: join(work, 'tiny'), target: 'host', cacheDir: cache });
  const engine = Engine.load(join(work, 'tiny'));
  const inputs = Object.fromEntries(
    engine.inputs.map((i) => {
      const b = readFileSync(join(repo, 'test', 'data', 'fixtures', `tiny_head.input.${i.name}.bin`));
      return [i.name, new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength))];
    }),
  );
  const runs = [];
  for (let i = 0; i < 10; i++) {
    const t = performance.now();
    engine.run(inputs);
    runs.push(performance.now() - t);
  }
  engine.dispose();
  rows.push(['host-emulated run of tiny_head (Engine.run, median of 10)', `${median(runs).toFixed(1)} ms`]);

  for (const target of ['host', 'cuda']) {
    if (target === 'cuda' && !findOnPath('nvcc')) {
      rows.push([`v10head_n build, --target cuda`, 'nvcc not on PATH']);
      continue;
    }
    const cacheDir = join(work, `cache-${target}`);
    const cold = await compileModel(fixture('v10head_n'), { outDir: join(work, `v10-${target}-1`), target, cacheDir });
    const t = performance.now();
    const warm = await compileModel(fixture('v10head_n'), { outDir: join(work, `v10-${target}-2`), target, cacheDir });
    const warmWall = performance.now() - t;
    rows.push([`v10head_n build, --target ${target}, cold cache (${cold.manifest.build.units} compiler runs)`, `${cold.manifest.build.seconds.toFixed(1)} s`]);
    rows.push([
      `v10head_n compile, --target ${target}, cached (${warm.manifest.build.cacheHits}/${warm.manifest.build.units} from cache; whole compileModel)`,
      `${(warmWall / 1000).toFixed(2)} s`,
    ]);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

console.log(`Machine: ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}\n`);
console.log('| measurement | result |\n| --- | --- |');
for (const [what, value] of rows) console.log(`| ${what} | ${value} |`);
