import { YhcError, isYhcError } from '../errors.js';
import { packageVersion } from '../util/package_root.js';
import type { Command } from './command.js';
import { benchCommand } from './commands/bench.js';
import { checkCommand } from './commands/check.js';
import { compileCommand } from './commands/compile.js';
import { detectCommand } from './commands/detect.js';
import { inspectCommand } from './commands/inspect.js';
import { runCommand } from './commands/run.js';
import { processIO, type CliIO } from './io.js';

const COMMANDS: readonly Command[] = [compileCommand, inspectCommand, runCommand, checkCommand, benchCommand, detectCommand];

function usage(): string {
  return [
    `yhc ${packageVersion()} — compile YOLO detectors (whole models or heads) from ONNX to CUDA C++`,
    '',
    'Usage: yhc <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(9)} ${c.summary}`),
    '',
    "Run `yhc <command> --help` for a command's options.",
    'Errors print one line and exit with status 2; add --debug for a stack trace.',
    '',
  ].join('\n');
}

/** The CLI: returns the process exit status. */
export async function main(argv: readonly string[], io: CliIO = processIO): Promise<number> {
  const debug = argv.includes('--debug');
  const args = argv.filter((a) => a !== '--debug');
  const [name, ...rest] = args;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-V') {
    io.out(`${packageVersion()}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  try {
    if (!command) throw new YhcError('USAGE', `unknown command ${JSON.stringify(name)}; run yhc --help`);
    if (rest.includes('--help') || rest.includes('-h')) {
      io.out(command.help);
      return 0;
    }
    return await command.run(rest, io);
  } catch (e) {
    if (io.interactive) io.err('\r\x1b[K'); // a progress line may be drawn: the error starts a clean line
    if (isYhcError(e)) {
      io.err(`yhc: error[${e.code}]: ${e.message.replace(/\s*\n\s*/g, ' ')}\n`);
    } else {
      io.err(`yhc: internal error: ${(e as Error)?.message ?? String(e)} (please report it; --debug shows the stack)\n`);
    }
    if (debug) io.err(`${(e as Error)?.stack ?? ''}\n`);
    return 2;
  }
}
