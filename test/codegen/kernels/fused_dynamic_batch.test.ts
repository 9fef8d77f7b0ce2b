import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileModel } from '../../../src/compile.js';
import type { Plan } from '../../../codegen/plan.js';
import { GraphBuilder } from '../../helpers/graph_builder.js';
import { int, ints } from '../../helpers/attrs.js';
import { expectMatchesPerImage, withEngine } from '../../helpers/golden.js';
import { randomTensor, writeModel } from '../../helpers/models.js';
import { TEST_CACHE, tempDir } from '../../helpers/paths.js';

/**
 * Fused elementwise kernels (codegen/kernels/fused_elementwise.ts) follow the run's batch: a
 * batch-1 model re-batched to 2 (`--batch 2`), run with 2 images and then with 1 on the same
 * engine, each image against onnxruntime on the batch-1 model. One fused chain reads the input;
 * another reads a split range and writes into a concat's range (image strides, codegen/views.ts).
 */
const { dir, cleanup } = tempDir('yhc-fused-batch-');
afterAll(cleanup);

const SHAPE = [1, 4, 5, 6];
const b = new GraphBuilder(18);
const img = b.input('images', 'float32', SHAPE);
// x · sigmoid(x) + bias, then Relu: one fused kernel.
b.output(b.op('Relu', [b.op('Add', [b.op('Mul', [img, b.op('Sigmoid', [img])]), b.constant(randomTensor([4, 1, 1], 3, 0.5))])]));
// conv → split(a, c); d = -tanh(c) (fused: reads a range, writes into the concat's); conv(cat(a, c, d)).
const conv = (x: string, cin: number, cout: number, seed: number) =>
  b.op('Conv', [x, b.constant(randomTensor([cout, cin, 1, 1], seed, 0.5)), b.constant(randomTensor([cout], seed + 1, 0.1))], { kernel_shape: ints([1, 1]) });
const [a, c] = b.node('Split', [conv(img, 4, 4, 10)], { axis: int(1), num_outputs: int(2) }, { outputs: 2 }) as [string, string];
const d = b.op('Neg', [b.op('Tanh', [c])]);
b.output(conv(b.op('Concat', [a, c, d], { axis: int(1) }), 6, 3, 20));

const model = writeModel(dir, 'fused_batch.onnx', b.spec());
const outDir = join(dir, 'fused_batch');
let plan: Plan;
beforeAll(async () => {
  ({ plan } = await compileModel(model, { outDir, target: 'host', batch: 2, cacheDir: TEST_CACHE }));
}, 600_000);

const image = (seed: number) => randomTensor(SHAPE, seed, 1.5).data as Float32Array;

describe('fused elementwise kernels at a dynamic batch (host emulation)', () => {
  it('are image-major: a run of n images launches n × blocks per image', () => {
    const fused = plan.kernels.filter((k) => k.spec.family === 'fused');
    expect(fused).toHaveLength(2);
    for (const k of fused) expect(k.spec.imageBlocks).toBe(1);
    expect(plan.dynamicBatch).toBe(true);
    expect(plan.kernels.map((k) => k.spec.family)).not.toContain('concat');
  });

  it('match onnxruntime per image with 2 images', async () => {
    await withEngine(outDir, (engine) => expectMatchesPerImage(model, engine, 'images', [image(1), image(2)]));
  });

  it('match onnxruntime with 1 image on the batch-2 engine', async () => {
    await withEngine(outDir, (engine) => expectMatchesPerImage(model, engine, 'images', [image(3)]));
  });
});
