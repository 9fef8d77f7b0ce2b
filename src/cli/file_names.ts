/**
 * A model-derived name as a file name: ASCII letters, digits, '_', '-' and '.' stay, every
 * other byte of its UTF-8 becomes %XX (so "/model.23/Concat" is "%2Fmodel.23%2FConcat"), a
 * leading '.' too (no hidden files, no "..") — one name, one file. Overlong names are cut
 * and numbered; a name that is empty or repeats gets `fallback`.
 */
export function fileStems(names: readonly string[], fallback: (i: number) => string): string[] {
  const used = new Set<string>();
  return names.map((name, i) => {
    let stem = escapeStem(name);
    if (stem.length > 120) stem = `${stem.slice(0, 110)}~${i}`;
    if (!stem || used.has(stem.toLowerCase())) stem = fallback(i);
    used.add(stem.toLowerCase());
    return stem;
  });
}

function escapeStem(name: string): string {
  let out = '';
  for (const byte of Buffer.from(name, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9_.-]/.test(c) && !(c === '.' && out === '') ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
