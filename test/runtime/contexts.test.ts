import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileModel } from '../../src/compile.js';
import { YhcError } from '../../src/errors.js';
import { Engine } from '../../src/runtime/engine.js';
import { readManifest } from '../../src/runtime/manifest_file.js';
import type { TypedArray } from '../../src/typed_arrays.js';
import { randomInputs } from '../helpers/golden.js';
import { convBlockSpec, writeModel } from '../helpers/models.js';
import { REPO, TEST_CACHE, tempDir } from '../helpers/paths.js';

/**
 * One engine, many execution contexts (issue 13 item 5): the weights are allocated once, each
 * context has its own activations, N contexts in N threads give exactly the single-context
 * results, and misuse of a context is refused like misuse of an engine. From C (threads,
 * test/runtime/abi/contexts.c) and from TypeScript (runAsync on koffi's worker threads).
 */
const { dir, cleanup } = tempDir('yhc-contexts-');
afterAll(cleanup);
const build = join(dir, 'block');

beforeAll(async () => {
  await compileModel(writeModel(dir, 'block.onnx', convBlockSpec({}, 16, 24)), { outDir: build, target: 'host', cacheDir: TEST_CACHE });
}, 600_000);

const INVALID = 1;
const NOT_LIVE = 'the context handle is not live (destroyed, its engine destroyed, or not made by yhc_context_create)';

function lines(stdout: string): Map<string, string> {
  return new Map(
    stdout
      .trim()
      .split('\n')
      .map((l) => [l.split(' ')[0]!, l.split(' ').slice(1).join(' ')]),
  );
}

describe('execution contexts from C', () => {
  it('share_the_weights_run_in_parallel_threads_and_refuse_misuse', () => {
    const exe = join(dir, 'contexts');
    const cc = spawnSync(
      'gcc',
      ['-O1', '-Wall', '-Werror', '-I', join(REPO, 'templates'), join(REPO, 'test/runtime/abi/contexts.c'), '-o', exe, '-ldl', '-pthread'],
      {
        encoding: 'utf8',
      },
    );
    expect(cc.stderr).toBe('');
    const m = readManifest(build);
    const r = spawnSync(exe, [join(build, m.library!), join(build, 'weights.bin'), '4'], { encoding: 'utf8', timeout: 300_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const got = lines(r.stdout);

    // The host emulation's own allocation counter: weights once, then one context per create.
    const [, weights, , context, , engine, , all] = got.get('memory')!.split(' ').map(Number);
    expect(weights).toBe(m.weights.bytes);
    expect(context).toBe(Math.max(1, m.arenaBytes) + Math.max(1, m.stateBytes));
    expect(engine).toBe(weights! + context!);
    expect(all).toBe(weights! + 5 * context!);
    expect(got.get('memory_after_destroy')).toBe('0');

    expect(got.get('threads')).toBe('ok');
    expect(got.get('shared_context')).toBe('ok busy 1');

    expect(got.get('create_null_out')).toBe(`${INVALID} context out-pointer is NULL`);
    expect(got.get('create_null_engine')).toBe(`${INVALID} engine is NULL`);
    expect(got.get('create_null_engine_sets_null')).toBe('1');
    expect(got.get('create_foreign_engine')).toBe(`${INVALID} the engine handle is not live (destroyed, or not made by yhc_engine_create)`);
    expect(got.get('run_null_context')).toBe(`${INVALID} context, inputs and outputs must not be NULL`);
    expect(got.get('run_null_inputs')).toBe(`${INVALID} context, inputs and outputs must not be NULL`);
    expect(got.get('run_foreign_pointer')).toBe(`${INVALID} ${NOT_LIVE}`);
    expect(got.get('run_batch_0')).toBe(`${INVALID} batch 0 is outside 1..1 (the compiled batch)`);
    expect(got.get('context_last_error_after_failure')).toBe('batch 0 is outside 1..1 (the compiled batch)');
    expect(got.get('run')).toBe('0 ');
    expect(got.get('context_last_error_after_success')).toBe('[]');
    expect(got.get('run_destroyed_context')).toBe(`${INVALID} ${NOT_LIVE}`);
    expect(got.get('destroy_twice_and_null')).toBe('0');
    expect(got.get('engine_run_after_context_destroy')).toBe('0 ');
    expect(got.get('run_context_of_destroyed_engine')).toBe(`${INVALID} ${NOT_LIVE}`);
    expect(got.get('create_on_destroyed_engine')).toBe(`${INVALID} the engine handle is not live (destroyed, or not made by yhc_engine_create)`);
  }, 300_000);
});

const exactly = (a: TypedArray, b: TypedArray) =>
  expect(Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))).toBe(true);

describe('Engine.createContext', () => {
  it('runs_contexts_concurrently_with_the_single_context_results', async () => {
    const engine = Engine.load(build);
    try {
      const sets = [1, 2, 3, 4].map((seed) => randomInputs(engine.inputs, seed));
      const want = sets.map((inputs) => engine.run(inputs).y!);
      const contexts = sets.map(() => engine.createContext());
      expect(engine.memory.contexts).toBe(5);
      expect(engine.memory.weightBytes).toBe(engine.manifest.weights.bytes);
      for (let round = 0; round < 3; round++) {
        const got = await Promise.all(contexts.map((c, i) => c.runAsync(sets[i]!)));
        got.forEach((g, i) => exactly(g.y!, want[i]!));
      }
      exactly(contexts[2]!.run(sets[2]!).y!, want[2]!);
      contexts[0]!.dispose();
      expect(engine.memory.contexts).toBe(4);
    } finally {
      engine.dispose();
    }
  });

  it('refuses_a_second_async_run_of_one_context_and_a_disposed_one', async () => {
    const engine = Engine.load(build);
    const inputs = randomInputs(engine.inputs, 1);
    const context = engine.createContext();
    const first = context.runAsync(inputs);
    await expect(context.runAsync(inputs)).rejects.toThrow(/already running \(one run at a time per context/);
    expect(() => engine.dispose()).toThrow(/while a context run is in flight/);
    await first;
    engine.dispose();
    expect(() => context.run(inputs)).toThrow(YhcError);
    expect(() => context.run(inputs)).toThrow(/the context was disposed \(or its engine was\)/);
    await expect(context.runAsync(inputs)).rejects.toThrow(/disposed/);
    expect(() => context.dispose()).not.toThrow();
    expect(() => engine.createContext()).toThrow(/the engine was disposed/);
  });

  it('reports_a_failed_async_run_with_the_contexts_own_error', async () => {
    const engine = Engine.load(build);
    try {
      const context = engine.createContext();
      await expect(context.runAsync(randomInputs(engine.inputs, 1), { batch: 2 })).rejects.toThrow(/batch 2 is outside 1\.\.1/);
    } finally {
      engine.dispose();
    }
  });
});
