import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { YhcError } from '../../src/errors.js';
import { packageRoot } from '../../src/util/package_root.js';

/**
 * `yhc compile --symbol-prefix P`: every name of the C ABI becomes P + name (`det_yhc_engine_create`,
 * `det_yhc_engine`), so engines of two builds link into one program. The names are read from
 * templates/yhc_engine.h itself (every `YHC_API` function and every handle typedef), so a call
 * added there is prefixed without a list to keep here. The build then gets a header declaring
 * the prefixed names, `#define`s in engine.cu that rename the runtime's definitions, and a linker
 * version script exporting exactly the prefixed functions (everything else stays local).
 */

const PREFIX = /^[A-Za-z_][A-Za-z0-9_]{0,31}$/;

/** error[USAGE] naming the value unless it is a C identifier prefix of at most 32 characters. */
export function validateSymbolPrefix(prefix: string): void {
  if (!PREFIX.test(prefix) || prefix.startsWith('__')) {
    throw new YhcError(
      'USAGE',
      `--symbol-prefix ${JSON.stringify(prefix)} is not a C identifier prefix (letters, digits and '_', not starting with a digit or '__', at most 32 characters)`,
    );
  }
}

/** templates/yhc_engine.h as shipped. */
export function abiHeader(): string {
  return readFileSync(join(packageRoot(), 'templates', 'yhc_engine.h'), 'utf8');
}

/** The exported functions and the handle types the header declares. */
export function abiNames(header: string): { functions: string[]; types: string[] } {
  const functions = [...header.matchAll(/^YHC_API\s[^(]*?\b(yhc_[a-z0-9_]+)\s*\(/gm)].map((m) => m[1]!);
  const types = [...header.matchAll(/^typedef struct (yhc_[a-z0-9_]+) \1;/gm)].map((m) => m[1]!);
  return { functions, types };
}

const names = (header: string) => {
  const { functions, types } = abiNames(header);
  return [...functions, ...types];
};

/**
 * The header with every ABI name prefixed (in declarations and in the comments that name them),
 * its own include guard, and the status codes guarded so that headers of two builds can be
 * included in one file.
 */
export function prefixedHeader(header: string, prefix: string): string {
  const renamed = new RegExp(`\\b(${names(header).join('|')})\\b(?![.])`, 'g');
  let text = header.replace(renamed, `${prefix}$1`);
  text = text.replace(/\bYHC_ENGINE_H\b/g, `YHC_ENGINE_H_${prefix}`);
  text = text.replace(
    /\n((?:\/\*[^\n]*\*\/\n)?#define YHC_ABI_VERSION [\s\S]*?#define YHC_ERROR_CUDA[^\n]*\n)/,
    '\n#ifndef YHC_ABI_VERSION /* shared by the headers of all builds */\n$1#endif\n',
  );
  if (!text.includes('#ifndef YHC_ABI_VERSION')) throw new Error('internal: yhc_engine.h lost its status block');
  return text
    .replace(/^ \* yhc_engine\.h — /m, ` * yhc_engine.h (built with --symbol-prefix ${prefix}: every function and handle type carries it) — `)
    .replace('(libyhc_<model>.so)', `(lib${prefix}yhc_<model>.so)`);
}

/** Lines for engine.cu: the runtime's unprefixed names renamed to the prefixed ones. */
export function prefixDefines(header: string, prefix: string): string[] {
  return [
    `// --symbol-prefix ${prefix}: the runtime's definitions below get the prefixed names the header declares.`,
    ...names(header).map((n) => `#define ${n} ${prefix}${n}`),
  ];
}

/** A GNU ld version script: the prefixed functions are the library's only exported symbols. */
export function exportsMap(header: string, prefix: string): string {
  const { functions } = abiNames(header);
  return `{\n  global:\n${functions.map((f) => `    ${prefix}${f};\n`).join('')}  local:\n    *;\n};\n`;
}
