import { describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/io.js';
import { progressBar, progressLine, progressReporter } from '../../src/cli/progress.js';
import { FIXTURES, fixture } from '../helpers/paths.js';
import { yhcOnTerminal } from './run_in_process.js';

/** Progress lines (issue 13 item 6): drawn on a terminal, nothing in logs or with --quiet. */
function capture(interactive: boolean): { io: CliIO; text: () => string } {
  let err = '';
  return { io: { out: () => {}, err: (t) => void (err += t), interactive, columns: 100 }, text: () => err };
}

describe('progress lines', () => {
  it('draws_a_bar_of_twenty_cells_with_the_count_and_the_unit', () => {
    expect(progressLine('building', 0, 4, 'a.cu')).toBe('building   [░░░░░░░░░░░░░░░░░░░░]  0/4  a.cu');
    expect(progressLine('building', 2, 4, 'b.cu')).toBe('building   [██████████░░░░░░░░░░]  2/4  b.cu');
    expect(progressLine('building', 4, 4)).toBe('building   [████████████████████]  4/4');
    expect(progressLine('building', 7, 97, 'x')).toContain('  7/97  x');
  });

  it('cuts_a_line_to_the_terminal_width', () => {
    const line = progressLine('building', 3, 9, 'kernels/a_very_long_kernel_file_name_that_does_not_fit.cu', 50);
    expect(line).toHaveLength(49);
    expect(line.endsWith('…')).toBe(true);
  });

  it('redraws_in_place_on_a_terminal_and_clears_the_line_at_the_end', () => {
    const t = capture(true);
    const report = progressReporter(t.io, false);
    report({ phase: 'emit', message: '3 kernels' });
    report({ phase: 'build', done: 1, total: 2, unit: 'kernels/k0.cu', cached: false });
    report({ phase: 'build', done: 2, total: 2, unit: 'engine.cu', cached: true });
    report({ phase: 'done', message: '/tmp/out' });
    expect(t.text()).toBe(
      '\r\x1b[Kemitting 3 kernels…' +
        '\r\x1b[Kbuilding   [██████████░░░░░░░░░░]  1/2  compiled kernels/k0.cu' +
        '\r\x1b[Kbuilding   [████████████████████]  2/2  cached   engine.cu' +
        '\r\x1b[K',
    );
  });

  it('writes_nothing_into_a_log_or_with_quiet', () => {
    for (const [interactive, quiet] of [
      [false, false],
      [true, true],
    ] as const) {
      const t = capture(interactive);
      const bar = progressBar(t.io, quiet);
      bar.step('running onnxruntime');
      bar.update('building', 1, 2, 'a.cu');
      bar.end();
      progressReporter(t.io, quiet)({ phase: 'build', done: 1, total: 1, unit: 'a.cu', cached: false });
      expect(t.text()).toBe('');
    }
  });

  it('skips_redraws_closer_than_50_ms_but_never_the_last', () => {
    const t = capture(true);
    const bar = progressBar(t.io, false);
    for (let i = 1; i <= 1000; i++) bar.update('runs', i, 1000);
    const draws = t.text().split('\r\x1b[K').filter(Boolean);
    expect(draws.length).toBeLessThan(100);
    expect(draws.at(-1)).toContain('1000/1000');
  });
});

describe('yhc check on a terminal', () => {
  it('names_the_running_step_then_clears_the_line_before_the_report', async () => {
    const r = await yhcOnTerminal('check', fixture('tiny_head'), '--inputs', FIXTURES);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('\r\x1b[Krunning the engine (host emulation)…');
    expect(r.stderr).toContain('\r\x1b[Krunning onnxruntime…');
    expect(r.stderr.endsWith('\r\x1b[K')).toBe(true);
    expect(r.stdout).toMatch(/PASS/);
    expect((await yhcOnTerminal('check', fixture('tiny_head'), '--inputs', FIXTURES, '--json')).stderr).toBe('');
  }, 600_000);
});
