import { writeFileSync } from 'node:fs';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { SeededRandom } from '../../src/golden/random.js';
import type { RgbImage } from '../../src/image/rgb_image.js';

/**
 * A test picture: a colour gradient with seeded filled rectangles and discs on it (RGB, 8 bits),
 * so a detector sees edges and blobs of several sizes.
 */
export function drawShapes(width: number, height: number, seed: number): RgbImage {
  const rng = new SeededRandom(seed);
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      data[o] = Math.round((255 * x) / Math.max(1, width - 1));
      data[o + 1] = Math.round((255 * y) / Math.max(1, height - 1));
      data[o + 2] = 128;
    }
  const byte = () => Math.floor(rng.uniform() * 256);
  for (let s = 0; s < 8; s++) {
    const color = [byte(), byte(), byte()];
    const cx = rng.uniform() * width;
    const cy = rng.uniform() * height;
    const r = (0.05 + 0.25 * rng.uniform()) * Math.min(width, height);
    const disc = s % 2 === 0;
    for (let y = Math.max(0, Math.floor(cy - r)); y < Math.min(height, Math.ceil(cy + r)); y++)
      for (let x = Math.max(0, Math.floor(cx - r)); x < Math.min(width, Math.ceil(cx + r)); x++) {
        if (disc && (x - cx) ** 2 + (y - cy) ** 2 > r * r) continue;
        data.set(color, (y * width + x) * 3);
      }
  }
  return { width, height, data };
}

/** Write `image` as a PNG: RGB, or RGBA with a seeded alpha channel (which readers must drop), or grey (the green channel). */
export function writePng(path: string, image: RgbImage, mode: 'rgb' | 'rgba' | 'grey' = 'rgb'): void {
  const png = new PNG({ width: image.width, height: image.height });
  for (let i = 0; i < image.width * image.height; i++) {
    const [r, g, b] = mode === 'grey' ? [image.data[i * 3 + 1]!, image.data[i * 3 + 1]!, image.data[i * 3 + 1]!] : image.data.subarray(i * 3, i * 3 + 3);
    png.data.set([r!, g!, b!, mode === 'rgba' ? (i * 37) % 256 : 255], i * 4);
  }
  const colorType = mode === 'rgba' ? 6 : mode === 'grey' ? 0 : 2;
  writeFileSync(path, PNG.sync.write(png, { colorType }));
}

/** JPEG file bytes of `image` (jpeg-js, baseline 4:2:0). */
export function jpegBytes(image: RgbImage, quality = 92): Buffer {
  const rgba = Buffer.alloc(image.width * image.height * 4, 255);
  for (let i = 0; i < image.width * image.height; i++) image.data.subarray(i * 3, i * 3 + 3).forEach((v, c) => (rgba[i * 4 + c] = v));
  return jpeg.encode({ width: image.width, height: image.height, data: rgba }, quality).data;
}

/** `jpeg` with an APP1 Exif segment (big-endian TIFF, one IFD entry: Orientation) right after SOI. */
export function withExifOrientation(jpegFile: Buffer, orientation: number): Buffer {
  const tiff = Buffer.from([0x4d, 0x4d, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0, 0, 0, 0, 0, 0, 0]);
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const length = Buffer.alloc(2);
  length.writeUInt16BE(payload.length + 2);
  return Buffer.concat([jpegFile.subarray(0, 2), Buffer.from([0xff, 0xe1]), length, payload, jpegFile.subarray(2)]);
}
