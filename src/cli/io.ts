/** Where a command writes: stdout for results (one JSON document with --json), stderr for
 *  progress and errors. Tests pass buffers. */
export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  /** Whether stderr is a terminal (progress then redraws one line). */
  readonly interactive: boolean;
  /** The terminal's width, when stderr is one (progress lines are cut to fit). */
  readonly columns?: number;
}

export const processIO: CliIO = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  interactive: Boolean(process.stderr.isTTY),
  get columns() {
    return process.stderr.columns;
  },
};
