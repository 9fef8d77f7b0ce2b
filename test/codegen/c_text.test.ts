import { describe, expect, it } from 'vitest';
import { commentName, commentText, floatLiteral, intLiteral } from '../../codegen/c_text.js';
import { SeededRandom } from '../../src/golden/random.js';

describe('commentText', () => {
  const hostile = ['a*/b', 'x/*y', 'line\nbreak', 'cr\rlf', 'quote"s', "apo's", 'back\\', '#include "evil.h"', 'trigraph??/', 'nul\0byte', 'ünïcode 🚀'];

  for (const name of hostile) {
    it(`escapes ${JSON.stringify(name)}`, () => {
      const out = commentText(name);
      expect(out).toMatch(/^[\x20-\x7e]*$/);
      for (const bad of ['*/', '/*', '\n', '\r', '"', "'", '?', '\0', '#']) expect(out).not.toContain(bad);
      expect(out.endsWith('\\')).toBe(false);
    });
  }

  it('keeps_ordinary_torch_names_readable', () => {
    expect(commentText('/one2one_cv2.0/one2one_cv2.0.0/conv/Conv')).toBe('/one2one_cv2.0/one2one_cv2.0.0/conv/Conv');
    expect(commentName('p3')).toBe('"p3"');
  });

  it('uses_hex_escapes_that_read_back', () => {
    expect(commentText('a*/b')).toBe('a\\x2a/b');
    expect(commentText('#include "x"')).toBe('\\x23include \\x22x\\x22');
  });

  it('truncates_very_long_names', () => {
    expect(commentText('n'.repeat(1000)).length).toBeLessThan(200);
  });
});

describe('number literals', () => {
  const readBack = (lit: string) => Math.fround(Number(lit.replace(/f$/, '')));

  it('float_literals_round_trip_exactly', () => {
    const rng = new SeededRandom(5);
    const values = [0, 1, -1, 0.1, 1e-5, 9.999999747378752e-6, 3.4028234663852886e38, 1.401298464324817e-45, 2 ** -126];
    for (let i = 0; i < 2000; i++) values.push(rng.normal() * 10 ** Math.floor(rng.uniform() * 20 - 10));
    for (const v of values) expect(readBack(floatLiteral(v))).toBe(Math.fround(v));
  });

  it('spells_special_values', () => {
    expect(floatLiteral(Infinity)).toBe('INFINITY');
    expect(floatLiteral(-Infinity)).toBe('(-INFINITY)');
    expect(floatLiteral(-0)).toBe('-0.0f');
    expect(floatLiteral(NaN)).toContain('0x7fc00000');
    expect(floatLiteral(2)).toBe('2.0f');
    expect(floatLiteral(1e-5)).toBe('0.00001f');
    expect(floatLiteral(0.1)).toBe('0.1f');
  });

  it('int64_literals_get_a_suffix', () => {
    expect(intLiteral(7)).toBe('7');
    expect(intLiteral(2 ** 40)).toBe('1099511627776LL');
    expect(() => intLiteral(0.5)).toThrow();
  });
});
