import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { boxesToFrame, letterbox, letterboxBytes, letterboxGeometry } from '../../src/preprocess/letterbox.js';

const DIR = join(import.meta.dirname, '../data/letterbox');
interface Case {
  name: string;
  frameWidth: number;
  frameHeight: number;
  size: number;
  scale: number;
  width: number;
  height: number;
  left: number;
  top: number;
}
const cases = (JSON.parse(readFileSync(join(DIR, 'cases.json'), 'utf8')) as { cases: Case[] }).cases;
const bytes = (file: string) => new Uint8Array(readFileSync(join(DIR, file)));

describe('letterbox reproduces ultralytics + cv2 (test/data/letterbox, OpenCV 4.6)', () => {
  for (const c of cases) {
    it(`${c.name}: geometry and every byte`, () => {
      const g = letterboxGeometry(c.frameWidth, c.frameHeight, c.size);
      expect({ scale: g.scale, width: g.width, height: g.height, left: g.left, top: g.top }).toEqual({
        scale: c.scale,
        width: c.width,
        height: c.height,
        left: c.left,
        top: c.top,
      });
      const frame = { data: bytes(`${c.name}.frame.bin`), width: c.frameWidth, height: c.frameHeight, order: 'rgb' as const };
      const got = letterboxBytes(frame, c.size);
      const want = bytes(`${c.name}.letterbox.bin`);
      let differ = 0;
      for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) differ++;
      expect(differ).toBe(0);
    });
  }
});

describe('letterbox to the float network input', () => {
  const frame = { data: new Uint8Array([10, 20, 30, 40, 50, 60]), width: 2, height: 1, order: 'bgr' as const };
  it('swaps BGR to RGB, divides by 255 and pads with 114/255', () => {
    const x = letterbox(frame, 2); // 2x1 into 2x2: no resize, top pad 0 (round(0.4)), bottom 1
    expect(Array.from(x.subarray(0, 4))).toEqual([30 / 255, 60 / 255, 114 / 255, 114 / 255].map(Math.fround));
    expect(x[4 * 2]).toBe(Math.fround(10 / 255));
    const rgb = letterbox({ ...frame, order: 'rgb' }, 2);
    expect(rgb[0]).toBe(Math.fround(10 / 255));
  });
  it('rounds the resized size half to even like Python', () => {
    expect(letterboxGeometry(321, 640, 320).width).toBe(160); // 160.5 -> 160
    expect(letterboxGeometry(323, 640, 320).width).toBe(162); // 161.5 -> 162
  });
  it('rejects a frame whose bytes do not match its size', () => {
    expect(() => letterbox({ ...frame, width: 3 }, 4)).toThrow(/needs 9 bytes, got 6/);
  });
});

describe('boxesToFrame', () => {
  const g = letterboxGeometry(640, 480, 320); // scale 0.5, 320x240, top 40
  it('undoes the padding and the scale and clips to the frame', () => {
    const out = boxesToFrame(new Float32Array([10, 50, 100, 300, 0.9, 3, -5, 30, 400, 100, 0.5, 1]), g, { stride: 6 });
    expect(Array.from(out)).toEqual([20, 20, 200, 480, 0.9, 3, 0, 0, 640, 120, 0.5, 1].map(Math.fround));
  });
  it('maps centre and size boxes through their corners', () => {
    const out = boxesToFrame(new Float32Array([160, 160, 20, 40]), g, { xywh: true });
    expect(Array.from(out)).toEqual([320, 240, 40, 80]);
  });
});
