import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { abiHeader, abiNames } from '../../codegen/emit/symbol_prefix.js';
import { compileModel } from '../../src/compile.js';
import { compileCacheKey } from '../../src/compile_cache.js';
import { Engine } from '../../src/runtime/engine.js';
import { readManifest } from '../../src/runtime/manifest_file.js';
import { yhc } from '../helpers/cli.js';
import { convBlockSpec, writeModel } from '../helpers/models.js';
import { REPO, TEST_CACHE, tempDir } from '../helpers/paths.js';

/**
 * `yhc compile --symbol-prefix P` (issue 13 item 5): two engines, built with prefixes a_ and b_,
 * link into one C program and load side by side in one Node process, each computing exactly
 * what its unprefixed build computes; the library exports the prefixed C ABI and nothing else.
 */
const { dir, cleanup } = tempDir('yhc-prefix-');
afterAll(cleanup);
const small = writeModel(dir, 'small.onnx', convBlockSpec({}, 4, 6));
const wide = writeModel(dir, 'wide.onnx', convBlockSpec({}, 8, 5));
const at = (name: string) => join(dir, name);

beforeAll(async () => {
  const host = { target: 'host' as const, cacheDir: TEST_CACHE };
  await compileModel(small, { ...host, outDir: at('small') });
  await compileModel(wide, { ...host, outDir: at('wide') });
  await compileModel(small, { ...host, outDir: at('a'), symbolPrefix: 'a_' });
  await compileModel(wide, { ...host, outDir: at('b'), symbolPrefix: 'b_' });
}, 600_000);

const floats = (path: string) => new Float32Array(new Uint8Array(readFileSync(path)).buffer);

describe('--symbol-prefix', () => {
  it('records_the_prefix_and_names_the_library_after_it', () => {
    const a = readManifest(at('a'));
    expect(a.symbolPrefix).toBe('a_');
    expect(a.library).toBe('lib/liba_yhc_small.so');
    expect(readManifest(at('small')).symbolPrefix).toBeUndefined();
    const header = readFileSync(join(at('a'), 'include', 'a_yhc_engine.h'), 'utf8');
    expect(readFileSync(join(at('a'), 'include', 'yhc_engine.h'), 'utf8')).toBe(header);
    expect(header).toContain('YHC_API int a_yhc_context_create(a_yhc_engine* engine, a_yhc_context** context);');
    expect(header).not.toMatch(/YHC_API [^\n(]*[ *]yhc_/);
  });

  it('exports_exactly_the_prefixed_c_abi', () => {
    const r = spawnSync('nm', ['-D', '--defined-only', join(at('a'), readManifest(at('a')).library!)], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const exported = r.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(' ').pop()!)
      .sort();
    const { functions } = abiNames(abiHeader());
    expect(functions).toContain('yhc_context_run_host_batch');
    expect(exported).toEqual(functions.map((f) => `a_${f}`).sort());
  });

  it('links_two_engines_into_one_c_program_each_computing_its_unprefixed_result', () => {
    const exe = at('two_engines');
    const inc = (d: string) => ['-I', join(at(d), 'include')];
    const link = (d: string, lib: string) => ['-L', join(at(d), 'lib'), `-l${lib}`, `-Wl,-rpath,${join(at(d), 'lib')}`];
    const cc = spawnSync(
      'gcc',
      [
        '-std=c11',
        '-O1',
        '-Wall',
        '-Werror',
        ...inc('a'),
        ...inc('b'),
        join(REPO, 'test/runtime/abi/two_engines.c'),
        '-o',
        exe,
        ...link('a', 'a_yhc_small'),
        ...link('b', 'b_yhc_wide'),
      ],
      { encoding: 'utf8' },
    );
    expect(cc.stderr).toBe('');
    expect(cc.status).toBe(0);
    const r = spawnSync(exe, [join(at('a'), 'weights.bin'), join(at('b'), 'weights.bin'), dir], { encoding: 'utf8', timeout: 120_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('abi 2 2\n');
    for (const [p, reference] of [
      ['a_', 'small'],
      ['b_', 'wide'],
    ] as const) {
      const engine = Engine.load(at(reference));
      try {
        const want = engine.run({ x: floats(join(dir, `${p}.in0.bin`)) }).y as Float32Array;
        expect(Array.from(floats(join(dir, `${p}.out0.bin`)))).toEqual(Array.from(want));
        expect(Array.from(floats(join(dir, `${p}.ctx0.bin`)))).toEqual(Array.from(want));
      } finally {
        engine.dispose();
      }
    }
  }, 120_000);

  it('loads_both_prefixed_engines_in_one_node_process', () => {
    const engines = ['a', 'b', 'small', 'wide'].map((d) => Engine.load(at(d)));
    try {
      const [a, b, smallRef, wideRef] = engines;
      for (const [prefixed, ref] of [
        [a!, smallRef!],
        [b!, wideRef!],
      ]) {
        const x = new Float32Array(ref.inputs[0]!.shape.reduce((n, d) => n * d, 1)).map((_, i) => Math.sin(i));
        const want = Array.from(ref.run({ x }).y as Float32Array);
        expect(Array.from(prefixed.run({ x }).y as Float32Array)).toEqual(want);
        expect(Array.from(prefixed.createContext().run({ x }).y as Float32Array)).toEqual(want);
      }
    } finally {
      for (const e of engines) e.dispose();
    }
  });

  it('refuses_a_prefix_that_is_not_a_c_identifier_naming_it', async () => {
    for (const bad of ['9x', 'a-b', '', '__x', 'a b']) {
      await expect(compileModel(small, { outDir: at('bad'), target: 'host', build: false, symbolPrefix: bad })).rejects.toThrow(
        `--symbol-prefix ${JSON.stringify(bad)} is not a C identifier prefix`,
      );
    }
  });

  it('is_a_compile_flag_whose_bad_value_is_a_one_line_usage_error', () => {
    const bad = yhc('compile', small, '--target', 'host', '--no-build', '--symbol-prefix', '1det', '-o', at('cli'));
    expect(bad.stderr).toMatch(/^yhc: error\[USAGE\]: --symbol-prefix "1det" is not a C identifier prefix [^\n]*\n$/);
    expect(bad.status).toBe(2);
    const good = yhc('compile', small, '--target', 'host', '--no-build', '--symbol-prefix', 'det_', '-o', at('cli'), '--quiet');
    expect(good.status, good.stderr).toBe(0);
    expect(readManifest(at('cli')).symbolPrefix).toBe('det_');
    expect(readFileSync(join(at('cli'), 'engine.cu'), 'utf8')).toContain('#define yhc_engine_create det_yhc_engine_create');
  });

  it('is_part_of_the_compile_cache_key', () => {
    const base = { outDir: at('x'), target: 'host' as const };
    const plain = compileCacheKey(small, base);
    expect(plain).not.toBeNull();
    expect(compileCacheKey(small, { ...base, symbolPrefix: 'a_' })).not.toBe(plain);
    expect(compileCacheKey(small, { ...base, symbolPrefix: 'a_' })).not.toBe(compileCacheKey(small, { ...base, symbolPrefix: 'b_' }));
    expect(compileCacheKey(small, { ...base, symbolPrefix: 'a_', outDir: at('y') })).toBe(compileCacheKey(small, { ...base, symbolPrefix: 'a_' }));
  });
});
