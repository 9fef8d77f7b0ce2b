#!/usr/bin/env node
// Front-end fuzzing benchmark (issue 12; CPU only; run after `npm run build`):
//   node bench/fuzz.mjs [--cases 10000] [--first-seed 1] [--jobs 2] [--timeout-ms 10000] [--heap-mb 1024]
// Cases come from tools/fuzz.mjs (mutated seed models, load → passes → plan → emit, no C++
// build). Each runs in a worker thread with a heap limit; a case that does not answer within the
// time limit is terminated (its worker replaced) and, after the run, run again alone: over the
// limit again, it is a hang. A worker that exceeds its heap is an oom. Prints the count per outcome (and per error code) and every finding with its seed, so
// `--cases 1 --first-seed SEED` replays one.
import { readFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');

async function loadApi() {
  const [{ onnx }, { encodeModel }, { Tensor }, { compileModel }, { isYhcError, MAX_MESSAGE_CHARS }, fuzz] = await Promise.all([
    import('../dist/src/onnx/proto.js'),
    import('../dist/src/onnx/write.js'),
    import('../dist/src/tensor.js'),
    import('../dist/src/compile.js'),
    import('../dist/src/errors.js'),
    import('../tools/fuzz.mjs'),
  ]);
  const api = { onnx, encodeModel, Tensor, compileModel, isYhcError, MAX_MESSAGE_CHARS };
  const seeds = [...fuzz.seedModels(api), { name: 'tiny_head', bytes: new Uint8Array(readFileSync(join(repo, 'test', 'data', 'fixtures', 'tiny_head.onnx'))) }];
  return { api, seeds, fuzz };
}

async function worker() {
  const { api, seeds, fuzz } = await loadApi();
  const dir = join(tmpdir(), `yhc-fuzz-${process.pid}-${workerData.id}`);
  parentPort.on('message', async (seed) => {
    const c = fuzz.makeCase(api, seeds, seed);
    const r = await fuzz.runCase(api, c, join(dir, String(seed)));
    parentPort.postMessage({ seed, model: c.model, mutation: c.mutation, ...r });
  });
  parentPort.postMessage({ ready: true });
}

/**
 * Runs `seeds` on `jobs` worker threads; each answer goes to onResult, each case that does not
 * answer within timeoutMs to onTimeout (its worker is terminated and replaced), each worker that
 * dies to onDeath(seed, oom, message).
 */
function runSeeds(seeds, { jobs, timeoutMs, heapMb }, { onResult, onTimeout, onDeath }) {
  let index = 0;
  return new Promise((resolveAll) => {
    let workers = 0;
    const start = (id) => {
      const w = new Worker(fileURLToPath(import.meta.url), { workerData: { id }, resourceLimits: { maxOldGenerationSizeMb: heapMb } });
      workers++;
      let current = null;
      let timer = null;
      let finished = false;
      const give = () => {
        if (index >= seeds.length) {
          finished = true;
          void w.terminate();
          return;
        }
        current = seeds[index++];
        timer = setTimeout(() => {
          onTimeout(current);
          finished = true;
          void w.terminate();
          start(id);
        }, timeoutMs);
        w.postMessage(current);
      };
      w.on('message', (r) => {
        if (r.ready) return give();
        clearTimeout(timer);
        onResult(r);
        give();
      });
      w.on('error', (e) => {
        clearTimeout(timer);
        if (current !== null && !finished) {
          onDeath(current, e?.code === 'ERR_WORKER_OUT_OF_MEMORY', String(e?.message ?? e));
          finished = true;
          start(id);
        }
      });
      w.on('exit', () => {
        if (--workers === 0) resolveAll();
      });
    };
    for (let i = 0; i < Math.min(jobs, seeds.length); i++) start(i);
  });
}

async function main() {
  const { values } = parseArgs({
    options: {
      cases: { type: 'string', default: '10000' },
      'first-seed': { type: 'string', default: '1' },
      jobs: { type: 'string', default: String(Math.max(1, Math.min(cpus().length, 4))) },
      'timeout-ms': { type: 'string', default: '10000' },
      'heap-mb': { type: 'string', default: '1024' },
    },
  });
  const total = Number(values.cases);
  const first = Number(values['first-seed']);
  const limits = { jobs: Number(values.jobs), timeoutMs: Number(values['timeout-ms']), heapMb: Number(values['heap-mb']) };
  const counts = new Map();
  const findings = [];
  const times = [];
  let done = 0;
  const t0 = performance.now();
  const count = (key) => counts.set(key, (counts.get(key) ?? 0) + 1);
  const record = (r) => {
    done++;
    times.push(r.ms);
    count(r.outcome === 'error' ? `error[${r.code}]` : r.outcome);
    if (r.outcome !== 'ok' && r.outcome !== 'error') findings.push(`seed ${r.seed} (${r.model}: ${r.mutation}): ${r.outcome}: ${r.message}`);
    if (done % 500 === 0) process.stderr.write(`fuzz: ${done}/${total} cases, ${Math.round((performance.now() - t0) / 1000)} s\n`);
  };
  const onDeath = (seed, oom, message) => {
    findings.push(`seed ${seed}: ${oom ? 'oom' : 'crash'} (worker: ${message})`);
    count(oom ? 'oom' : 'crash');
    done++;
  };

  // A case over the time limit while `jobs` workers (and whatever else runs on the machine) share
  // the cores is a suspect, not yet a hang: after the run each suspect runs again alone, one
  // worker at a time, and only a case over the limit then too counts as a hang.
  const suspects = [];
  const seeds = Array.from({ length: total }, (_, i) => first + i);
  await runSeeds(seeds, limits, { onResult: record, onTimeout: (seed) => suspects.push(seed), onDeath });
  const retried = [];
  await runSeeds(
    suspects,
    { ...limits, jobs: 1 },
    {
      onResult: (r) => {
        retried.push(`${r.seed} ${r.ms.toFixed(0)} ms`);
        record(r);
      },
      onTimeout: (seed) => {
        findings.push(`seed ${seed}: hang (no answer in ${limits.timeoutMs} ms, under load and again alone)`);
        count('hang');
        done++;
      },
      onDeath,
    },
  );

  const seconds = (performance.now() - t0) / 1000;
  times.sort((a, b) => a - b);
  const at = (q) => (times.length ? times[Math.min(times.length - 1, Math.floor(q * times.length))].toFixed(0) : '-');
  console.log(`| cases | seeds | jobs | wall | per case median / p99 / max | ok | YhcError | crash | hang | oom |`);
  console.log(`| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |`);
  const errors = [...counts].filter(([k]) => k.startsWith('error[')).reduce((a, [, v]) => a + v, 0);
  console.log(
    `| ${done} | ${first}–${first + total - 1} | ${limits.jobs} | ${seconds.toFixed(0)} s | ${at(0.5)} / ${at(0.99)} / ${at(1)} ms | ${counts.get('ok') ?? 0} | ${errors} | ${counts.get('crash') ?? 0} | ${counts.get('hang') ?? 0} | ${counts.get('oom') ?? 0} |`,
  );
  console.log('');
  console.log(
    `YhcError codes: ${[...counts]
      .filter(([k]) => k.startsWith('error['))
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k.slice(6, -1)} ${v}`)
      .join(', ')}`,
  );
  if (suspects.length) console.log(`\nOver ${limits.timeoutMs} ms under load, then run alone: ${suspects.length} (${retried.join(', ') || 'none finished'})`);
  for (const f of findings) console.log(`FINDING ${f}`);
  process.exitCode = findings.length ? 1 : 0;
}

if (isMainThread) await main();
else await worker();
