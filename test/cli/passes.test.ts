import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runGraph } from '../../src/interp/interpreter.js';
import { decodeModel, loadModel } from '../../src/onnx/load.js';
import { encodeModel } from '../../src/onnx/write.js';
import { Tensor } from '../../src/tensor.js';
import { seededGraphInputs } from '../../passes/verify.js';
import { GraphBuilder, expectTensorsClose } from '../helpers/graph_builder.js';
import { randomTensor } from '../helpers/models.js';
import { yhc } from '../helpers/cli.js';
import { fixture, tempDir } from '../helpers/paths.js';

/** The pass flags of `yhc compile` and `yhc inspect`, through the real CLI. */

const { dir, cleanup } = tempDir('yhc-cli-passes-');
afterAll(cleanup);

describe('yhc pass flags', () => {
  it('inspect_shows_the_pass_report', () => {
    const r = yhc('inspect', fixture('tiny_head'));
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/passes +13 run in \d+ ms/);
    expect(r.stdout).toMatch(/fold-batchnorm +BatchNormalization folded into the conv before it x12; BatchNormalization → ai\.yhc\.Affine x3/);
    expect(r.stdout).toMatch(/fold-repconv +3 parallel branches folded into one conv x3/);
    expect(r.stdout).toMatch(/recognize-decoder +YOLOv10 decoder .* x1/);
    expect(r.stdout).toMatch(/optimized 22 nodes: ai\.yhc\.Conv 15, ai\.yhc\.DwPw 3, ai\.yhc\.SimAM 3, ai\.yhc\.YoloDecode 1/);
    const json = JSON.parse(yhc('inspect', fixture('tiny_head'), '--json').stdout);
    expect(json.passes.passes.map((p: { name: string }) => p.name)).toContain('inline-simam');
  });

  it('inspect_says_what_matched_partially_and_why_it_was_left_alone', () => {
    // BN before a zero-padded conv: fold-batchnorm may not fold it, and says so.
    const b = new GraphBuilder(17);
    const x = b.input('x', 'float32', [1, 2, 5, 5]);
    const bn = b.op('BatchNormalization', [x, ...[1, 2, 3].map((s) => b.constant(randomTensor([2], s))), b.constant(Tensor.from('float32', [2], [1, 2]))]);
    b.output(
      b.op('Conv', [bn, b.constant(randomTensor([3, 2, 3, 3], 4))], {
        kernel_shape: { type: 'ints', value: [3, 3] },
        pads: { type: 'ints', value: [1, 1, 1, 1] },
      }),
    );
    const model = join(dir, 'bn_before_padded_conv.onnx');
    writeFileSync(model, encodeModel(b.spec()));
    const r = yhc('inspect', model);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      /fold-batchnorm +BatchNormalization → ai\.yhc\.Affine x1\n +left alone: node ".*" \(BatchNormalization\) not folded into node ".*" \(ai\.yhc\.Conv\): the conv zero-pads, and padding is not BN\(x\)/,
    );
    expect(yhc('inspect', model, '--no-passes').stdout).not.toMatch(/^passes/m);
  });

  it('skip_pass_runs_the_pipeline_without_the_pass_and_says_so', () => {
    const r = yhc('inspect', fixture('tiny_head'), '--skip-pass', 'recognize-decoder');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/recognize-decoder +skipped \(--skip-pass\)/);
    expect(r.stdout).not.toMatch(/ai\.yhc\.YoloDecode/);
    expect(r.stdout).toMatch(/fold-repconv +3 parallel branches folded into one conv x3/);
    const unknown = yhc('inspect', fixture('tiny_head'), '--skip-pass', 'recognise-decoder');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(
      /error\[USAGE\]: --skip-pass "recognise-decoder": no such pass; the passes are recognize-quant, recognize-qdq, canonicalize, .*recognize-decoder/,
    );
    expect(yhc('inspect', fixture('tiny_head'), '--skip-pass', 'recognize-decoder', '--no-passes').stderr).toMatch(
      /--skip-pass takes effect only without --no-passes/,
    );
  });

  it('compile_verify_reports_the_error_of_every_pass', () => {
    const r = yhc('compile', fixture('tiny_head'), '-o', join(dir, 'verified'), '--no-build', '--verify');
    expect(r.status).toBe(0);
    const report = r.stdout + r.stderr;
    expect(report).toMatch(/translation validation, seed 0/);
    for (const pass of ['fold-batchnorm', 'fold-repconv', 'fuse-groupnorm', 'inline-simam', 'group-dw-pw', 'recognize-decoder']) {
      expect(report).toMatch(new RegExp(`${pass} .*"detections" .*max abs [0-9.e+-]+.*max rel [0-9.e+-]+`));
    }
    const manifest = JSON.parse(readFileSync(join(dir, 'verified', 'manifest.json'), 'utf8'));
    expect(manifest.passes.map((p: { name: string }) => p.name)).toContain('fold-repconv');
  });

  it('print_after_dumps_the_ir_of_a_pass', () => {
    const r = yhc('inspect', fixture('tiny_head'), '--print-after', 'fold-repconv');
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^--- IR after fold-repconv\n/);
    expect(r.stderr).toMatch(/ai\.yhc\.Conv/);
    expect(r.stderr).not.toMatch(/BatchNormalization/);
    const bad = yhc('inspect', fixture('tiny_head'), '--print-after', 'fold-everything');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--print-after "fold-everything": no such pass; the passes are recognize-quant, recognize-qdq, canonicalize, fold-batchnorm/);
  });

  it('emit_onnx_writes_the_optimized_graph_that_computes_what_the_model_does', () => {
    const file = join(dir, 'tiny_head.yhc.onnx');
    const r = yhc('compile', fixture('tiny_head'), '-o', join(dir, 'emitted'), '--no-build', '--emit-onnx', file);
    expect(r.status).toBe(0);
    const proto = decodeModel(readFileSync(file), file);
    expect(proto.opsetImport.map((o) => o.domain)).toContain('ai.yhc');
    const ops = proto.graph!.node!.map((n) => `${n.domain}.${n.opType}`);
    expect(new Set(ops)).toEqual(new Set(['ai.yhc.Conv', 'ai.yhc.DwPw', 'ai.yhc.SimAM', 'ai.yhc.YoloDecode']));
    // It reads back, and the interpreter gets the original model's detections from it.
    const original = loadModel(fixture('tiny_head'));
    const optimized = loadModel(file);
    const inputs = seededGraphInputs(original, 3);
    expectTensorsClose(runGraph(optimized, inputs)['detections']!, runGraph(original, inputs)['detections']!, 1e-4, 'detections');
  });

  it('emit_onnx_into_a_missing_directory_is_a_clear_error', () => {
    const file = join(dir, 'no', 'such', 'dir', 'out.onnx');
    const r = yhc('inspect', fixture('tiny_head'), '--emit-onnx', file);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^yhc: error\[IO\]: cannot write ".*out\.onnx": ENOENT/);
    expect(existsSync(file)).toBe(false);
  });

  it('inspect_cost_prints_the_roofline_floor_against_the_one_kernel_per_op_plan', () => {
    const r = yhc('inspect', fixture('tiny_head'), '--cost');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^cost +roofline floor on H100 \(measured on an H100: ~3\.0 TB\/s copy/m);
    expect(r.stdout).toMatch(/k\d+_\w+ +(\w+\+)*DwPw(\+\w+)* +[\d,]+ FLOPs +[\d,]+ B +[\d.]+ µs +(memory|compute)-bound/);
    expect(r.stdout).toMatch(/this plan +\d+ launches +[\d.]+ MB moved +[\d.]+ µs floor/);
    expect(r.stdout).toMatch(/one kernel per ONNX op \(no passes\) +158 launches/);
    expect(r.stdout).toMatch(/traffic [\d.]+% of the one-kernel-per-op plan/);
    const json = JSON.parse(yhc('inspect', fixture('tiny_head'), '--cost', '--json').stdout);
    expect(json.cost.unoptimized.launches).toBe(158);
    const dirCost = yhc('inspect', dir, '--cost');
    expect(dirCost.status).toBe(2);
    expect(dirCost.stderr).toMatch(/--cost takes a model file/);
  });
});
