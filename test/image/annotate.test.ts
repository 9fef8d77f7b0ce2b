import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { annotate, classColor, encodePng } from '../../src/image/annotate.js';
import { drawText, textWidth } from '../../src/image/font6x10.js';

/** The annotated image: boxes in their class colour, a label above, nothing else touched. */
describe('annotate', () => {
  it('draws_the_6x10_font_glyphs', () => {
    const ink: string[] = Array.from({ length: 10 }, () => '......');
    drawText('A', 0, 0, 1, (x, y) => (ink[y] = ink[y]!.slice(0, x) + '#' + ink[y]!.slice(x + 1)));
    expect(ink).toEqual(['......', '..#...', '.#.#..', '#...#.', '#...#.', '#####.', '#...#.', '#...#.', '......', '......']);
    expect(textWidth('cat 0.5', 2)).toBe(7 * 12);
    let unknown = 0;
    let question = 0;
    drawText('é', 0, 0, 1, () => unknown++);
    drawText('?', 0, 0, 1, () => question++);
    expect(unknown).toBe(question);
  });

  it('draws_a_box_in_its_class_colour_and_a_label_above_it_and_nothing_else', () => {
    const [w, h] = [200, 100];
    const image = { width: w, height: h, data: new Uint8Array(w * h * 3).fill(7) };
    const det = { box: [50, 40, 120, 90] as const, score: 0.5, class_id: 3, class_name: 'cat' };
    const out = annotate(image, [det]);
    expect(image.data.every((v) => v === 7)).toBe(true); // the input is left as it was
    const at = (x: number, y: number) => [...out.data.subarray((y * w + x) * 3, (y * w + x) * 3 + 3)];
    const color = classColor(3);
    for (const [x, y] of [
      [50, 65],
      [120, 65],
      [80, 40],
      [80, 90],
    ] as const)
      expect(at(x, y), `${x},${y}`).toEqual(color);
    expect(at(80, 65)).toEqual([7, 7, 7]);
    expect(at(49, 65)).toEqual([7, 7, 7]);
    expect(at(121, 65)).toEqual([7, 7, 7]);
    // The label "cat 0.50" (8 cells of 6 px, 1 px padding) sits on the box's top edge, 12 px high.
    const [lx, ly, lw, lh] = [50, 28, 8 * 6 + 2, 12];
    let ink = 0;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const inLabel = x >= lx && x < lx + lw && y >= ly && y < ly + lh;
        const onBox = x >= 50 && x <= 120 && y >= 40 && y <= 90 && (x === 50 || x === 120 || y === 40 || y === 90);
        const p = at(x, y);
        if (inLabel && p.join() !== color.join()) ink++;
        else if (!inLabel && !onBox) expect(p, `${x},${y}`).toEqual([7, 7, 7]);
      }
    let glyphInk = 0;
    drawText('cat 0.50', 0, 0, 1, () => glyphInk++);
    expect(ink).toBe(glyphInk);
  });

  it('encodes_rgb_png_that_reads_back_the_same', () => {
    const image = { width: 5, height: 3, data: Uint8Array.from({ length: 45 }, (_, i) => i * 5) };
    const png = PNG.sync.read(encodePng(image));
    expect([png.width, png.height]).toEqual([5, 3]);
    for (let i = 0; i < 15; i++) expect([...png.data.subarray(i * 4, i * 4 + 4)]).toEqual([...image.data.subarray(i * 3, i * 3 + 3), 255]);
  });
});
