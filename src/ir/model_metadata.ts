/**
 * The model's ONNX `metadata_props` (what ultralytics writes: names, stride, imgsz, task, batch,
 * …) and the fields yhc understands in them. The text is untrusted: it is parsed here without
 * eval, kept raw, and goes only into manifest.json (JSON-escaped), never into generated code.
 */
export interface ModelMetadata {
  /** Every metadata_props entry as written in the file. */
  readonly raw: Record<string, string>;
  /** `names`: ultralytics' Python dict literal {0: 'person', ...}, keys 0..N-1. */
  readonly classNames?: readonly string[];
  /** `imgsz`: [h, w] ("[640, 640]", or one integer for a square). */
  readonly imgsz?: readonly [number, number];
  /** `stride`: the largest feature stride ("32"). */
  readonly stride?: number;
  /** `task`: "detect", "segment", ... */
  readonly task?: string;
}

/** The parsed view of raw metadata; a malformed value yields no parsed field. */
export function modelMetadata(props: ReadonlyMap<string, string>): ModelMetadata {
  const raw: Record<string, string> = {};
  for (const [k, v] of props) Object.defineProperty(raw, k, { value: v, enumerable: true, writable: true, configurable: true });
  const get = (key: string) => props.get(key);
  const names = get('names') === undefined ? undefined : parseNamesDict(get('names')!);
  const imgsz = get('imgsz') === undefined ? undefined : parseImgsz(get('imgsz')!);
  const stride = get('stride') === undefined ? undefined : parsePositiveInt(get('stride')!.trim());
  const task = get('task');
  return {
    raw,
    ...(names ? { classNames: names } : {}),
    ...(imgsz ? { imgsz } : {}),
    ...(stride !== undefined ? { stride } : {}),
    ...(task !== undefined && task !== '' ? { task } : {}),
  };
}

function parsePositiveInt(text: string): number | undefined {
  if (!/^[0-9]{1,9}$/.test(text)) return undefined;
  const n = Number(text);
  return n > 0 ? n : undefined;
}

/** "[640, 640]" → [640, 640]; "[640]" or "640" → [640, 640]; anything else → undefined. */
export function parseImgsz(text: string): [number, number] | undefined {
  const t = text.trim();
  const list = /^[[(]\s*([0-9]+)\s*(?:,\s*([0-9]+)\s*)?,?\s*[\])]$/.exec(t);
  const h = list ? parsePositiveInt(list[1]!) : parsePositiveInt(t);
  const w = list ? (list[2] === undefined ? h : parsePositiveInt(list[2])) : h;
  return h !== undefined && w !== undefined ? [h, w] : undefined;
}

/**
 * ultralytics' `names`, a Python dict literal of int keys to str values ("{0: 'person', 1: "it's"}"),
 * with Python's string escapes. The keys must be 0..N-1 (any order); otherwise undefined.
 */
export function parseNamesDict(text: string): string[] | undefined {
  const p = new PyReader(text);
  const byKey = new Map<number, string>();
  p.ws();
  if (!p.eat('{')) return undefined;
  p.ws();
  if (!p.eat('}')) {
    for (;;) {
      p.ws();
      const key = p.int();
      p.ws();
      if (key === undefined || !p.eat(':')) return undefined;
      p.ws();
      const value = p.str();
      if (value === undefined || byKey.has(key)) return undefined;
      byKey.set(key, value);
      p.ws();
      if (p.eat('}')) break;
      if (!p.eat(',')) return undefined;
      p.ws();
      if (p.eat('}')) break;
    }
  }
  p.ws();
  if (!p.done()) return undefined;
  const names: string[] = [];
  for (let i = 0; i < byKey.size; i++) {
    const name = byKey.get(i);
    if (name === undefined) return undefined;
    names.push(name);
  }
  return names;
}

const SIMPLE_ESCAPES: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b', f: '\f', v: '\v' };
const HEX_ESCAPES: Record<string, number> = { x: 2, u: 4, U: 8 };

class PyReader {
  private i = 0;
  constructor(private readonly s: string) {}
  done(): boolean {
    return this.i === this.s.length;
  }
  ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i]!)) this.i++;
  }
  eat(c: string): boolean {
    if (this.s[this.i] !== c) return false;
    this.i++;
    return true;
  }
  int(): number | undefined {
    const m = /^[0-9]{1,9}/.exec(this.s.slice(this.i, this.i + 10));
    if (!m) return undefined;
    this.i += m[0].length;
    return Number(m[0]);
  }
  /** A single- or double-quoted Python str literal (no prefixes, no triple quotes). */
  str(): string | undefined {
    const quote = this.s[this.i];
    if (quote !== "'" && quote !== '"') return undefined;
    this.i++;
    let out = '';
    while (this.i < this.s.length) {
      const c = this.s[this.i++]!;
      if (c === quote) return out;
      if (c === '\n') return undefined;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.s[this.i++];
      if (e === undefined) return undefined;
      if (e in SIMPLE_ESCAPES) {
        out += SIMPLE_ESCAPES[e];
      } else if (e >= '0' && e <= '7') {
        const digits = /^[0-7]{1,3}/.exec(this.s.slice(this.i - 1, this.i + 2))![0];
        out += String.fromCodePoint(parseInt(digits, 8));
        this.i += digits.length - 1;
      } else if (e in HEX_ESCAPES) {
        const digits = this.s.slice(this.i, this.i + HEX_ESCAPES[e]!);
        if (!/^[0-9a-fA-F]+$/.test(digits) || digits.length !== HEX_ESCAPES[e]) return undefined;
        const cp = parseInt(digits, 16);
        if (cp > 0x10ffff) return undefined;
        out += String.fromCodePoint(cp);
        this.i += digits.length;
      } else {
        out += '\\' + e; // Python keeps an unknown escape as written
      }
    }
    return undefined;
  }
}
