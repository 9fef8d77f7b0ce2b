import type { RgbImage } from './rgb_image.js';

/**
 * The EXIF Orientation tag (0x0112) of a JPEG's APP1 "Exif" payload (a TIFF structure, after the
 * "Exif\0\0" header jpeg-js strips to one zero byte or none): 1..8, or 1 when absent or unreadable.
 */
export function exifOrientation(exif: Uint8Array): number {
  // jpeg-js hands over the payload after "Exif\0" (one NUL may remain before the TIFF header).
  const start = exif[0] === 0 ? 1 : 0;
  if (exif.length < start + 8) return 1;
  const view = new DataView(exif.buffer, exif.byteOffset + start, exif.length - start);
  const order = view.getUint16(0);
  if (order !== 0x4949 && order !== 0x4d4d) return 1;
  const little = order === 0x4949;
  const u16 = (at: number) => view.getUint16(at, little);
  const u32 = (at: number) => view.getUint32(at, little);
  if (u16(2) !== 42) return 1;
  const ifd = u32(4);
  if (ifd + 2 > view.byteLength) return 1;
  const entries = u16(ifd);
  for (let i = 0; i < entries; i++) {
    const at = ifd + 2 + i * 12;
    if (at + 12 > view.byteLength) return 1;
    if (u16(at) === 0x0112) {
      const value = u16(at + 8);
      return value >= 1 && value <= 8 ? value : 1;
    }
  }
  return 1;
}

/**
 * The image as it is meant to be seen: EXIF orientation 2..8 mirrors and/or rotates it (as
 * cv2.imread and ultralytics do), 1 returns it unchanged.
 */
export function orient(image: RgbImage, orientation: number): RgbImage {
  if (orientation <= 1 || orientation > 8) return image;
  const { width: w, height: h, data } = image;
  const swap = orientation >= 5;
  const ow = swap ? h : w;
  const oh = swap ? w : h;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      // Where source pixel (x, y) lands in the displayed image.
      let dx: number;
      let dy: number;
      switch (orientation) {
        case 2:
          [dx, dy] = [w - 1 - x, y];
          break; // mirror horizontal
        case 3:
          [dx, dy] = [w - 1 - x, h - 1 - y];
          break; // rotate 180
        case 4:
          [dx, dy] = [x, h - 1 - y];
          break; // mirror vertical
        case 5:
          [dx, dy] = [y, x];
          break; // transpose
        case 6:
          [dx, dy] = [h - 1 - y, x];
          break; // rotate 90 clockwise
        case 7:
          [dx, dy] = [h - 1 - y, w - 1 - x];
          break; // transverse
        default:
          [dx, dy] = [y, w - 1 - x];
          break; // 8: rotate 90 counter-clockwise
      }
      const s = (y * w + x) * 3;
      const d = (dy * ow + dx) * 3;
      out[d] = data[s]!;
      out[d + 1] = data[s + 1]!;
      out[d + 2] = data[s + 2]!;
    }
  return { width: ow, height: oh, data: out };
}
