import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileModel } from '../../src/compile.js';
import { convBlockSpec, writeModel } from '../helpers/models.js';
import { TEST_CACHE, tempDir } from '../helpers/paths.js';
import { yhcHere, yhcOnTerminal } from './run_in_process.js';

/** `yhc bench` (issue 13): latency statistics of a built engine, honest about the host target. */
const { dir, cleanup } = tempDir('yhc-bench-');
afterAll(cleanup);
const build = join(dir, 'build');

beforeAll(async () => {
  await compileModel(writeModel(dir, 'block.onnx', convBlockSpec({}, 4, 6)), { outDir: build, target: 'host', cacheDir: TEST_CACHE });
}, 600_000);

describe('yhc bench', () => {
  it('prints_latency_percentiles_and_says_host_numbers_are_the_emulations', async () => {
    const r = await yhcHere('bench', build, '--iterations', '5', '--warmup', '1');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(`${build}: host fp32, batch 1, 1 warm-up + 5 timed runs`);
    expect(lines[1]).toBe('host target: these are the CPU emulation’s timings, not a GPU’s');
    expect(lines[2]).toMatch(/^mode\s+median ms\s+p90 ms\s+p99 ms\s+min ms\s+images\/s$/);
    expect(lines[3]).toMatch(/^host emulation\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+$/);
    expect(lines[4]).toMatch(/^memory: [\d.]+ MB weights \+ [\d.]+ MB activation arena \(planned\)$/);
  });

  it('reports_ordered_statistics_as_json', async () => {
    const r = await yhcHere('bench', build, '--iterations', '7', '--warmup', '0', '--json');
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      target: string;
      batch: number;
      iterations: number;
      series: { mode: string; iterations: number; minMs: number; medianMs: number; p90Ms: number; p99Ms: number; imagesPerSecond: number }[];
    };
    expect(doc.target).toBe('host');
    expect(doc.iterations).toBe(7);
    expect(doc.series).toHaveLength(1);
    const s = doc.series[0]!;
    expect(s.mode).toBe('host emulation');
    expect(s.iterations).toBe(7);
    expect(s.minMs).toBeGreaterThan(0);
    expect(s.minMs).toBeLessThanOrEqual(s.medianMs);
    expect(s.medianMs).toBeLessThanOrEqual(s.p90Ms);
    expect(s.p90Ms).toBeLessThanOrEqual(s.p99Ms);
    expect(s.imagesPerSecond).toBeCloseTo(1000 / s.medianMs, 6);
  });

  it('draws_a_progress_bar_on_a_terminal_only', async () => {
    const shown = await yhcOnTerminal('bench', build, '--iterations', '3', '--warmup', '1');
    expect(shown.status).toBe(0);
    // The last redraw counts every run, and the line is cleared before the table prints.
    expect(shown.stderr).toContain('\r\x1b[Khost emulation [████████████████████]  4/4  runs');
    expect(shown.stderr.endsWith('\r\x1b[K')).toBe(true);
    expect((await yhcOnTerminal('bench', build, '--iterations', '3', '--quiet')).stderr).toBe('');
    expect((await yhcOnTerminal('bench', build, '--iterations', '3', '--json')).stderr).toBe('');
  });

  it('rejects_bad_counts_and_batches_in_one_line', async () => {
    expect((await yhcHere('bench', build, '--iterations', '0')).stderr).toBe('yhc: error[USAGE]: --iterations must be a positive integer, got "0"\n');
    expect((await yhcHere('bench', build, '--batch', '2')).stderr).toBe(
      'yhc: error[INPUT]: batch 2 is outside 1..1 (the batch this engine was compiled for)\n',
    );
    expect((await yhcHere('bench', join(dir, 'missing'))).stderr).toMatch(
      /^yhc: error\[IO\]: cannot read build directory ".*missing": no such file or directory\n$/,
    );
  });
});
