import { parseArgs, type ParseArgsConfig } from 'node:util';
import { YhcError } from '../errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;
type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>>;

/**
 * node:util parseArgs with usage errors as YhcError('USAGE') in yhc's words: an unknown option
 * gets the nearest known one, a value-taking option followed by nothing (or by another option)
 * says so, a value that starts with '-' (`--batch -1`) is taken as the value (and then validated),
 * and an option that takes one value may be given once.
 */
export function parse<O extends Options>(args: string[], options: O, command: string): Parsed<O> {
  const normalized = normalizeArgs(args, options, command);
  try {
    return parseArgs({ args: normalized, options, allowPositionals: true, strict: true });
  } catch (e) {
    const first = (e as Error).message.split(/\.\s|\n/)[0]!.replace(/\.$/, '');
    throw new YhcError('USAGE', `${first} (see yhc ${command} --help)`);
  }
}

function normalizeArgs(args: readonly string[], options: Options, command: string): string[] {
  const shorts = new Map(Object.entries(options).flatMap(([name, o]) => (o.short ? [[o.short, name] as const] : [])));
  const lookup = (token: string): string | undefined => {
    if (token.startsWith('--')) {
      const name = token.slice(2).split('=')[0]!;
      return Object.hasOwn(options, name) ? name : undefined;
    }
    return shorts.get(token.slice(1, 2));
  };
  const seen = new Set<string>();
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const token = args[i]!;
    if (token === '--') {
      out.push(...args.slice(i));
      break;
    }
    if (!token.startsWith('-') || token === '-') {
      out.push(token);
      continue;
    }
    const name = lookup(token);
    if (name === undefined) throw unknownOption(token, options, command);
    const option = options[name]!;
    const inline = token.startsWith('--') ? token.includes('=') : token.length > 2;
    if (!option.multiple) {
      if (seen.has(name)) throw new YhcError('USAGE', `option --${name} is given more than once`);
      seen.add(name);
    }
    if (option.type === 'boolean') {
      if (inline) throw new YhcError('USAGE', `option --${name} takes no value, got ${JSON.stringify(token)}`);
      out.push(token);
      continue;
    }
    if (inline) {
      out.push(token);
      continue;
    }
    const value = args[i + 1];
    if (value === undefined || value.startsWith('--') || (value.startsWith('-') && lookup(value) !== undefined)) {
      throw new YhcError('USAGE', `option --${name} needs a value (see yhc ${command} --help)`);
    }
    out.push(`--${name}=${value}`);
    i++;
  }
  return out;
}

function unknownOption(token: string, options: Options, command: string): YhcError {
  const given = token.split('=')[0]!;
  const bare = given.replace(/^-+/, '');
  let best: { name: string; distance: number } | null = null;
  for (const name of Object.keys(options)) {
    const distance = editDistance(bare, name);
    if (distance <= Math.max(1, Math.floor(name.length / 3)) && (!best || distance < best.distance)) best = { name, distance };
  }
  return new YhcError('USAGE', `unknown option ${given} ${best ? `(did you mean --${best.name}?)` : `(see yhc ${command} --help)`}`);
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next.push(Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    row = next;
  }
  return row[b.length]!;
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
  return text === undefined
    ? undefined
    : text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
}

/** `--input name=FILE`, repeatable. */
export function namedFiles(values: string[] | undefined, flag: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const v of values ?? []) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new YhcError('USAGE', `${flag} takes name=FILE, got ${JSON.stringify(v)}`);
    const name = v.slice(0, eq);
    if (m.has(name))
      throw new YhcError('USAGE', `${flag} ${name}=… is given more than once (${JSON.stringify(m.get(name))} and ${JSON.stringify(v.slice(eq + 1))})`);
    m.set(name, v.slice(eq + 1));
  }
  return m;
}
