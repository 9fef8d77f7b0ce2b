import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exifOrientation, orient } from '../../src/image/exif_orientation.js';
import { readImage } from '../../src/image/read_image.js';
import { drawShapes, jpegBytes, withExifOrientation } from '../helpers/images.js';
import { tempDir } from '../helpers/paths.js';

/** EXIF orientation: the JPEG is turned the way cv2.imread (and so ultralytics) shows it. */
const { dir, cleanup } = tempDir('yhc-orientation-');
afterAll(cleanup);

/** A 3 x 2 image whose pixels are the letters a..f (all three channels), rows "abc" and "def". */
const LETTERS = { width: 3, height: 2, data: Uint8Array.from([...'abcdef'].flatMap((c) => [c.charCodeAt(0), c.charCodeAt(0), c.charCodeAt(0)])) };
const rows = (img: { width: number; data: Uint8Array }) => {
  const text = String.fromCharCode(...img.data.filter((_, i) => i % 3 === 0));
  return Array.from({ length: text.length / img.width }, (_, r) => text.slice(r * img.width, (r + 1) * img.width));
};

describe('EXIF orientation', () => {
  it('turns_an_image_as_each_of_the_eight_orientations_says', () => {
    const want: Record<number, string[]> = {
      1: ['abc', 'def'],
      2: ['cba', 'fed'], // mirrored left-right
      3: ['fed', 'cba'], // rotated 180
      4: ['def', 'abc'], // mirrored top-bottom
      5: ['ad', 'be', 'cf'], // transposed
      6: ['da', 'eb', 'fc'], // rotated 90 clockwise
      7: ['fc', 'eb', 'da'], // transversed
      8: ['cf', 'be', 'ad'], // rotated 90 counter-clockwise
    };
    for (let o = 1; o <= 8; o++) expect(rows(orient(LETTERS, o)), `orientation ${o}`).toEqual(want[o]);
  });

  it('reads_the_orientation_tag_in_either_byte_order_and_defaults_to_1', () => {
    const big = Uint8Array.from([0, 0x4d, 0x4d, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0]);
    const little = Uint8Array.from([0, 0x49, 0x49, 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 8, 0, 0, 0]);
    expect(exifOrientation(big)).toBe(6);
    expect(exifOrientation(little)).toBe(8);
    expect(exifOrientation(Uint8Array.from([0, 0x4d, 0x4d, 0, 42, 0, 0, 0, 8, 0, 0]))).toBe(1); // no entries
    expect(exifOrientation(Uint8Array.from([1, 2, 3]))).toBe(1); // truncated
    expect(exifOrientation(Uint8Array.from([0, 0x4d, 0x4d, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 9, 0, 0]))).toBe(1); // out of range
  });

  it('applies_a_jpegs_orientation_when_reading_it', () => {
    const plain = jpegBytes(drawShapes(40, 24, 7));
    writeFileSync(join(dir, 'plain.jpg'), plain);
    writeFileSync(join(dir, 'rotated.jpg'), withExifOrientation(plain, 6));
    const upright = readImage(join(dir, 'plain.jpg'));
    const turned = readImage(join(dir, 'rotated.jpg'));
    expect([turned.width, turned.height]).toEqual([24, 40]);
    expect(Buffer.from(turned.data).equals(Buffer.from(orient(upright, 6).data))).toBe(true);
  });
});
