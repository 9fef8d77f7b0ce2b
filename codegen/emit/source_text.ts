import { commentName, commentText } from '../c_text.js';

/**
 * Layout of emitted C++: no line longer than MAX_LINE, one parameter or argument per line,
 * comments wrapped. Model names in comments are escaped (c_text.ts) and cut to NAME_CHARS, so a
 * name always fits on a comment line of its own.
 */
export const MAX_LINE = 120;
const NAME_CHARS = 96;

/** A model name for a comment, escaped, quoted and cut to fit a line. */
export const shortName = (name: string): string => commentName(name, NAME_CHARS);

/** `ai.yhc.YoloDecode`, `Conv`: an op as the model's domain spells it (escaped). */
export function opLabel(n: { readonly opType: string; readonly domain: string }): string {
  return commentText(n.domain && n.domain !== 'ai.onnx' ? `${n.domain}.${n.opType}` : n.opType);
}

/**
 * `items` joined by ", " after `first`, wrapped at MAX_LINE onto lines that start with `rest`;
 * every line but the last ends in a comma.
 */
export function wrapped(first: string, rest: string, items: readonly string[], last = ''): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  items.forEach((item, i) => {
    const text = item + (i + 1 < items.length ? ',' : last);
    if (line.length + (empty ? 0 : 1) + text.length > MAX_LINE && line.trim() !== '') {
      lines.push(line.trimEnd());
      line = rest + text;
    } else {
      line += (empty ? '' : ' ') + text;
    }
    empty = false;
  });
  if (items.length === 0) line += last;
  lines.push(line);
  return lines;
}

/** Prose `text` word-wrapped at MAX_LINE: the first line starts with `first`, the others with `rest`. */
export function wrapWords(first: string, rest: string, text: string): string[] {
  const lines: string[] = [];
  let line = first.trimEnd();
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line.length + 1 + word.length > MAX_LINE && line.trim() !== rest.trim() && line !== first.trimEnd()) {
      lines.push(line);
      line = rest.trimEnd();
    }
    line += ` ${word}`;
  }
  lines.push(line);
  return lines;
}

/**
 * `code` with a trailing comment when it fits on the line, else the comment's parts on lines
 * of their own above it (at the code's indentation).
 */
export function annotated(code: string, parts: readonly string[]): string[] {
  const one = `${code}  // ${parts.join(' ')}`;
  if (one.length <= MAX_LINE) return [one];
  const indent = /^\s*/.exec(code)![0];
  const above = `${indent}// ${parts.join(' ')}`;
  return [...(above.length <= MAX_LINE ? [above] : parts.map((p) => `${indent}// ${p}`)), code];
}

/**
 * `head` (`name(`), then one argument per line, the last closed by `close` (`);`, `) {`);
 * `notes[i]`, when given, is a trailing comment on argument i's line.
 */
export function callLines(indent: string, head: string, args: readonly string[], close: string, notes?: readonly string[]): string[] {
  if (args.length === 0) return [`${indent}${head}${close}`];
  const lines = [`${indent}${head}`];
  args.forEach((a, i) => {
    const code = `${indent}    ${a}${i + 1 < args.length ? ',' : close}`;
    lines.push(...(notes?.[i] ? annotated(code, [notes[i]!]) : [code]));
  });
  return lines;
}

/**
 * `head = init;` where init is a brace initializer: on one line when it fits, else its
 * top-level elements one per line.
 */
export function initializerLines(indent: string, head: string, init: string): string[] {
  const one = `${indent}${head} = ${init};`;
  if (one.length <= MAX_LINE || !init.startsWith('{') || !init.endsWith('}')) return [one];
  const inner = init.slice(1, -1);
  const elements: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < inner.length; i++) {
    if (inner[i] === '{' || inner[i] === '(') depth++;
    else if (inner[i] === '}' || inner[i] === ')') depth--;
    else if (inner[i] === ',' && depth === 0) {
      elements.push(inner.slice(start, i).trim());
      start = i + 1;
    }
  }
  elements.push(inner.slice(start).trim());
  return [`${indent}${head} = {`, ...elements.map((e, i) => `${indent}    ${e}${i + 1 < elements.length ? ',' : ''}`), `${indent}};`];
}
