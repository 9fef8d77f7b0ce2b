import { describe, expect, it } from 'vitest';
import { planArena, type Lifetime } from '../../codegen/memory_plan.js';

const plan = (lives: Record<string, Lifetime>) => planArena(new Map(Object.entries(lives)), 256);

/** No two buffers alive at the same step may overlap in memory. */
function expectDisjoint(lives: Record<string, Lifetime>, offsets: Map<string, number>): void {
  const names = Object.keys(lives);
  for (const a of names) {
    for (const b of names) {
      if (a >= b) continue;
      const [la, lb] = [lives[a]!, lives[b]!];
      const overlapInTime = la.first <= lb.last && lb.first <= la.last;
      if (!overlapInTime) continue;
      const [oa, ob] = [offsets.get(a)!, offsets.get(b)!];
      const overlapInSpace = oa < ob + lb.bytes && ob < oa + la.bytes;
      expect(overlapInSpace, `${a} and ${b} overlap`).toBe(false);
    }
  }
}

describe('planArena', () => {
  it('reuses_memory_of_dead_buffers_in_a_chain', () => {
    // t0 → t1 → t2 → t3: only two buffers are ever alive together.
    const lives = {
      t0: { first: 0, last: 1, bytes: 1000 },
      t1: { first: 1, last: 2, bytes: 1000 },
      t2: { first: 2, last: 3, bytes: 1000 },
      t3: { first: 3, last: 4, bytes: 1000 },
    };
    const { offsets, arenaBytes } = plan(lives);
    expect(arenaBytes).toBe(2 * 1024);
    expectDisjoint(lives, offsets);
  });

  it('never_shares_between_a_kernels_input_and_output', () => {
    // t0's last reader is the producer of t1: they must not overlap.
    const lives = { t0: { first: 0, last: 1, bytes: 512 }, t1: { first: 1, last: 2, bytes: 512 } };
    const { offsets } = plan(lives);
    expectDisjoint(lives, offsets);
    expect(offsets.get('t0')).not.toBe(offsets.get('t1'));
  });

  it('keeps_long_lived_buffers_apart_from_everything', () => {
    const lives: Record<string, Lifetime> = { skip: { first: 0, last: 9, bytes: 4096 } };
    for (let i = 1; i < 9; i++) lives[`t${i}`] = { first: i, last: i + 1, bytes: 300 * i };
    const { offsets } = plan(lives);
    expectDisjoint(lives, offsets);
  });

  it('aligns_every_offset', () => {
    const lives = { a: { first: 0, last: 2, bytes: 3 }, b: { first: 1, last: 2, bytes: 5 } };
    const { offsets } = plan(lives);
    for (const o of offsets.values()) expect(o % 256).toBe(0);
  });
});
