import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkModel, poisonedOutputs } from '../../src/check/check.js';
import { seededGraphInputs } from '../../passes/verify.js';
import { runGraph } from '../../src/interp/interpreter.js';
import { loadModel } from '../../src/onnx/load.js';
import { withEngine } from '../helpers/golden.js';
import { compileModel } from '../../src/compile.js';
import { Tensor } from '../../src/tensor.js';
import { GraphBuilder } from '../helpers/graph_builder.js';
import { writeModel } from '../helpers/models.js';
import { REPO, TEST_CACHE, tempDir } from '../helpers/paths.js';
import { readFloats } from '../helpers/tensors.js';

/**
 * QDQ models compiled WITHOUT --dequantize run on int8 under host emulation: recognize-qdq's
 * QConvs (static input, requantized output, the QDQ SiLU as y_table) on the int8 kernels, Q / DQ
 * as fused elementwise kernels, Concat / Split / MaxPool (SPPF) / Resize on int8; `yhc check`
 * holds the detections to the quantized whole-model rule against onnxruntime with graph
 * optimizations off (at least 80% of its detections scoring >= 0.25 found). Measured on the
 * recorded input: 108/127 (the interpreter: 108/127). The small QDQ blocks
 * (test/data/quant/small_qdq*.onnx) have a dense output: held to the fp32 rule against the
 * levels is what means something there: the engine's output levels against the interpreter's
 * (onnxruntime's: test/golden/qdq_small.test.ts), and they must plan no float conv.
 */
const { dir, cleanup } = tempDir('yhc-qdq-');
afterAll(cleanup);

describe('yolov10n_e2e_320_qdq', () => {
  const name = 'yolov10n_e2e_320_qdq';
  const model = join(REPO, 'test', 'data', 'models', `${name}.onnx`);
  it('runs in int8 on the host and finds onnxruntime int8 detections', async () => {
    const images = readFloats(join(REPO, 'test', 'data', 'models', `${name}.input.images.bin`));
    const report = await checkModel(model, { inputs: { images }, outDir: join(dir, 'v10'), cacheDir: TEST_CACHE });
    expect(report.ok, JSON.stringify(report.outputs)).toBe(true);
    expect(report.outputs[0]!.detail).toMatch(/^\d+\/\d+ reference detections scoring >= 0.25 found/);
  }, 1_200_000);
});

describe('small QDQ blocks', () => {
  it.each(['small_qdq', 'small_qdq_uint8'])('%s plans every conv on the int8 kernels and data movement on 8-bit tensors', async (name) => {
    const { plan } = await compileModel(join(REPO, 'test', 'data', 'quant', `${name}.onnx`), { outDir: join(dir, name), target: 'host', build: false });
    const families = plan.kernels.map((k) => k.spec.family);
    expect(families.filter((f) => f === 'conv')).toEqual([]);
    expect(families.filter((f) => f.startsWith('q')).length).toBeGreaterThanOrEqual(6);
    const moved = plan.kernels.flatMap((k) => k.spec.nodes).filter((n) => ['Concat', 'Split', 'MaxPool', 'Resize'].includes(n.opType));
    expect(moved.length).toBeGreaterThan(0);
    for (const n of moved) expect(n.outputs.every((v) => v.dtype === 'int8' || v.dtype === 'uint8')).toBe(true);
    // The QDQ SiLUs are tables in their convs: no Sigmoid is left in any kernel.
    expect(plan.kernels.flatMap((k) => k.spec.nodes.map((n) => n.opType))).not.toContain('Sigmoid');
  });

  it.each(['small_qdq', 'small_qdq_uint8'])(
    '%s runs on the host in int8 and matches the interpreter level by level',
    async (name) => {
      const model = join(REPO, 'test', 'data', 'quant', `${name}.onnx`);
      const outDir = join(dir, `${name}-host`);
      await compileModel(model, { outDir, target: 'host', cacheDir: TEST_CACHE });
      const g = loadModel(model);
      const dq = g.outputs[0]!.producer!;
      const [scale, zp] = [dq.input(1).constant!.data[0]!, dq.inputs[2]?.constant?.data[0] ?? 0];
      const level = (v: number) => Math.round(v / scale) + zp;
      for (const seed of [1, 2]) {
        const inputs = seededGraphInputs(g, seed);
        const want = runGraph(g, inputs)[g.outputs[0]!.name]!.data;
        const got = await withEngine(outDir, (e) => e.runPositional([inputs['x']!.data as Float32Array], poisonedOutputs(e.outputs))[0]!);
        let off = 0;
        for (let i = 0; i < want.length; i++) {
          const d = Math.abs(level(Number(got[i])) - level(want[i]!));
          expect(d, `seed ${seed} element ${i}`).toBeLessThanOrEqual(2);
          if (d > 0) off++;
        }
        // The int8 conv's integer arithmetic against the float conv: one quantum at a boundary, and what it moves downstream.
        expect(off, `seed ${seed}`).toBeLessThanOrEqual(want.length * 0.03);
      }
    },
    600_000,
  );

  it('a_per_axis_activation_quantizer_has_no_kernel_and_stops_the_compile_naming_it', async () => {
    const b = new GraphBuilder(17);
    const x = b.input('x', 'float32', [1, 2, 4, 4]);
    const s = b.constant(Tensor.from('float32', [2], [0.1, 0.2]));
    const z = b.constant(Tensor.from('int8', [2], [0, 0]));
    b.output(b.op('DequantizeLinear', [b.op('QuantizeLinear', [x, s, z], {}, { name: 'per_axis_q' }), s, z]));
    const model = writeModel(dir, 'per_axis.onnx', b.spec());
    await expect(compileModel(model, { outDir: join(dir, 'per_axis'), target: 'host', build: false, passes: false })).rejects.toThrow(
      /^node "per_axis_q" \(QuantizeLinear\) and 1 more quantized node\(s\): yhc has no int8 kernel for them; compile with --dequantize/,
    );
  });
});
