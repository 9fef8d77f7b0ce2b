import { describe, expect, it } from 'vitest';
import { detectionShift } from '../../src/golden/detection_shift.js';
import { compareQuantized, quantizedDetectionsOk } from '../../src/golden/quantized.js';
import { Tensor } from '../../src/tensor.js';
import { runOp } from '../ops/helpers.js';

/**
 * The quantized golden rule on adversarial cases: values placed exactly on rounding boundaries
 * and one ulp to either side (what a Sigmoid computed by another library does to a quantizer's
 * input), differences off the boundaries, two-quanta differences; and the detection rule.
 */

const SCALE = 0.25;
const quantize = (xs: number[]) =>
  runOp('QuantizeLinear', [Tensor.from('float32', [xs.length], xs), Tensor.scalar('float32', SCALE), Tensor.scalar('int8', 0)], {}, { opset: 19 })[0]!.data;
const ulp = (v: number, k: number) => {
  const f = new Float32Array([v]);
  const u = new Int32Array(f.buffer);
  u[0]! += v >= 0 ? k : -k;
  return f[0]!;
};

describe('quantized tensors: one quantum only on a rounding boundary', () => {
  const boundary = Array.from({ length: 200 }, (_, k) => (k - 100 + 0.5) * SCALE);
  const ref = quantize(boundary);
  const pre = boundary.map((v) => v / SCALE);

  it('a reference input one ulp off every boundary rounds within one quantum and passes', () => {
    for (const k of [-1, 1]) {
      const got = quantize(boundary.map((v) => ulp(v, k)));
      const r = compareQuantized(got, ref, pre);
      expect(r.ok, r.problem).toBe(true);
      expect(r.oneQuantum).toBeGreaterThan(0);
    }
  });

  it('a one-quantum difference away from a boundary fails', () => {
    const away = boundary.map((v) => v + 0.2 * SCALE);
    const want = quantize(away);
    const got = Float64Array.from(want);
    got[17] = got[17]! + 1;
    expect(
      compareQuantized(
        got,
        want,
        away.map((v) => v / SCALE),
      ).problem,
    ).toMatch(/element 17: .* not on a rounding boundary/);
  });

  it('two quanta apart fails even on a boundary', () => {
    const got = Float64Array.from(ref);
    got[3] = got[3]! + 2;
    expect(compareQuantized(got, ref, pre).problem).toMatch(/element 3: .* 2 quanta apart/);
  });
});

describe('quantized detections: 80% of the reference detections found', () => {
  const row = (x: number, score: number, cls: number) => [x, 0, x + 10, 10, score, cls];
  const ref = [row(0, 0.9, 1), row(20, 0.8, 2), row(40, 0.7, 1), row(60, 0.6, 3), row(80, 0.5, 0)].flat();

  it('a detection that moved by a pixel and changed its score still counts', () => {
    const got = [row(1, 0.6, 1), row(20, 0.8, 2), row(40, 0.72, 1), row(60, 0.6, 3), row(80, 0.5, 0)].flat();
    const s = detectionShift(got, ref, [1, 5, 6]);
    expect(s.matched).toBe(5);
    expect(s.maxScoreDiff).toBeCloseTo(0.3, 5);
    expect(quantizedDetectionsOk(s)).toBe(true);
  });

  it('two of five lost (another class, a box moved off) fails', () => {
    const got = [row(0, 0.9, 2), row(20, 0.8, 2), row(46, 0.7, 1), row(60, 0.6, 3), row(80, 0.5, 0)].flat();
    const s = detectionShift(got, ref, [1, 5, 6]);
    expect(s.matched).toBe(3);
    expect(quantizedDetectionsOk(s)).toBe(false);
  });

  it('rows under the 0.25 score threshold are not counted', () => {
    const low = [row(0, 0.2, 1), row(20, 0.1, 2)].flat();
    expect(
      detectionShift(
        low,
        low.map((v, i) => (i % 6 === 5 ? 7 : v)),
        [1, 2, 6],
      ),
    ).toMatchObject({ reference: 0, output: 0 });
  });
});
