import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { efficientNmsOutputs } from '../../passes/efficientnms_outputs.js';
import { PassLog } from '../../passes/pass.js';
import { compileModel } from '../../src/compile.js';
import { YhcError } from '../../src/errors.js';
import { checkModel } from '../../src/check/check.js';
import { readInputDir } from '../../src/check/inputs.js';
import { tensorInfo } from '../../src/ir/tensor_info.js';
import { loadModel } from '../../src/onnx/load.js';
import { Engine } from '../../src/runtime/engine.js';
import { convBlockSpec, writeModel } from '../helpers/models.js';
import { FIXTURES, TEST_CACHE, fixture, tempDir } from '../helpers/paths.js';

/** `--outputs efficientnms` (issue 13 item 3): TensorRT EfficientNMS's four outputs, cut from the default detections. */
const { dir, cleanup } = tempDir('yhc-efficientnms-');
afterAll(cleanup);

const outputsOf = (graph: ReturnType<typeof loadModel>) => graph.outputs.map((v) => `${v.name} ${v.dtype}[${v.shape.join(',')}]`);

describe('efficientnms-outputs', () => {
  it('turns_detections_into_the_four_efficientnms_outputs', () => {
    const graph = loadModel(fixture('v10head_n'));
    expect(outputsOf(graph)).toEqual(['detections float32[1,300,6]']);
    efficientNmsOutputs().run(graph, new PassLog());
    expect(outputsOf(graph)).toEqual([
      'num_detections int32[1,1]',
      'detection_boxes float32[1,300,4]',
      'detection_scores float32[1,300]',
      'detection_classes int32[1,300]',
    ]);
  });

  it('negative_refuses_a_model_without_detections', () => {
    const graph = loadModel(writeModel(dir, 'block.onnx', convBlockSpec()));
    expect(() => efficientNmsOutputs().run(graph, new PassLog())).toThrow(
      new YhcError(
        'USAGE',
        '--outputs efficientnms needs a model that outputs detections [B, K, 6] (an end-to-end YOLOv10 export, or a raw head with --decode)',
      ),
    );
  });

  it('gives_exactly_the_default_detections_cut_into_four_on_the_engine', async () => {
    const model = fixture('v10head_n');
    const infos = loadModel(model).inputs.map(tensorInfo);
    const inputs = readInputDir(FIXTURES, infos, 'v10head_n');
    const run = async (name: string, options: { outputs?: 'efficientnms'; conf?: number }) => {
      await compileModel(model, { outDir: join(dir, name), target: 'host', cacheDir: TEST_CACHE, ...options });
      const engine = Engine.load(join(dir, name));
      try {
        return engine.run(inputs);
      } finally {
        engine.dispose();
      }
    };
    // Thresholds: none, and the median score of the default run (half the rows kept).
    const probe = (await run('probe', {})).detections as Float32Array;
    const scores = Array.from({ length: 300 }, (_, r) => probe[r * 6 + 4]!);
    const median = [...scores].sort((a, b) => a - b)[150]!;
    for (const conf of [undefined, median]) {
      const withConf = conf === undefined ? {} : { conf };
      const base = await run(`default_${conf}`, withConf);
      const eff = await run(`efficientnms_${conf}`, { outputs: 'efficientnms', ...withConf });
      const det = base.detections as Float32Array;
      const k = 300;
      const column = (c: number) => Array.from({ length: k }, (_, r) => det[r * 6 + c]!);
      expect(Array.from(eff.detection_scores as Float32Array)).toEqual(column(4));
      expect(Array.from(eff.detection_classes as Int32Array)).toEqual(column(5));
      expect(Array.from(eff.detection_boxes as Float32Array)).toEqual(Array.from({ length: k * 4 }, (_, i) => det[Math.floor(i / 4) * 6 + (i % 4)]!));
      const expected = conf === undefined ? k : (base.num_dets as Int32Array)[0]!;
      expect(Array.from(eff.num_detections as Int32Array)).toEqual([expected]);
      if (conf !== undefined) expect(expected).toBeLessThan(k); // the threshold cut rows: num_dets, not K
    }
  }, 600_000);

  it('is_checked_against_onnxruntime_by_the_detections_rule', async () => {
    const report = await checkModel(fixture('v10head_n'), { inputsDir: FIXTURES, outputs: 'efficientnms', outDir: join(dir, 'checked'), cacheDir: TEST_CACHE });
    expect(report.outputs.map((o) => [o.name, o.rule, o.ok])).toEqual([
      ['detections', 'detections', true],
      ['num_detections', 'dense', true],
    ]);
  }, 600_000);
});
