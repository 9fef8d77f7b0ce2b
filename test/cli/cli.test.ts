import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeNpy } from '../../src/runtime/npy.js';
import { writeModel } from '../helpers/models.js';
import { yhc } from '../helpers/cli.js';
import { FIXTURES, REPO, fixture, tempDir } from '../helpers/paths.js';
import { int } from '../helpers/attrs.js';

const { dir, cleanup } = tempDir('yhc-cli-');
afterAll(cleanup);
const tinyInputs = ['p3', 'p4', 'p5'].flatMap((n) => ['--input', `${n}=${join(FIXTURES, `tiny_head.input.${n}.bin`)}`]);

describe('yhc', () => {
  it('lists_its_commands', () => {
    const r = yhc('--help');
    expect(r.status).toBe(0);
    for (const c of ['compile', 'inspect', 'run', 'check']) expect(r.stdout).toContain(c);
    expect(yhc().status).toBe(2);
  });

  it('documents_every_flag_it_accepts', () => {
    const help = yhc('compile', '--help').stdout;
    for (const flag of ['--out', '--target', '--arch', '--batch', '--no-build', '--jobs', '--json', '--quiet']) expect(help).toContain(flag);
    expect(yhc('check', '--help').stdout).toMatch(/--inputs DIR[\s\S]*--seed N/);
  });

  it('reports_errors_on_one_line_with_status_2', () => {
    const r = yhc('compile', join(dir, 'missing.onnx'), '-o', join(dir, 'x'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^yhc: error\[IO\]: cannot read model ".*missing\.onnx": ENOENT\n$/);
    expect(yhc('compile', join(dir, 'missing.onnx'), '--debug').stderr).toMatch(/at .*load/);
    expect(yhc('compile', '--frobnicate').stderr).toBe('yhc: error[USAGE]: unknown option --frobnicate (see yhc compile --help)\n');
    expect(yhc('launch').status).toBe(2);
  });

  it('compile_json_prints_one_manifest_document', () => {
    const out = join(dir, 'tiny');
    const r = yhc('compile', fixture('tiny_head'), '-o', out, '--target', 'host', '--json');
    expect(r.status).toBe(0);
    const manifest = JSON.parse(r.stdout);
    expect(manifest.target).toBe('host');
    expect(manifest.kernels.length).toBeGreaterThan(0);
    expect(existsSync(join(out, manifest.library))).toBe(true);
    for (const f of ['engine.cu', 'engine.ts', 'weights.bin', 'include/yhc_engine.h', 'kernels/kernels.h']) expect(existsSync(join(out, f)), f).toBe(true);
  });

  it('inspects_models_and_builds', () => {
    const m = JSON.parse(yhc('inspect', fixture('improved_head_s'), '--json').stdout);
    expect(m.fileOps.BatchNormalization).toBe(15);
    expect(m.ops.Shape).toBeUndefined();
    expect(m.parameters).toBeGreaterThan(1_000_000);
    expect(m.flops).toBeGreaterThan(1e9);
    const text = yhc('inspect', fixture('tiny_head')).stdout;
    expect(text).toMatch(/input +"p3" float32\[1, 16, 20, 20\]/);
    const build = yhc('inspect', join(dir, 'tiny')).stdout;
    // yhc's ops labelled as such, with how many of the model's ONNX nodes each replaces.
    expect(build).toMatch(
      /k\d+_horizontal +ai\.yhc\.Conv "\/one2one_cv2\.0\/one2one_cv2\.0\.0\/conv\/Conv" \(replaces \d+ ONNX nodes\)\n +ai\.yhc\.Conv "\/one2one_cv2\.1\/one2one_cv2\.1\.0\/conv\/Conv" \(replaces \d+ ONNX nodes\)\n/,
    );
  });

  it('runs_a_build_on_input_files', () => {
    const save = join(dir, 'saved');
    const r = yhc('run', join(dir, 'tiny'), ...tinyInputs, '--save', save, '--json');
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.outputs[0].shape).toEqual([1, 20, 6]);
    const npy = readFileSync(join(save, 'detections.npy'));
    const recorded = readFileSync(join(FIXTURES, 'tiny_head.output.detections.bin'));
    expect(npy.length - recorded.length).toBeLessThan(200);
    const missing = yhc('run', join(dir, 'tiny'), '--input', `p3=${join(FIXTURES, 'tiny_head.input.p3.bin')}`);
    expect(missing.stderr).toMatch(/missing --input p4=FILE/);
    const wrong = yhc('run', join(dir, 'tiny'), ...tinyInputs.slice(0, 4), '--input', `p5=${join(FIXTURES, 'tiny_head.input.p3.bin')}`);
    expect(wrong.stderr).toMatch(/input "p5" from .* has 25600 bytes; float32\[1, 64, 5, 5\] needs 6400/);
  });

  it('check_passes_on_a_fixture', () => {
    const r = yhc('check', fixture('tiny_head'), '--inputs', FIXTURES, '--json');
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.ok).toBe(true);
    expect(report.outputs[0].rule).toBe('detections');
    expect(yhc('check', fixture('tiny_head_raw'), '--seed', '4').stdout).toMatch(/"preds" +dense .* ok[\s\S]*PASS/);
  });

  it('check_precision_fp16_compares_at_1e-2_and_refuses_other_precisions', () => {
    const r = yhc('check', fixture('tiny_head'), '--inputs', FIXTURES, '--precision', 'fp16', '--json');
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.precision).toBe('fp16');
    expect(report.outputs[0].tolerance).toBeGreaterThanOrEqual(1e-2); // 1e-2 · max(1, max |score|)
    const bad = yhc('compile', fixture('tiny_head'), '--precision', 'int8', '--no-build', '-o', join(dir, 'never_int8'));
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^yhc: error\[USAGE\]: --precision must be fp32 or fp16, got "int8"/);
    expect(existsSync(join(dir, 'never_int8'))).toBe(false);
  });

  it('check_exits_1_on_a_mismatch', () => {
    // Casting out-of-range floats to int32 is undefined in ONNX: yhc saturates (as CUDA's
    // cvt does), onnxruntime on x86 returns INT_MIN. A real, reproducible disagreement.
    const model = writeModel(dir, 'cast.onnx', {
      inputs: [{ name: 'x', dtype: 'float32', dims: [4] }],
      outputs: [{ name: 'y', dtype: 'int32', dims: [4] }],
      nodes: [{ op: 'Cast', inputs: ['x'], outputs: ['y'], attrs: { to: int(6) } }],
    });
    const inputs = join(dir, 'cast_inputs');
    mkdirSync(inputs);
    writeFileSync(join(inputs, 'x.npy'), writeNpy('float32', [4], new Float32Array([1e10, 1, 2, 3])));
    const r = yhc('check', model, '--inputs', inputs);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/MISMATCH[\s\S]*FAIL/);
  });
});

it('the_bin_is_executable_and_esm', () => {
  expect(execFileSync(process.execPath, [join(REPO, 'bin', 'yhc.js'), '--version'], { encoding: 'utf8' })).toMatch(/^\d+\.\d+\.\d+\n$/);
});
