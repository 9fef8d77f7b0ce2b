import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileModel } from '../src/compile.js';
import { YhcError } from '../src/errors.js';
import { Engine } from '../src/runtime/engine.js';
import { Tensor } from '../src/tensor.js';
import { expectMatchesOnnxRuntime, randomInputs } from './helpers/golden.js';
import { convBlockSpec, writeModel } from './helpers/models.js';
import { fixture, tempDir } from './helpers/paths.js';

const { dir, cleanup } = tempDir('yhc-compile-');
afterAll(cleanup);

async function expectRejects(p: Promise<unknown>, code: string): Promise<YhcError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(YhcError);
  expect((e as YhcError).code).toBe(code);
  return e as YhcError;
}

/** No hidden staging directories may be left behind in `parent`. */
const leftovers = (parent: string) => readdirSync(parent).filter((f) => f.includes('.yhc-tmp-'));

describe('output directory', () => {
  it('leaves_no_directory_when_the_model_is_bad', async () => {
    const parent = join(dir, 'bad');
    mkdirSync(parent);
    const model = writeModel(parent, 'bad.onnx', { ...convBlockSpec(), nodes: [{ op: 'NoSuchOp', inputs: ['x'], outputs: ['y'] }] });
    await expectRejects(compileModel(model, { outDir: join(parent, 'out'), target: 'host', build: false }), 'UNSUPPORTED_OP');
    expect(existsSync(join(parent, 'out'))).toBe(false);
    expect(leftovers(parent)).toEqual([]);
  });

  it('leaves_no_directory_when_the_build_fails', async () => {
    const parent = join(dir, 'buildfail');
    mkdirSync(parent);
    const model = writeModel(parent, 'm.onnx', convBlockSpec());
    const env = process.env.YHC_CXX;
    process.env.YHC_CXX = '/bin/false';
    try {
      const e = await expectRejects(compileModel(model, { outDir: join(parent, 'out'), target: 'host', cacheDir: join(parent, 'cache') }), 'BUILD');
      expect(e.message).toMatch(/false failed on/);
    } finally {
      if (env === undefined) delete process.env.YHC_CXX;
      else process.env.YHC_CXX = env;
    }
    expect(existsSync(join(parent, 'out'))).toBe(false);
    expect(leftovers(parent)).toEqual([]);
  });

  it('keeps_the_previous_build_when_a_rebuild_fails', async () => {
    const parent = join(dir, 'keep');
    mkdirSync(parent);
    const good = writeModel(parent, 'good.onnx', convBlockSpec());
    const out = join(parent, 'out');
    await compileModel(good, { outDir: out, target: 'host', build: false });
    const before = readFileSync(join(out, 'manifest.json'), 'utf8');
    const bad = writeModel(parent, 'bad.onnx', { ...convBlockSpec(), nodes: [{ op: 'NoSuchOp', inputs: ['x'], outputs: ['y'] }] });
    await expectRejects(compileModel(bad, { outDir: out, target: 'host', build: false }), 'UNSUPPORTED_OP');
    expect(readFileSync(join(out, 'manifest.json'), 'utf8')).toBe(before);
  });

  it('refuses_to_replace_a_directory_that_is_not_a_build', async () => {
    const parent = join(dir, 'foreign');
    mkdirSync(join(parent, 'out'), { recursive: true });
    writeFileSync(join(parent, 'out', 'thesis.tex'), 'precious');
    const model = writeModel(parent, 'm.onnx', convBlockSpec());
    await expectRejects(compileModel(model, { outDir: join(parent, 'out'), target: 'host', build: false }), 'USAGE');
    expect(readFileSync(join(parent, 'out', 'thesis.tex'), 'utf8')).toBe('precious');
  });
});

describe('build cache', () => {
  it('makes_a_repeated_compile_free', async () => {
    const cacheDir = join(dir, 'cache-repeat');
    const model = writeModel(dir, 'repeat.onnx', convBlockSpec({}, 8, 10));
    const first = await compileModel(model, { outDir: join(dir, 'r1'), target: 'host', cacheDir });
    expect(first.manifest.build!.cacheHits).toBe(0);
    const second = await compileModel(model, { outDir: join(dir, 'r2'), target: 'host', cacheDir });
    expect(second.manifest.build!.cacheHits).toBe(second.manifest.build!.units);
    expect(second.manifest.buildId).toBe(first.manifest.buildId);
    const engine = Engine.load(join(dir, 'r2'));
    try {
      await expectMatchesOnnxRuntime(model, engine, randomInputs(engine.inputs, 1));
    } finally {
      engine.dispose();
    }
  });

  it('new_weights_change_the_build_id_but_reuse_the_kernels', async () => {
    const cacheDir = join(dir, 'cache-weights');
    const spec = convBlockSpec({}, 8, 10);
    const a = writeModel(dir, 'weights.onnx', spec);
    const first = (await compileModel(a, { outDir: join(dir, 'wa'), target: 'host', cacheDir })).manifest;
    const w = spec.initializers![0]!.tensor;
    const b = writeModel(dir, 'weights.onnx', {
      ...spec,
      initializers: [
        {
          name: 'w',
          tensor: Tensor.from(
            'float32',
            w.shape,
            Array.from(w.data, (v) => v * 2),
          ),
        },
      ],
    });
    const second = (await compileModel(b, { outDir: join(dir, 'wb'), target: 'host', cacheDir })).manifest;
    expect(second.buildId).not.toBe(first.buildId);
    // Only engine.cu (it names the build) and the link are new: every kernel object is reused.
    expect(second.build!.cacheHits).toBe(second.build!.units - 2);
  });
});

describe('toolchain', () => {
  it('explains_a_missing_nvcc_and_host_still_works', async () => {
    const model = writeModel(dir, 'nonvcc.onnx', convBlockSpec());
    const path = process.env.PATH;
    // A PATH with g++ but without nvcc (and no CUDA_HOME): the emulation header must stand alone.
    const gxx = ['/usr/bin', '/bin'].filter((d) => existsSync(join(d, 'g++')));
    process.env.PATH = [...gxx, dirname(process.execPath)].join(':');
    const cudaHome = process.env.CUDA_HOME;
    delete process.env.CUDA_HOME;
    try {
      const e = await expectRejects(compileModel(model, { outDir: join(dir, 'nonvcc-cuda'), target: 'cuda' }), 'TOOLCHAIN');
      expect(e.message).toMatch(/nvcc was not found on PATH.*--target host/);
      const { manifest } = await compileModel(model, { outDir: join(dir, 'nonvcc-host'), target: 'host', cacheDir: join(dir, 'cache-nonvcc') });
      expect(manifest.build!.compileFlags.join(' ')).not.toContain('cuda');
      const engine = Engine.load(join(dir, 'nonvcc-host'));
      try {
        await expectMatchesOnnxRuntime(model, engine, randomInputs(engine.inputs, 2));
      } finally {
        engine.dispose();
      }
    } finally {
      process.env.PATH = path;
      if (cudaHome !== undefined) process.env.CUDA_HOME = cudaHome;
    }
  });

  it('rejects_a_malformed_arch', async () => {
    await expectRejects(compileModel(fixture('tiny_head'), { outDir: join(dir, 'arch'), target: 'cuda', arch: ['sm_90; rm -rf /'] }), 'USAGE');
  });
});
