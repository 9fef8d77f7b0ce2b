import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PASSES, runPipeline } from '../../passes/index.js';
import { seededGraphInputs } from '../../passes/verify.js';
import { runReference } from '../../src/check/oracle.js';
import { YhcError } from '../../src/errors.js';
import { runGraph } from '../../src/interp/interpreter.js';
import { opCounts } from '../../src/ir/print.js';
import { loadModel } from '../../src/onnx/load.js';
import { REPO } from '../helpers/paths.js';

/**
 * Small QDQ models made by onnxruntime's quantize_static (test/data/quant/make_small_qdq.py: a
 * YOLO-like block — Conv+SiLU, Split, residual Add, Concat, SPPF MaxPools, nearest Resize — with
 * int8 and with uint8 activations): the interpreter runs their QDQ arithmetic as onnxruntime does
 * with graph optimizations off (the output's integer levels equal but for the few a flipped
 * rounding boundary moves, see below), recognize-qdq and the rest of the pipeline
 * change nothing the interpreter computes (bit for bit), and what the graph becomes: every conv a
 * QConv, Concat / Split / MaxPool / Resize on 8-bit tensors. INT4 and FLOAT8 models are refused
 * with a one-line typed error.
 */
const DIR = join(REPO, 'test', 'data', 'quant');

describe.each(['small_qdq', 'small_qdq_uint8'])('%s', (name) => {
  const model = join(DIR, `${name}.onnx`);

  it('the interpreter matches onnxruntime (optimizations off) by the quantized rule', async () => {
    const g = loadModel(model);
    const out = g.outputs[0]!;
    const dq = out.producer!;
    expect(dq.opType).toBe('DequantizeLinear');
    const [scale, zp] = [dq.input(1).constant!.data[0]!, dq.inputs[2]?.constant?.data[0] ?? 0];
    for (const seed of [1, 2, 3]) {
      const inputs = seededGraphInputs(g, seed);
      const got = runGraph(g, inputs)[out.name]!.data;
      const ref = (
        await runReference(model, { x: { dtype: 'float32', shape: [1, 8, 16, 16], data: inputs['x']!.data as Float32Array } }, { optimizations: 'disabled' })
      )[out.name]!.data as Float32Array;
      const level = (v: number) => Math.round(v / scale) + zp;
      let off = 0;
      for (let i = 0; i < ref.length; i++) {
        const d = Math.abs(level(got[i]!) - level(ref[i]!));
        expect(d, `element ${i}: ${got[i]} against ${ref[i]}`).toBeLessThanOrEqual(2);
        if (d > 0) off++;
      }
      // A quantum flipped at a rounding boundary in one layer perturbs the next layers' inputs, so
      // the output is not held to the one-quantum tensor rule. Measured over seeds 1–6 (1536
      // levels each): all equal but one level (int8, seed 2) and 16 levels, one of them 2 quanta
      // off (uint8, seed 3). Allowed: 3% of the levels, none more than 2 quanta.
      expect(off, `seed ${seed}`).toBeLessThanOrEqual(ref.length * 0.03);
    }
  }, 120_000);

  it('the pass pipeline runs every conv as a QConv and moves data on 8-bit tensors, computing the same bits', () => {
    const g = loadModel(model);
    const inputs = seededGraphInputs(g, 4);
    const before = runGraph(g, inputs)[g.outputs[0]!.name]!.data;
    const report = runPipeline(g, PASSES, { verify: true, seed: 4 });
    const after = runGraph(g, inputs)[g.outputs[0]!.name]!.data;
    expect(Array.from(after)).toEqual(Array.from(before));
    expect(report.passes.find((p) => p.name === 'recognize-qdq')!.verify!.every((c) => c.ok)).toBe(true);
    const ops = opCounts(g);
    expect(ops['ai.yhc.QConv']).toBe(7);
    expect(ops['Conv']).toBeUndefined();
    const q8 = (op: string) => g.nodes.filter((n) => n.opType === op).every((n) => n.outputs.every((v) => v.dtype === 'int8' || v.dtype === 'uint8'));
    for (const op of ['Concat', 'Split', 'MaxPool', 'Resize']) expect(q8(op), op).toBe(true);
  }, 120_000);
});

describe('8-bit types only', () => {
  const expectError = (file: string, code: string, message: RegExp) => {
    let err: unknown;
    try {
      loadModel(join(DIR, file));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(YhcError);
    expect((err as YhcError).code).toBe(code);
    expect((err as YhcError).message).toMatch(message);
    expect((err as YhcError).message).not.toContain('\n');
  };
  it('refuses_int4_weights', () => expectError('bad_int4_weights.onnx', 'UNSUPPORTED_DTYPE', /w_q.*INT4/));
  it('refuses_a_float8_quantizer', () => expectError('bad_float8_activation.onnx', 'UNSUPPORTED_DTYPE', /FLOAT8E4M3FN/));
});
