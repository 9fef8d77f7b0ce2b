import type { CompileProgress } from '../compile.js';
import type { CliIO } from './io.js';

/**
 * Progress of long steps on stderr: compiler runs as `[ 12/97] kernels/k11_conv.cu`, redrawn
 * in place on a terminal, one line per 10% otherwise (logs stay short).
 */
export function progressReporter(io: CliIO, quiet: boolean): (e: CompileProgress) => void {
  let lastDecile = -1;
  let started = 0;
  return (e) => {
    if (quiet) return;
    if (e.phase !== 'build') {
      if (e.phase === 'emit') io.err(`yhc: emitting ${e.message}\n`);
      if (e.phase === 'done' && started && io.interactive) io.err('\n');
      return;
    }
    if (!started) started = performance.now();
    const width = String(e.total).length;
    const line = `[${String(e.done).padStart(width)}/${e.total}] ${e.cached ? 'cached ' : 'compiled'} ${e.unit}`;
    if (io.interactive) {
      io.err(`\r\x1b[K${line}`);
    } else {
      const decile = Math.floor((10 * e.done) / e.total);
      if (decile !== lastDecile || e.done === e.total) {
        lastDecile = decile;
        io.err(`${line}\n`);
      }
    }
  };
}
