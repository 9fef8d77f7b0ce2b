import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/util/package_root.js';

/**
 * Which named parameters (`P::name`) a device template function reads, so a kernel's Params
 * struct holds those and no others. Read from the templates themselves (templates/kernels/*.cuh):
 * every top-level function or struct is an entity; an entity reads the `P::` names in its own
 * text and in every entity it names (helpers, tile structs), transitively. Names are matched as
 * identifiers across all templates, so the answer may include a name a same-named helper reads
 * (one field too many, never one too few).
 */

interface Entity {
  readonly text: string;
  readonly reads: ReadonlySet<string>;
}

/** Source text without comments, and string and character literals emptied (so braces count). */
function code(src: string): string {
  let out = '';
  for (let i = 0; i < src.length;) {
    const two = src.slice(i, i + 2);
    if (two === '//') {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (two === '/*') {
      const end = src.indexOf('*/', i + 2);
      i = end < 0 ? src.length : end + 2;
      out += ' ';
    } else if (src[i] === '"' || src[i] === "'") {
      const quote = src[i]!;
      i++;
      while (i < src.length && src[i] !== quote) i += src[i] === '\\' ? 2 : 1;
      i++;
      out += `${quote}${quote}`;
    } else {
      out += src[i++];
    }
  }
  return out;
}

/** Top-level definitions (inside namespaces) of one file: name → their text. */
function definitions(src: string, into: Map<string, string[]>): void {
  const text = code(src);
  const kinds: ('namespace' | 'body')[] = [];
  let head = 0;
  let start = -1;
  let parens = 0; // open parentheses in the current head: a brace there is an initializer (`Stats s = Stats{}`)
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    const topLevel = kinds.every((k) => k === 'namespace');
    if (topLevel && ch === '(') parens++;
    else if (topLevel && ch === ')') parens--;
    else if (topLevel && parens > 0) continue;
    if (ch === '{') {
      if (topLevel && /\bnamespace\s*[\w:]*\s*$/.test(text.slice(head, i))) {
        kinds.push('namespace');
        head = i + 1;
      } else {
        if (topLevel) start = head;
        kinds.push('body');
      }
    } else if (ch === '}') {
      const kind = kinds.pop();
      if (kind === 'namespace') head = i + 1;
      else if (kinds.every((k) => k === 'namespace')) {
        const whole = text.slice(start, i + 1);
        const name = entityName(whole.slice(0, whole.indexOf('{')));
        if (name) into.set(name, [...(into.get(name) ?? []), whole]);
        head = i + 1;
      }
    } else if (ch === ';' && topLevel) {
      head = i + 1;
    }
  }
}

const NOT_NAMES = new Set(['__launch_bounds__', '__align__', 'alignas', 'decltype', 'sizeof', 'if', 'for', 'while', 'switch']);

/** The struct's or function's name in a definition's head. */
function entityName(head: string): string | null {
  const struct = /\b(?:struct|class|union)\s+(\w+)\s*(?:final\s*)?(?::[^{]*)?$/.exec(head.trim());
  if (struct) return struct[1]!;
  for (const m of head.matchAll(/(\w+)\s*\(/g)) if (!NOT_NAMES.has(m[1]!)) return m[1]!;
  return null;
}

let cache: Map<string, Entity> | null = null;

/** Every template entity, with the P:: names it reads transitively. */
function entities(): Map<string, Entity> {
  if (cache) return cache;
  const dir = join(packageRoot(), 'templates', 'kernels');
  const texts = new Map<string, string[]>();
  for (const f of readdirSync(dir).sort()) if (f.endsWith('.cuh')) definitions(readFileSync(join(dir, f), 'utf8'), texts);
  const own = new Map<string, { text: string; reads: Set<string>; names: Set<string> }>();
  for (const [name, parts] of texts) {
    const text = parts.join('\n');
    const reads = new Set([...text.matchAll(/\bP::(\w+)/g)].map((m) => m[1]!));
    const names = new Set([...text.matchAll(/\b\w+\b/g)].map((m) => m[0]).filter((w) => w !== name && texts.has(w)));
    own.set(name, { text, reads, names });
  }
  const result = new Map<string, Entity>();
  for (const [name, e] of own) {
    const reads = new Set<string>();
    const seen = new Set<string>([name]);
    const todo = [name];
    while (todo.length) {
      const cur = own.get(todo.pop()!)!;
      for (const r of cur.reads) reads.add(r);
      for (const n of cur.names) if (!seen.has(n)) (seen.add(n), todo.push(n));
    }
    result.set(name, { text: e.text, reads });
  }
  return (cache = result);
}

/**
 * The `P::` names template function `fn` (`yhc::conv2d_tiled` or `conv2d_tiled`) reads, or null
 * when no template defines it.
 */
export function templateReads(fn: string): ReadonlySet<string> | null {
  return entities().get(fn.replace(/^yhc::/, ''))?.reads ?? null;
}
