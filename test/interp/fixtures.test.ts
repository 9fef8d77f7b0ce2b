import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareDense, compareDetections } from '../../src/golden/compare.js';
import { runReference } from '../../src/check/oracle.js';
import { runGraph } from '../../src/interp/interpreter.js';
import { loadModel } from '../../src/onnx/load.js';
import { Tensor } from '../../src/tensor.js';
import { randomValues } from '../ops/helpers.js';

/**
 * The interpreter (every op's reference semantics) on the real exported heads, compared with
 * onnxruntime running the same model: on the recorded inputs where a fixture has them, and on
 * seeded random inputs. Dense outputs use the fp32 rule of docs/golden_rules.md, detections its near-tie rule.
 */

const FIXTURES = join(import.meta.dirname, '../data/fixtures');

const CASES: { name: string; batch?: number; recorded?: string; seed: number }[] = [
  { name: 'tiny_head_raw', recorded: 'tiny_head_raw', seed: 21 },
  { name: 'tiny_head', recorded: 'tiny_head', seed: 22 },
  { name: 'v10head_n', recorded: 'v10head_n', seed: 23 },
  { name: 'v10head_n_unfused', recorded: 'v10head_n', seed: 24 },
  { name: 'v10head_n_dynbatch', batch: 2, seed: 25 },
  { name: 'improved_head_s', seed: 26 },
];

function recorded(stem: string, name: string, shape: readonly number[]): Tensor | null {
  const path = join(FIXTURES, `${stem}.input.${name}.bin`);
  if (!existsSync(path)) return null;
  const b = readFileSync(path);
  return new Tensor('float32', shape, new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)));
}

async function expectInterpreterMatchesOrt(model: string, inputs: Record<string, Tensor>, batch?: number): Promise<void> {
  const graph = loadModel(model, batch ? { batch } : {});
  const got = runGraph(graph, inputs);
  const ref = await runReference(
    model,
    Object.fromEntries(Object.entries(inputs).map(([k, t]) => [k, { dtype: t.dtype, shape: t.shape, data: Float32Array.from(t.data) }])),
  );
  for (const v of graph.outputs) {
    const g = got[v.name]!;
    const r = ref[v.name]!;
    expect([...g.shape], v.name).toEqual([...r.dims]);
    const rData = Array.from(r.data as ArrayLike<number>, Number);
    if (g.shape.length === 3 && g.shape[2] === 6) {
      const c = compareDetections(g.data, rData, g.shape);
      expect(c.problem, `${v.name}: ${c.problem}`).toBeNull();
      expect(c.ok).toBe(true);
    } else {
      const c = compareDense(g.data, rData);
      expect(c.ok, `${v.name}: max |diff| ${c.maxAbs} > ${c.tolerance} at ${c.firstBad}`).toBe(true);
    }
  }
}

describe('interpreter on the exported heads vs onnxruntime', () => {
  for (const { name, batch, recorded: stem, seed } of CASES) {
    const model = join(FIXTURES, `${name}.onnx`);
    const shapes = () => loadModel(model, batch ? { batch } : {}).inputs.map((v) => [v.name, v.shape] as const);
    if (stem) {
      it(`${name}: recorded inputs`, async () => {
        const inputs = Object.fromEntries(shapes().map(([n, s]) => [n, recorded(stem, n, s)!]));
        await expectInterpreterMatchesOrt(model, inputs);
      });
    }
    it(`${name}${batch ? ` (batch ${batch})` : ''}: random inputs (seed ${seed})`, async () => {
      const inputs = Object.fromEntries(
        shapes().map(([n, s], i) => {
          const size = s.reduce((a, b) => a * b, 1);
          return [n, new Tensor('float32', s, randomValues(size, seed * 10 + i, -2, 2))];
        }),
      );
      await expectInterpreterMatchesOrt(model, inputs, batch);
    });
  }
});
