import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileModel } from '../../src/compile.js';
import { YhcError } from '../../src/errors.js';
import { runGraph } from '../../src/interp/interpreter.js';
import { loadModel } from '../../src/onnx/load.js';
import { Engine } from '../../src/runtime/engine.js';
import { Tensor } from '../../src/tensor.js';
import { randomInputs } from '../helpers/golden.js';
import { convBlockSpec, writeModel } from '../helpers/models.js';
import { TEST_CACHE, tempDir } from '../helpers/paths.js';

const { dir, cleanup } = tempDir('yhc-engine-');
afterAll(cleanup);

function expectYhcError(fn: () => unknown, code: string, message: RegExp): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(YhcError);
    expect((e as YhcError).code).toBe(code);
    expect((e as YhcError).message).toMatch(message);
    return;
  }
  throw new Error('expected an error');
}

const small = writeModel(dir, 'small.onnx', convBlockSpec({}, 4, 6));
const wide = writeModel(dir, 'wide.onnx', convBlockSpec({}, 8, 5));

beforeAll(async () => {
  await compileModel(small, { outDir: join(dir, 'small'), target: 'host', cacheDir: TEST_CACHE });
  await compileModel(wide, { outDir: join(dir, 'wide'), target: 'host', cacheDir: TEST_CACHE });
  await compileModel(small, { outDir: join(dir, 'sources'), target: 'host', build: false });
});

describe('Engine', () => {
  it('runs_by_name_and_agrees_with_the_interpreter', () => {
    const engine = Engine.load(join(dir, 'small'));
    try {
      const inputs = randomInputs(engine.inputs, 9);
      const out = engine.run(inputs);
      const ref = runGraph(loadModel(small), { x: new Tensor('float32', [1, 4, 6, 6], inputs.x as Float32Array) });
      const got = out.y as Float32Array;
      const want = ref.y!.data;
      for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-5);
    } finally {
      engine.dispose();
    }
  });

  it('two_engines_live_side_by_side_in_one_process', () => {
    const a = Engine.load(join(dir, 'small'));
    const b = Engine.load(join(dir, 'wide'));
    try {
      const ya = a.run(randomInputs(a.inputs, 1)).y!;
      const yb = b.run(randomInputs(b.inputs, 1)).y!;
      expect([ya.length, yb.length]).toEqual([4 * 36, 8 * 25]);
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('rejects_wrong_inputs_with_clear_errors', () => {
    const engine = Engine.load(join(dir, 'small'));
    try {
      expectYhcError(() => engine.run({}), 'INPUT', /missing input "x" \(float32\[1, 4, 6, 6\]\)/);
      expectYhcError(() => engine.run({ x: new Float32Array(144), z: new Float32Array(1) }), 'INPUT', /unknown input "z"/);
      expectYhcError(() => engine.run({ x: new Float64Array(144) }), 'INPUT', /must be a Float32Array/);
      expectYhcError(() => engine.run({ x: new Float32Array(10) }), 'INPUT', /must hold 144 elements/);
    } finally {
      engine.dispose();
    }
    expectYhcError(() => engine.run({ x: new Float32Array(144) }), 'RUNTIME', /disposed/);
    expect(() => engine.dispose(), 'a second dispose is harmless').not.toThrow();
  });

  it('refuses_corrupt_or_foreign_weights', () => {
    const weights = join(dir, 'small', 'weights.bin');
    const original = readFileSync(weights);
    try {
      const flipped = Buffer.from(original);
      flipped[flipped.length - 1]! ^= 0xff;
      writeFileSync(weights, flipped);
      expectYhcError(() => Engine.load(join(dir, 'small')), 'RUNTIME', /corrupt \(checksum mismatch\)/);
      writeFileSync(weights, original.subarray(0, 100));
      expectYhcError(() => Engine.load(join(dir, 'small')), 'RUNTIME', /wrong payload size|truncated/);
      copyFileSync(join(dir, 'wide', 'weights.bin'), weights);
      expectYhcError(() => Engine.load(join(dir, 'small')), 'RUNTIME', /belongs to another build/);
    } finally {
      writeFileSync(weights, original);
    }
  });

  it('explains_a_build_without_a_library', () => {
    expectYhcError(() => Engine.load(join(dir, 'sources')), 'RUNTIME', /--no-build/);
    expectYhcError(() => Engine.load(dir), 'IO', /not a yhc build directory \(no manifest\.json\)/);
    expectYhcError(() => Engine.load(join(dir, 'missing')), 'IO', /cannot read build directory ".*missing": no such file or directory/);
  });
});
