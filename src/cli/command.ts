import type { CliIO } from './io.js';

/** One `yhc` subcommand (commands/*.ts); main.ts dispatches to them. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly help: string;
  /** The options it accepts (node:util parseArgs config); its help documents each one. */
  readonly options: Readonly<Record<string, { readonly type: 'string' | 'boolean'; readonly short?: string; readonly multiple?: boolean }>>;
  /** Returns the exit code: 0 ok, 1 check mismatch; errors throw. */
  run(args: string[], io: CliIO): Promise<number>;
}
