/**
 * The only ways model-derived or numeric data enters emitted C++/TypeScript text. Model names
 * never become identifiers or string literals: they appear only escaped inside comments.
 */

/** Characters allowed verbatim in a comment: printable ASCII except ones that could end or
 *  continue a comment, look like a string or a directive (`*`, `\`, `?`, quotes, `#`). */
const COMMENT_SAFE = /^[A-Za-z0-9 _.,:;=+\-()[\]{}<>|!@$%^&~/]$/;

/**
 * Escape untrusted text for a C/C++/TS comment: anything outside COMMENT_SAFE becomes \xNN
 * (or \u{...} beyond ASCII), so no `*\/`, `/*`, newline, quote or trailing backslash survives.
 */
export function commentText(text: string, maxLength = 160): string {
  let out = '';
  for (const ch of text) {
    if (COMMENT_SAFE.test(ch)) {
      out += ch;
    } else {
      const cp = ch.codePointAt(0)!;
      out += cp < 0x80 ? `\\x${cp.toString(16).padStart(2, '0')}` : `\\u{${cp.toString(16)}}`;
    }
    if (out.length >= maxLength) return out + '...';
  }
  return out;
}

/** A quoted, escaped model name for comments: "name" with quotes that are ours. */
export function commentName(name: string, maxLength?: number): string {
  return `"${commentText(name, maxLength)}"`;
}

/** The shortest float32 literal that reads back to exactly the same float (at most 9 digits). */
export function floatLiteral(x: number): string {
  const f = Math.fround(x);
  if (Number.isNaN(f)) return '__int_as_float(0x7fc00000)';
  if (f === Infinity) return 'INFINITY';
  if (f === -Infinity) return '(-INFINITY)';
  if (Object.is(f, -0)) return '-0.0f';
  let s = f.toPrecision(9);
  for (let digits = 1; digits < 9; digits++) {
    const candidate = f.toPrecision(digits);
    if (Math.fround(Number(candidate)) === f) {
      s = candidate;
      break;
    }
  }
  if (!/[.e]/.test(s)) s += '.0';
  return `${s}f`;
}

/** An integer literal; int64 values get the LL suffix. */
export function intLiteral(x: number): string {
  if (!Number.isSafeInteger(x)) throw new Error(`internal: ${x} is not an exact integer`);
  return Math.abs(x) > 0x7fffffff ? `${x}LL` : String(x);
}

/** Digits of a count, grouped for human readers of header comments: 1,234,567. */
export function grouped(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
