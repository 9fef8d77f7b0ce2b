import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileModel } from '../../src/compile.js';
import { compareDetections } from '../../src/golden/compare.js';
import { orient } from '../../src/image/exif_orientation.js';
import { readImage } from '../../src/image/read_image.js';
import { jpegBytes, withExifOrientation } from '../helpers/images.js';
import { REPO, TEST_CACHE, tempDir } from '../helpers/paths.js';
import { MODEL_320, referenceDetections, rowsOf, type DetectDoc } from './detect_reference.js';
import { yhcHere } from './run_in_process.js';

/**
 * `yhc detect` on a real photograph (test/data/photos/chelsea.png, CC0, from Debian's
 * python3-skimage; README there): the PNG, a JPEG re-encoding of it and that JPEG marked EXIF
 * orientation 6 (shown rotated, 300 x 451), each against onnxruntime on the reference letterbox.
 */
const PHOTO = join(REPO, 'test', 'data', 'photos', 'chelsea.png');
const { dir, cleanup } = tempDir('yhc-detect-photo-');
afterAll(cleanup);
const build = join(dir, 'build');

beforeAll(async () => {
  const pixels = readImage(PHOTO);
  const jpeg = jpegBytes(pixels, 90);
  writeFileSync(join(dir, 'chelsea.jpg'), jpeg);
  writeFileSync(join(dir, 'chelsea_rotated.jpg'), withExifOrientation(jpeg, 6));
  await compileModel(MODEL_320, { outDir: build, target: 'host', cacheDir: TEST_CACHE });
}, 600_000);

describe('yhc detect on a photo', () => {
  it('is_the_photo_the_readme_describes', () => {
    expect(createHash('sha256').update(readFileSync(PHOTO)).digest('hex')).toBe('596aa1e7cb875eb79f437e310381d26b338a81c2da23439704a73c4651e8c4bb');
    const image = readImage(PHOTO);
    expect([image.width, image.height]).toEqual([451, 300]);
  });

  it('matches_onnxruntime_on_the_png_its_jpeg_and_the_jpeg_turned_by_exif', async () => {
    const files = [PHOTO, join(dir, 'chelsea.jpg'), join(dir, 'chelsea_rotated.jpg')];
    const r = await yhcHere('detect', build, ...files, '--out', join(dir, 'out'), '--conf', '0', '--json');
    expect(r.stderr).toBe('');
    const doc = JSON.parse(r.stdout) as DetectDoc;
    const frames = [readImage(PHOTO), readImage(files[1]!), orient(readImage(files[1]!), 6)];
    expect(doc.images.map((i) => [i.width, i.height])).toEqual([
      [451, 300],
      [451, 300],
      [300, 451],
    ]);
    for (const [k, image] of doc.images.entries()) {
      const cmp = compareDetections(rowsOf(image), await referenceDetections(frames[k]!), [1, 300, 6]);
      expect(cmp.ok, `${image.file}: ${cmp.problem}`).toBe(true);
      expect(cmp.matched, image.file).toBeGreaterThan(290);
    }
  });
});
