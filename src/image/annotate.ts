import { PNG } from 'pngjs';
import { drawText, GLYPH_HEIGHT, textWidth } from './font6x10.js';
import type { RgbImage } from './rgb_image.js';
import type { Detection } from './detections.js';

type Rgb = readonly [number, number, number];

/** A distinct colour per class: hues a golden angle apart, full saturation, bright. */
export function classColor(classId: number): Rgb {
  const h = (((classId * 0.618033988749895) % 1) + 1) % 1;
  const s = 0.85;
  const v = 0.95;
  const i = Math.floor(h * 6);
  const f = h * 6 - i;
  const [p, qq, t] = [v * (1 - s), v * (1 - f * s), v * (1 - (1 - f) * s)];
  const rgb = [
    [v, t, p],
    [qq, v, p],
    [p, v, t],
    [p, qq, v],
    [t, p, v],
    [v, p, qq],
  ][i % 6]!;
  return [Math.round(rgb[0]! * 255), Math.round(rgb[1]! * 255), Math.round(rgb[2]! * 255)];
}

/** A copy of `image` with each detection's box (frame pixels) and a label `name score` drawn on it. */
export function annotate(image: RgbImage, detections: readonly Detection[]): RgbImage {
  const { width, height } = image;
  const data = Uint8Array.from(image.data);
  const put = (x: number, y: number, c: Rgb) => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    const o = (y * width + x) * 3;
    data[o] = c[0];
    data[o + 1] = c[1];
    data[o + 2] = c[2];
  };
  const fill = (x1: number, y1: number, x2: number, y2: number, c: Rgb) => {
    for (let y = Math.max(0, y1); y < Math.min(height, y2); y++) for (let x = Math.max(0, x1); x < Math.min(width, x2); x++) put(x, y, c);
  };
  const short = Math.min(width, height);
  const thickness = Math.max(1, Math.round(short / 320));
  const scale = Math.max(1, Math.round(short / 480));
  // Lowest score first, so the best detections' boxes and labels end on top (of equal scores, the one listed first).
  for (const d of [...detections].reverse().sort((a, b) => a.score - b.score)) {
    const color = classColor(d.class_id);
    const [x1, y1, x2, y2] = d.box.map((v) => Math.round(v)) as [number, number, number, number];
    fill(x1, y1, x2 + 1, y1 + thickness, color);
    fill(x1, y2 + 1 - thickness, x2 + 1, y2 + 1, color);
    fill(x1, y1, x1 + thickness, y2 + 1, color);
    fill(x2 + 1 - thickness, y1, x2 + 1, y2 + 1, color);
    const label = `${d.class_name} ${d.score.toFixed(2)}`;
    const pad = scale;
    const lw = textWidth(label, scale) + 2 * pad;
    const lh = GLYPH_HEIGHT * scale + 2 * pad;
    // Above the box where there is room, else just inside its top edge; kept inside the image.
    const ly = y1 - lh >= 0 ? y1 - lh : Math.max(0, Math.min(y1, height - lh));
    const lx = Math.max(0, Math.min(x1, width - lw));
    fill(lx, ly, lx + lw, ly + lh, color);
    const ink: Rgb = 0.299 * color[0] + 0.587 * color[1] + 0.114 * color[2] > 140 ? [0, 0, 0] : [255, 255, 255];
    drawText(label, lx + pad, ly + pad, scale, (x, y) => put(x, y, ink));
  }
  return { width, height, data };
}

/** An RGB image as PNG file bytes (8-bit truecolour, no alpha). */
export function encodePng(image: RgbImage): Buffer {
  const png = new PNG({ width: image.width, height: image.height, colorType: 2, inputColorType: 2, inputHasAlpha: false });
  png.data = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  return PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false });
}
