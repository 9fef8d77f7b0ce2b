import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { KernelSpec } from '../../../codegen/kernel_spec.js';
import { compileModel } from '../../../src/compile.js';
import type { Attr } from '../../../src/ir/graph.js';
import { expectMatchesOnnxRuntime, randomInputs, withEngine } from '../../helpers/golden.js';
import { int, ints } from '../../helpers/attrs.js';
import { GraphBuilder } from '../../helpers/graph_builder.js';
import { randomTensor, writeModel } from '../../helpers/models.js';
import { TEST_CACHE, tempDir } from '../../helpers/paths.js';

/**
 * The residual Add in the conv epilogue (passes/fuse_residual.ts, conv_epilogue.cuh) under host
 * emulation, whole pipeline, against onnxruntime in fp32 and fp16: a C2f-style bottleneck
 * (x + SiLU(conv3x3(SiLU(conv3x3(x)))), the tiled conv with partial channel and pixel tiles) and
 * a CIB-style depthwise one (y + SiLU(dwconv3x3(y)), the direct conv), batch 2. No Add kernel is
 * left; the skip of the first is an engine input (float32 under fp16), of the second a conv
 * output (half under fp16).
 */
const { dir, cleanup } = tempDir('yhc-conv-residual-');
afterAll(cleanup);

const [C, H, W] = [20, 9, 10];
const b = new GraphBuilder(17);
const x = b.input('x', 'float32', [2, C, H, W]);
let seed = 1;
function siluConv(input: string, group = 1, k = 3): string {
  const attrs: Record<string, Attr> = { kernel_shape: ints([k, k]), pads: ints(Array(4).fill((k - 1) / 2)), group: int(group) };
  const w = b.constant(randomTensor([C, C / group, k, k], seed++, 0.25));
  const y = b.op('Conv', [input, w, b.constant(randomTensor([C], seed++, 0.5))], attrs);
  return b.op('Mul', [y, b.op('Sigmoid', [y])]);
}
const bottleneck = b.op('Add', [x, siluConv(siluConv(x))]);
const pw = siluConv(bottleneck, 1, 1);
const cib = b.op('Add', [pw, siluConv(pw, C)]);
b.output(siluConv(cib, 1, 1));
const model = writeModel(dir, 'residual.onnx', b.spec());

/** Every kernel of a plan, the parts of horizontally fused launches included. */
const flat = (specs: readonly KernelSpec[]): KernelSpec[] => specs.flatMap((s) => (s.parts ? flat(s.parts) : [s]));

describe('residual Add in the conv epilogue (host emulation)', () => {
  it.each(['fp32', 'fp16'] as const)(
    '%s: no Add kernel; matches onnxruntime',
    async (precision) => {
      const outDir = join(dir, precision);
      const { plan, passes } = await compileModel(model, { outDir, target: 'host', cacheDir: TEST_CACHE, precision });
      expect(passes!.passes.find((p) => p.name === 'fuse-residual')!.fired).toEqual({ 'residual Add into its conv': 2 });
      const kernels = flat(plan.kernels.map((k) => k.spec)).map((s) => s.kernel);
      expect(kernels).toContain('yhc::conv2d_tiled_residual');
      expect(kernels).toContain('yhc::conv2d_direct_residual');
      expect(plan.kernels.map((k) => k.spec.family)).not.toContain('add');
      await withEngine(outDir, async (engine) => {
        await expectMatchesOnnxRuntime(model, engine, randomInputs(engine.manifest.inputs, 3));
      });
    },
    600_000,
  );
});
