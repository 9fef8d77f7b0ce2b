import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileModel } from '../../src/compile.js';
import { MAX_MESSAGE_CHARS, isYhcError } from '../../src/errors.js';
import { onnx } from '../../src/onnx/proto.js';
import { encodeModel } from '../../src/onnx/write.js';
import { Tensor } from '../../src/tensor.js';
import { makeCase, runCase, seedModels, type CaseResult, type FuzzApi } from '../../tools/fuzz.mjs';
import { fixture, tempDir } from '../helpers/paths.js';

/**
 * A fixed-seed slice of the front-end fuzzer (bench/fuzz.mjs runs 10,000): every mutated model
 * compiles (--no-build) or fails with a one-line YhcError; nothing else escapes.
 */
const api: FuzzApi = { onnx, encodeModel, Tensor, compileModel, isYhcError, MAX_MESSAGE_CHARS };
const SLICE = 300;
const CASE_LIMIT_MS = 10_000;

describe('front-end fuzzing', () => {
  const seeds = [...seedModels(api), { name: 'tiny_head', bytes: new Uint8Array(readFileSync(fixture('tiny_head'))) }];

  it('makes_the_same_case_from_the_same_seed', () => {
    const a = makeCase(api, seeds, 42);
    const b = makeCase(api, seeds, 42);
    expect(a.mutation).toBe(b.mutation);
    expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(true);
    expect(makeCase(api, seeds, 43).mutation).not.toBe(a.mutation);
  });

  it('compiles_every_unmutated_seed_model', async () => {
    const { dir, cleanup } = tempDir('yhc-fuzz-');
    try {
      for (const s of seeds)
        expect((await runCase(api, { seed: 0, model: s.name, mutation: 'none', bytes: s.bytes }, join(dir, s.name))).outcome, s.name).toBe('ok');
    } finally {
      cleanup();
    }
  });

  it(`ends_${SLICE}_mutated_models_in_success_or_a_one_line_yhc_error`, async () => {
    const { dir, cleanup } = tempDir('yhc-fuzz-');
    const counts = new Map<string, number>();
    const findings: string[] = [];
    try {
      for (let seed = 1; seed <= SLICE; seed++) {
        const c = makeCase(api, seeds, seed);
        const r: CaseResult = await runCase(api, c, join(dir, String(seed)));
        const key = r.outcome === 'error' ? `error[${r.code}]` : r.outcome;
        counts.set(key, (counts.get(key) ?? 0) + 1);
        if (r.outcome !== 'ok' && r.outcome !== 'error') findings.push(`seed ${seed} (${c.model}: ${c.mutation}): ${r.message}`);
        if (r.ms > CASE_LIMIT_MS) findings.push(`seed ${seed} (${c.model}: ${c.mutation}): took ${Math.round(r.ms)} ms`);
      }
    } finally {
      cleanup();
    }
    expect(findings).toEqual([]);
    // A fuzzer whose every case fails at the first byte would prove nothing: both outcomes occur.
    expect(counts.get('ok') ?? 0).toBeGreaterThan(10);
    expect([...counts.keys()].filter((k) => k.startsWith('error[')).length).toBeGreaterThan(4);
  }, 600_000);
});
