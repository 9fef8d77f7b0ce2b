import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkOutput } from '../../src/golden/check_output.js';
import { compileModel } from '../../src/compile.js';
import { runGraph } from '../../src/interp/interpreter.js';
import { loadModel } from '../../src/onnx/load.js';
import { tensorFromTypedArray, typedArrayOf } from '../../src/typed_arrays.js';
import { randomInputs, withEngine } from '../helpers/golden.js';
import { REPO, TEST_CACHE, tempDir } from '../helpers/paths.js';

/**
 * The GPU-machine scripts need torch and a GPU, which neither this machine nor CI has: here they
 * are only parsed (Python byte-compiled, shell scripts read by `bash -n`), so a syntax error is
 * caught before a scarce GPU session finds it. The CPU rehearsal of the whole device call, which
 * needs torch (not in CI), is `PYTHON=... tools/gpu/device_run.sh --dry-run` (README, "The GPU
 * check and benchmark").
 */
function run(cmd: string, ...args: string[]) {
  const r = spawnSync(cmd, args, { cwd: REPO, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('GPU scripts', () => {
  it.each([
    'bench/gpu_bench.py',
    'bench/torch_onnx.py',
    'bench/torch_decoder.py',
    'tools/gpu/gpu_check.py',
    'tools/gpu/build.py',
    'tools/gpu/report.py',
    'tools/gpu/budget.py',
    'tools/gpu/preflight.py',
  ])('%s byte-compiles', (file) => {
    const r = run('python3', '-c', `import ast, sys; ast.parse(open(sys.argv[1]).read(), sys.argv[1])`, file);
    expect(r.status, r.out).toBe(0);
  });

  it.each(['bench/prepare_gpu.sh', 'tools/gpu/prepare.sh', 'tools/gpu/device_run.sh', 'tools/gpu/carry_size.sh'])('%s parses', (file) => {
    const r = run('bash', '-n', file);
    expect(r.status, r.out).toBe(0);
  });

  it('the build list names each build once, with known roles and a model prepare can find', () => {
    const lines = readFileSync(join(REPO, 'tools/gpu/builds.txt'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith('#'));
    const names = new Set<string>();
    for (const line of lines) {
      const [name, model, roles, ...flags] = line.trim().split(/\s+/) as [string, string, string, ...string[]];
      expect(names.has(name), name).toBe(false);
      names.add(name);
      expect(
        roles.split(',').every((r) => r === 'check' || r === 'bench' || /^vs=\w+$/.test(r)),
        line,
      ).toBe(true);
      // vs=BUILD names an earlier benchmarked build (its yhc row is the baseline).
      for (const base of roles.split(',').flatMap((r) => (r.startsWith('vs=') ? [r.slice(3)] : []))) {
        expect(names.has(base) && lines.some((l) => l.startsWith(`${base} `) && /\bbench\b/.test(l)), `${line}: baseline ${base}`).toBe(true);
      }
      const generated = /^out\/carry\/models\/decoder_(640|1280)\.onnx$/.test(model);
      expect(generated || existsSync(join(REPO, model)), `${model} exists`).toBe(true);
      expect(
        flags.every((f) => /^(--[a-z-]+|\w+)$/.test(f)),
        line,
      ).toBe(true);
    }
    expect(lines.filter((l) => /\bbench\b/.test(l)).length).toBeGreaterThanOrEqual(8);
    // Issue 10's GPU goal is yolov10n_e2e fp16 at batch 1 (and 32): the first bench rows.
    expect(lines.slice(0, 2).map((l) => l.split(/\s+/)[0])).toEqual(['yolov10n_e2e_fp16', 'yolov10n_e2e_b32_fp16']);
    // Issue 11's: the QDQ model on int8 against them, batch 1 and 32.
    expect(lines.filter((l) => /vs=/.test(l)).map((l) => l.split(/\s+/).slice(0, 3))).toEqual([
      ['yolov10n_e2e_qdq_int8', '../shared/fixtures/models/yolov10n_e2e_qdq.onnx', 'check,bench,vs=yolov10n_e2e_fp16'],
      ['yolov10n_e2e_qdq_b32_int8', '../shared/fixtures/models/yolov10n_e2e_qdq.onnx', 'bench,vs=yolov10n_e2e_b32_fp16'],
    ]);
  });
});

describe('bench/decoder_model.mjs (the decoder-only benchmark model)', () => {
  const { dir, cleanup } = tempDir('yhc-decoder-model-');
  afterAll(cleanup);

  it('writes a YoloDecode model that compiles to the three decoder kernels and runs as the interpreter says', async () => {
    const model = join(dir, 'decoder_640.onnx');
    const r = run('node', 'bench/decoder_model.mjs', model, '--input', '640', '--nc', '4', '--max-det', '50');
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain('8400 anchors x 4 classes -> 50');
    const outDir = join(dir, 'build');
    const { manifest } = await compileModel(model, { outDir, target: 'host', batch: 2, cacheDir: TEST_CACHE });
    expect(manifest.kernels.map((k) => k.id.replace(/^k\d+_/, ''))).toEqual(['yolodecode', 'yoloselect', 'yolodetections']);
    expect(manifest.dynamicBatch).toBe(true);
    await withEngine(outDir, async (engine) => {
      const inputs = randomInputs(engine.manifest.inputs, 3);
      const [got] = engine.runPositional(engine.manifest.inputs.map((i) => inputs[i.name]!));
      const graph = loadModel(model, { batch: 2 });
      const tensors = Object.fromEntries(engine.manifest.inputs.map((i) => [i.name, tensorFromTypedArray('float32', i.shape, inputs[i.name]!)]));
      const want = runGraph(graph, tensors)['detections']!;
      const result = checkOutput(engine.manifest.outputs[0]!, got!, { dims: want.shape, data: typedArrayOf(want) });
      expect(result.ok, result.detail).toBe(true);
    });
  }, 120_000);
});
