import { parseArgs, type ParseArgsConfig } from 'node:util';
import { YhcError } from '../errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;
type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>>;

/** node:util parseArgs with usage errors as YhcError('USAGE'). */
export function parse<O extends Options>(args: string[], options: O, command: string): Parsed<O> {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new YhcError('USAGE', `${(e as Error).message.replace(/\.$/, '')} (see yhc ${command} --help)`);
  }
}

export function onePositional(positionals: string[], what: string, command: string): string {
  if (positionals.length !== 1) {
    throw new YhcError('USAGE', `yhc ${command} takes one ${what}, got ${positionals.length === 0 ? 'none' : positionals.join(' ')}`);
  }
  return positionals[0]!;
}

export function positiveInt(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[0-9]+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
    throw new YhcError('USAGE', `${flag} must be a positive integer, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

export function nonNegativeInt(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new YhcError('USAGE', `${flag} must be a non-negative integer, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

export function target(text: string | undefined): 'cuda' | 'host' | undefined {
  if (text === undefined || text === 'cuda' || text === 'host') return text;
  throw new YhcError('USAGE', `--target must be cuda or host, got ${JSON.stringify(text)}`);
}

export function archList(text: string | undefined): string[] | undefined {
  return text === undefined ? undefined : text.split(',').map((s) => s.trim()).filter(Boolean);
}

/** `--input name=FILE`, repeatable. */
export function namedFiles(values: string[] | undefined, flag: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const v of values ?? []) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new YhcError('USAGE', `${flag} takes name=FILE, got ${JSON.stringify(v)}`);
    m.set(v.slice(0, eq), v.slice(eq + 1));
  }
  return m;
}
