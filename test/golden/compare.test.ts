import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareDense, compareDetections, looksLikeDetections } from '../../src/golden/compare.js';
import { detectionShift } from '../../src/golden/detection_shift.js';
import { quantizedDetectionsOk } from '../../src/golden/quantized.js';
import { REPO } from '../helpers/paths.js';

interface Cases {
  /** rtol / score_rtol: absent means the fp32 rule (1e-4). */
  detections: { name: string; shape: number[]; ref: (number | string)[][]; got: (number | string)[][]; ok: boolean; rtol?: number; score_rtol?: number }[];
  dense: { name: string; ref: (number | string)[]; got: (number | string)[]; ok: boolean }[];
  /** The quantized whole-model rule: `matched` reference detections found, and its 80% verdict. */
  quantized: { name: string; shape: number[]; ref: number[][]; got: number[][]; matched: number; ok: boolean }[];
}

const cases = JSON.parse(readFileSync(join(REPO, 'test', 'golden', 'compare_cases.json'), 'utf8')) as Cases;
const num = (x: number | string) => (typeof x === 'number' ? x : Number(x));
const caseValues = (xs: (number | string)[]) => Float32Array.from(xs.map(num));

describe('detections rule', () => {
  for (const c of cases.detections) {
    it(c.name, () => {
      const r = compareDetections(caseValues(c.got.flat()), caseValues(c.ref.flat()), c.shape, c.rtol, c.score_rtol);
      expect(r.ok, r.problem ?? 'passed').toBe(c.ok);
      if (!c.ok) expect(r.problem).toMatch(/batch \d+: (reference|output) row \d+/);
    });
  }

  it('counts_matched_and_replaced_rows', () => {
    const c = cases.detections.find((x) => x.name === 'row_at_cutoff_may_be_replaced_by_another_at_cutoff')!;
    const r = compareDetections(caseValues(c.got.flat()), caseValues(c.ref.flat()), c.shape);
    expect([r.matched, r.replacedAtCutoff, r.rows]).toEqual([2, 1, 3]);
  });
});

describe('quantized detections rule', () => {
  for (const c of cases.quantized) {
    it(c.name, () => {
      const shift = detectionShift(Float32Array.from(c.got.flat()), Float32Array.from(c.ref.flat()), c.shape);
      expect(shift.matched).toBe(c.matched);
      expect(quantizedDetectionsOk(shift)).toBe(c.ok);
    });
  }
});

describe('dense rule', () => {
  for (const c of cases.dense) {
    it(c.name, () => {
      expect(compareDense(Float64Array.from(c.got.map(num)), Float64Array.from(c.ref.map(num))).ok).toBe(c.ok);
    });
  }

  it('reports_relative_error_against_the_scale', () => {
    const r = compareDense([1000.05], [1000]);
    expect(r.maxAbs).toBeCloseTo(0.05, 6);
    expect(r.maxRel).toBeCloseTo(0.05 / 1000, 9);
    expect(r.tolerance).toBeCloseTo(0.1, 9);
  });
});

it('recognizes_detection_outputs_by_shape', () => {
  expect(looksLikeDetections([1, 300, 6], 'float32')).toBe(true);
  expect(looksLikeDetections([1, 8, 525], 'float32')).toBe(false);
  expect(looksLikeDetections([1, 300, 6], 'int64')).toBe(false);
});
