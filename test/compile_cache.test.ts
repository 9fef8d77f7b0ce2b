import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileModel, type CompileOptions } from '../src/compile.js';
import { compileCacheKey, fetchCompile, storeCompile } from '../src/compile_cache.js';
import { convBlockSpec, writeModel } from './helpers/models.js';
import { tempDir } from './helpers/paths.js';

/** src/compile_cache.ts: a repeated identical `yhc compile` copies the earlier build directory. */
const { dir, cleanup } = tempDir('yhc-compile-cache-');
afterAll(cleanup);
const cacheDir = join(dir, 'cache');
const model = writeModel(dir, 'block.onnx', convBlockSpec({ input: 'images', output: 'features' }));

describe('compile cache', () => {
  const base: CompileOptions = { outDir: join(dir, 'a'), target: 'host', cacheDir };

  it('keys on the options and the model bytes, and stays out of --no-build and --verify', () => {
    const key = compileCacheKey(model, base);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(compileCacheKey(model, { ...base, outDir: join(dir, 'elsewhere') })).toBe(key);
    expect(compileCacheKey(model, { ...base, batch: 2 })).not.toBe(key);
    expect(compileCacheKey(model, { ...base, precision: 'fp16' })).not.toBe(key);
    // Options added after the cache (--outputs, --dequantize, --skip-pass, --check) change the build too.
    expect(compileCacheKey(model, { ...base, outputs: 'efficientnms' })).not.toBe(key);
    expect(compileCacheKey(model, { ...base, dequantize: true })).not.toBe(key);
    expect(compileCacheKey(model, { ...base, skipPasses: ['recognize-decoder'] })).not.toBe(key);
    expect(compileCacheKey(model, { ...base, check: true })).not.toBe(key);
    expect(compileCacheKey(model, { ...base, jobs: 1 })).toBe(key);
    expect(compileCacheKey(model, { ...base, build: false })).toBeNull();
    expect(compileCacheKey(model, { ...base, verify: true })).toBeNull();
  });

  it('a stored build is copied to a new directory, with the manifest naming this model file', async () => {
    const key = compileCacheKey(model, base)!;
    expect(await fetchCompile(key, model, { ...base, outDir: join(dir, 'b') })).toBeNull();
    const first = await compileModel(model, base);
    storeCompile(key, first.outDir, cacheDir);
    const again = await fetchCompile(key, model, { ...base, outDir: join(dir, 'b') });
    expect(again).not.toBeNull();
    expect(again!.buildId).toBe(first.manifest.buildId);
    expect(again!.model.file).toBe(first.manifest.model.file);
    expect(existsSync(join(dir, 'b', first.manifest.library!))).toBe(true);
    expect(readFileSync(join(dir, 'b', 'engine.cu'), 'utf8')).toBe(readFileSync(join(dir, 'a', 'engine.cu'), 'utf8'));
  }, 300_000);
});
