// Pass pipeline benchmark (CPU only; run after `npm run build`):
//   node bench/passes.mjs [runs]
// The whole pass pipeline (passes/index.ts PASSES, no verification) on each fixture, on a
// freshly loaded graph every run; loading is not timed. Target (issue 3): improved_head_s under
// 500 ms. Prints Markdown tables for bench/RESULTS.md: per fixture, then per pass for
// improved_head_s.
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel } from '../dist/src/onnx/load.js';
import { PASSES, runPipeline } from '../dist/passes/index.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const fixture = (n) => join(repo, 'test', 'data', 'fixtures', `${n}.onnx`);
const runs = Number(process.argv[2] ?? 10);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const FIXTURES = ['improved_head_s', 'tiny_head', 'tiny_head_raw', 'v10head_n', 'v10head_n_unfused', 'v10head_n_dynbatch'];
const rows = [];
const perPass = new Map();
for (const name of FIXTURES) {
  const totals = [];
  let nodes = '';
  for (let i = 0; i < runs + 1; i++) {
    const graph = loadModel(fixture(name));
    const before = graph.nodes.length;
    const t = performance.now();
    const report = runPipeline(graph, PASSES);
    const ms = performance.now() - t;
    if (i === 0) continue; // warm-up: JIT
    totals.push(ms);
    nodes = `${before} → ${graph.nodes.length}`;
    if (name === 'improved_head_s') {
      report.passes.forEach((p, k) => {
        const key = `${k + 1}. ${p.name}`;
        perPass.set(key, [...(perPass.get(key) ?? []), p.milliseconds]);
      });
    }
  }
  rows.push([name, nodes, `${median(totals).toFixed(0)} ms`, `${Math.max(...totals).toFixed(0)} ms`]);
}

console.log(`Machine: ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}; ${runs} runs after one warm-up\n`);
console.log('| fixture | nodes before → after | median | max |\n| --- | --- | --- | --- |');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
console.log('\n| pass (improved_head_s) | median |\n| --- | --- |');
for (const [pass, ms] of perPass) console.log(`| ${pass} | ${median(ms).toFixed(1)} ms |`);
