import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { poisonedOutputs } from '../../../src/check/check.js';
import { compileModel } from '../../../src/compile.js';
import { compareDense } from '../../../src/golden/compare.js';
import { runGraph } from '../../../src/interp/interpreter.js';
import { opCounts } from '../../../src/ir/print.js';
import { loadModel } from '../../../src/onnx/load.js';
import { tensorFromTypedArray, typedArrayOf, type TypedArray } from '../../../src/typed_arrays.js';
import type { Manifest } from '../../../src/manifest.js';
import { GraphBuilder } from '../../helpers/graph_builder.js';
import { expectMatchesOnnxRuntime, randomInputs, withEngine } from '../../helpers/golden.js';
import { writeModel } from '../../helpers/models.js';
import { TEST_CACHE, tempDir } from '../../helpers/paths.js';
import { addAttention, type AttentionVariant } from '../../passes/attention_graphs.js';

/**
 * The attention kernel (attention.cuh) under host emulation, batch 2, on the PSA/C2PSA pattern as
 * exported (qkv conv → attention → positional conv → proj conv), fused by fuse-attention into
 * one ai.yhc.Attention: against the interpreter running the optimized graph (the op's meaning)
 * and onnxruntime running the original model, fp32 (1e-4) and fp16 storage (1e-2).
 */
const { dir, cleanup } = tempDir('yhc-attention-');
afterAll(cleanup);

const CASES: readonly { name: string; variant: AttentionVariant }[] = [
  // YOLOv10-N / YOLO11-N at 640: 400 tokens, 2 heads, key_dim 32, head_dim 64 (7 key tiles, the last partial).
  { name: 'psa_640_400_tokens_2_heads_hd64', variant: { heads: 2, keyDim: 32, headDim: 64, h: 20, w: 20 } },
  // At 320: 100 tokens, one head of head_dim 32.
  { name: 'psa_320_100_tokens_1_head_hd32', variant: { heads: 1, keyDim: 16, headDim: 32, h: 10, w: 10 } },
  // key_dim 64, head_dim 64, no positional conv, tokens not a multiple of the query block.
  { name: 'no_pe_2_heads_kd64_hd64_70_tokens', variant: { heads: 2, keyDim: 64, headDim: 64, h: 7, w: 10, pe: 'none' } },
];

const b = new GraphBuilder(17);
CASES.forEach((c, i) => addAttention(b, { n: 2, convs: true, ...c.variant }, `case${i}_`));
const model = writeModel(dir, 'attention_cases.onnx', b.spec());

interface Built {
  readonly manifest: Manifest;
  readonly counts: Record<string, number>;
  readonly outDir: string;
  /** Element types of the attention kernels' qkv inputs. */
  readonly qkvTypes: string[];
}

async function build(precision: 'fp32' | 'fp16'): Promise<Built> {
  const outDir = join(dir, `attention_${precision}`);
  const { manifest, graph } = await compileModel(model, { outDir, target: 'host', cacheDir: TEST_CACHE, verify: true, precision });
  return { manifest, counts: opCounts(graph), outDir, qkvTypes: graph.nodes.filter((n) => n.opType === 'Attention').map((n) => n.input(0).dtype) };
}

describe.each(['fp32', 'fp16'] as const)('attention kernel, %s storage (host emulation)', (precision) => {
  let built: Built;
  beforeAll(async () => {
    built = await build(precision);
  }, 600_000);

  it('fuses_each_attention_into_one_kernel_and_no_matmul_softmax_or_transpose_remains', () => {
    expect(built.counts['ai.yhc.Attention']).toBe(CASES.length);
    const templates = built.manifest.kernels.map((k) => k.template);
    expect(templates.filter((t) => t === 'attention.cuh')).toHaveLength(CASES.length);
    for (const t of ['matmul.cuh', 'softmax.cuh', 'data_movement.cuh']) expect(templates).not.toContain(t);
    // Between the qkv and proj convs the tensors are stored in half under fp16.
    expect(built.qkvTypes).toEqual(CASES.map(() => (precision === 'fp16' ? 'float16' : 'float32')));
  });

  it('matches_onnxruntime_on_the_original_model', async () => {
    await withEngine(built.outDir, async (engine) => {
      for (const seed of [1, 2]) await expectMatchesOnnxRuntime(model, engine, randomInputs(engine.manifest.inputs, seed));
    });
  }, 120_000);

  it.runIf(precision === 'fp32')(
    'matches_the_interpreter_on_the_optimized_graph',
    async () => {
      const { graph } = await compileModel(model, { outDir: join(dir, 'attention_graph'), target: 'host', cacheDir: TEST_CACHE, build: false });
      await withEngine(built.outDir, async (engine) => {
        const inputs: Record<string, TypedArray> = randomInputs(engine.manifest.inputs, 3);
        const got = await engine.runPositional(
          engine.manifest.inputs.map((i) => inputs[i.name]!),
          poisonedOutputs(engine.outputs),
        );
        const tensors = Object.fromEntries(engine.manifest.inputs.map((i) => [i.name, tensorFromTypedArray('float32', i.shape, inputs[i.name]!)]));
        const definition = runGraph(graph, tensors);
        engine.manifest.outputs.forEach((o, i) => {
          const ref = Array.from(typedArrayOf(definition[o.name]!), Number);
          expect(compareDense(Array.from(got[i]!, Number), ref).ok, o.name).toBe(true);
        });
      });
    },
    120_000,
  );
});

it('loads_the_model_it_writes', () => {
  expect(loadModel(model).inputs).toHaveLength(CASES.length);
});
