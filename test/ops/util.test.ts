import { describe, expect, it } from 'vitest';
import { castValue, type DType } from '../../src/dtype.js';
import { YhcError } from '../../src/errors.js';
import { Graph } from '../../src/ir/graph.js';
import { normalizeAxes, normalizeAxis } from '../../src/ops/util/axes.js';
import { broadcastShapes, broadcastStrides, rowPlan } from '../../src/ops/util/broadcast.js';
import { roundInPlace } from '../../src/ops/util/round.js';
import { gatherStrided } from '../../src/ops/util/strided.js';
import { validRange, windowGeometry } from '../../src/ops/util/window.js';
import { storageFor } from '../../src/tensor.js';
import { toAttrs } from './helpers.js';

const g = new Graph('t', new Map([['', 17]]));
const node = (attrs: Record<string, number | string | number[]> = {}) => g.newNode('X', '', 'util_node', toAttrs(attrs), []);

describe('broadcasting helpers', () => {
  it('broadcasts numpy-style', () => {
    expect(broadcastShapes(node(), [[2, 1, 3], [4, 1], []])).toEqual([2, 4, 3]);
    expect(
      broadcastShapes(node(), [
        [0, 1],
        [1, 5],
      ]),
    ).toEqual([0, 5]);
    expect(() => broadcastShapes(node(), [[2], [3]])).toThrow(/util_node.*\[2\].*\[3\]/);
  });

  it('gives zero strides on broadcast dims', () => {
    expect(broadcastStrides([3, 1], [2, 3, 4])).toEqual([0, 1, 0]);
  });

  it('coalesces contiguous dims into long rows', () => {
    const shape = [2, 3, 4];
    const p = rowPlan(shape, [[12, 4, 1], broadcastStrides([3, 1], shape)]);
    expect(p.inner).toBe(4);
    expect(p.rows).toBe(6);
    expect(p.innerStrides).toEqual([1, 0]);
    expect(Array.from(p.offsets[1]!)).toEqual([0, 1, 2, 0, 1, 2]);
    const flat = rowPlan([2, 3, 4], [[12, 4, 1]]);
    expect([flat.rows, flat.inner]).toEqual([1, 24]);
  });

  it('copies strided views', () => {
    const src = Float32Array.from([0, 1, 2, 3, 4, 5]);
    // transpose of [2,3] → [3,2]
    expect(Array.from(gatherStrided(src, 0, [1, 3], [3, 2], 'float32'))).toEqual([0, 3, 1, 4, 2, 5]);
    // reversed last dim
    expect(Array.from(gatherStrided(src, 2, [3, -1], [2, 3], 'float32'))).toEqual([2, 1, 0, 5, 4, 3]);
  });
});

describe('axis helpers', () => {
  it('normalizes negative axes', () => {
    expect(normalizeAxis(node(), -1, 3)).toBe(2);
    expect(normalizeAxes(node(), [0, -1], 2)).toEqual([0, 1]);
  });
  it('rejects out-of-range and duplicate axes with SHAPE', () => {
    expect(() => normalizeAxis(node(), 3, 3)).toThrow(YhcError);
    expect(() => normalizeAxis(node(), 3, 3)).toThrow(/util_node.*axis 3 is out of range for rank 3/);
    expect(() => normalizeAxes(node(), [1, -1], 2)).toThrow(/more than once/);
  });
});

describe('roundInPlace', () => {
  it('agrees with castValue for every dtype', () => {
    const values = [
      0,
      1.5,
      -1.5,
      2.7,
      -2.7,
      127,
      128,
      -129,
      255,
      256,
      65535,
      65536,
      -32769,
      2 ** 31,
      -(2 ** 31) - 1,
      2 ** 32 + 3,
      1e10,
      -1e10,
      0.1,
      65504,
      70000,
      NaN,
      Infinity,
    ];
    const dtypes: DType[] = ['float32', 'float16', 'bfloat16', 'float64', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'bool'];
    for (const d of dtypes) {
      const data = storageFor(d, values.length);
      data.set(values);
      roundInPlace(data, d);
      values.forEach((v, i) => {
        const want = castValue(d === 'float16' || d === 'bfloat16' ? Math.fround(v) : v, d);
        expect(Object.is(data[i], want) || data[i] === want, `${d} ${v}: ${data[i]} vs ${want}`).toBe(true);
      });
    }
  });
  it('keeps int64 sentinels saturated instead of wrapping them', () => {
    const data = Float64Array.from([2 ** 63, -(2 ** 63), 2 ** 64]);
    roundInPlace(data, 'int64');
    expect(Array.from(data)).toEqual([2 ** 63, -(2 ** 63), 2 ** 63]);
  });
});

describe('window geometry', () => {
  it('computes explicit, SAME and ceil-mode output sizes', () => {
    expect(windowGeometry(node({ pads: [1, 1, 1, 1], strides: [2, 2] }), [7, 8], [3, 3]).outSize).toEqual([4, 4]);
    const same = windowGeometry(node({ auto_pad: 'SAME_LOWER', strides: [2, 2] }), [8, 7], [3, 3]);
    expect([same.outSize, same.padsBegin, same.padsEnd]).toEqual([
      [4, 4],
      [1, 1],
      [0, 1],
    ]);
    expect(windowGeometry(node({ strides: [2] }), [2], [2], { ceilMode: true }).outSize).toEqual([1]);
  });
  it('gives each tap its valid output range', () => {
    const geo = windowGeometry(node({ pads: [1, 1] }), [5], [3]);
    expect([0, 1, 2].map((k) => validRange(geo, 0, k))).toEqual([
      [1, 5],
      [0, 5],
      [0, 4],
    ]);
  });
});
