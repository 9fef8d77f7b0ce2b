import type { CompileProgress } from '../compile.js';
import type { CliIO } from './io.js';

/**
 * Progress of the long steps a user waits on: one line on stderr, redrawn in place —
 *
 *   building   [██████████░░░░░░░░░░]  41/97  compiled kernels/k11_conv.cu
 *
 * shown only on a terminal: in a log (stderr not a TTY), with --quiet or with --json nothing is
 * written, so logs hold results and errors only.
 */
export interface Progress {
  /** A step without a count (a run that cannot report its progress): its label, redrawn. */
  step(label: string): void;
  /** `done` of `total` units of the step `label`; `detail` names the unit. */
  update(label: string, done: number, total: number, detail?: string): void;
  /** Clears the line: the next output starts on a clean line. */
  end(): void;
}

const BAR_CELLS = 20;
const REDRAW_MS = 50;
const LABEL_WIDTH = 10;

/** The line drawn for `done` of `total` (pure: tests read it). */
export function progressLine(label: string, done: number, total: number, detail = '', columns = 80): string {
  const filled = total > 0 ? Math.min(BAR_CELLS, Math.floor((BAR_CELLS * done) / total)) : 0;
  const bar = `[${'█'.repeat(filled)}${'░'.repeat(BAR_CELLS - filled)}]`;
  const count = `${String(done).padStart(String(total).length)}/${total}`;
  const line = `${label.padEnd(LABEL_WIDTH)} ${bar}  ${count}${detail ? `  ${detail}` : ''}`;
  return line.length > columns - 1 ? `${line.slice(0, columns - 2)}…` : line;
}

export function progressBar(io: CliIO, quiet: boolean): Progress {
  if (quiet || !io.interactive) return { step() {}, update() {}, end() {} };
  let drawn = false;
  let last = 0;
  const draw = (line: string) => {
    io.err(`\r\x1b[K${line}`);
    drawn = true;
  };
  return {
    step(label) {
      draw(`${label}…`);
    },
    update(label, done, total, detail) {
      const now = performance.now();
      if (done < total && done > 0 && now - last < REDRAW_MS) return;
      last = now;
      draw(progressLine(label, done, total, detail, io.columns ?? 80));
    },
    end() {
      if (drawn) io.err('\r\x1b[K');
      drawn = false;
    },
  };
}

/** Compile progress (emit, then one unit per compiler run) drawn as a bar. */
export function progressReporter(io: CliIO, quiet: boolean): (e: CompileProgress) => void {
  const bar = progressBar(io, quiet);
  return (e) => {
    if (e.phase === 'build') bar.update('building', e.done, e.total, `${e.cached ? 'cached  ' : 'compiled'} ${e.unit}`);
    else if (e.phase === 'emit') bar.step(`emitting ${e.message}`);
    else if (e.phase === 'done') bar.end();
  };
}
