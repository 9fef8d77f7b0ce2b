import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { letterboxInput, type FrameInput } from '../../passes/letterbox_input.js';
import { PassLog } from '../../passes/pass.js';
import { applyPrecision } from '../../codegen/precision.js';
import { planGraph } from '../../codegen/plan.js';
import { kernelSource } from '../../codegen/emit/kernel_source.js';
import { engineSource } from '../../codegen/emit/engine_source.js';
import { compileModel, optimizeGraph } from '../../src/compile.js';
import { YhcError } from '../../src/errors.js';
import { runGraph } from '../../src/interp/interpreter.js';
import { loadModel } from '../../src/onnx/load.js';
import { letterbox } from '../../src/preprocess/letterbox.js';
import { Engine } from '../../src/runtime/engine.js';
import { Tensor } from '../../src/tensor.js';
import { inputOption } from '../../src/cli/input_flags.js';
import { yhc } from '../helpers/cli.js';
import { REPO, TEST_CACHE, fixture, tempDir } from '../helpers/paths.js';

/** `--input-format rgb8|bgr8 --frame WxH` (issue 13 item 1): the pass, its plan, its emitted code, its flags and run-time checks. */
const TINY = join(REPO, 'test', 'data', 'letterbox');
const tinyRaw = join(TINY, 'tiny_raw.onnx');
const FRAME: FrameInput = { format: 'rgb8', width: 50, height: 40 };
const { dir, cleanup } = tempDir('yhc-letterbox-pass-');
afterAll(cleanup);

function rewritten(model = tinyRaw, frame = FRAME) {
  const graph = loadModel(model);
  letterboxInput(frame).run(graph, new PassLog());
  return graph;
}

describe('letterbox-input', () => {
  it('replaces the image input by frames and frame_size, and maps the raw boxes output', () => {
    const graph = rewritten();
    expect(graph.inputs.map((v) => `${v.name} ${v.dtype}[${v.shape}]`)).toEqual(['frames uint8[1,40,50,3]', 'frame_size int32[1,2]']);
    expect(graph.nodes[0]!.opType).toBe('Letterbox');
    const last = graph.outputs[0]!.producer!;
    expect([last.opType, last.attrs.get('layout')?.value, last.attrs.get('size')?.value]).toEqual(['BoxesToFrame', 'cxcywh', 32]);
    expect(graph.outputs[0]!.name).toBe('output0');
  });

  it('computes in the interpreter what the reference letterbox feeds the float model', () => {
    const graph = rewritten();
    const frames = new Uint8Array(40 * 50 * 3).map((_, i) => (i * 37) % 256);
    const got = runGraph(graph, { frames: new Tensor('uint8', [1, 40, 50, 3], Float32Array.from(frames)), frame_size: Tensor.from('int32', [1, 2], [50, 40]) });
    const float = loadModel(tinyRaw);
    const images = letterbox({ data: frames, width: 50, height: 40, order: 'rgb' }, 32);
    const want = runGraph(float, { images: new Tensor('float32', [1, 3, 32, 32], images) });
    // cx (row 0) of anchor 0: (v - left) / r with r = 32/50, left 0; w (row 2) scales by 1/r. Unclipped ones only.
    const r = 32 / 50;
    const [cx, w] = [want.output0!.data[0]!, want.output0!.data[2 * 256]!];
    if (cx - w / 2 >= 0 && cx + w / 2 <= 50 * r) expect(got.output0!.data[0]).toBeCloseTo(cx / r, 4);
    expect(got.output0!.data.slice(4 * 256)).toEqual(want.output0!.data.slice(4 * 256)); // class rows unchanged
  });

  it('maps detections before --outputs efficientnms cuts detection_boxes from them', () => {
    const graph = loadModel(join(REPO, 'test', 'data', 'models', 'yolov10n_e2e_320.onnx'));
    optimizeGraph(graph, { passes: false, frame: FRAME, outputs: 'efficientnms' });
    const boxes = graph.outputs.find((v) => v.name === 'detection_boxes')!;
    const mapped = boxes.producer!.input(0).producer!;
    expect([boxes.producer!.opType, mapped.opType, mapped.attrs.get('layout')?.value]).toEqual(['Slice', 'BoxesToFrame', 'xyxy']);
  });

  it('negative_frame_size_above_the_largest_frame_is_an_eval_error_naming_the_image', () => {
    const graph = rewritten();
    const inputs = { frames: new Tensor('uint8', [1, 40, 50, 3]), frame_size: Tensor.from('int32', [1, 2], [51, 40]) };
    expect(() => runGraph(graph, inputs)).toThrow(/frame_size\[0\] = 51x40 is outside 1x1 \.\. 50x40/);
  });

  it('negative_a_model_with_no_3_channel_image_input', () => {
    const graph = loadModel(fixture('v10head_n'));
    expect(() => letterboxInput(FRAME).run(graph, new PassLog())).toThrow(
      /needs a model with one 3-channel float32 image input \[B, 3, S, S\]; its inputs are "p3"/,
    );
  });

  it('negative_imgsz_metadata_that_disagrees_with_the_input', () => {
    const graph = loadModel(tinyRaw);
    graph.metadataProps = new Map([['imgsz', '[64, 64]']]);
    expect(() => letterboxInput(FRAME).run(graph, new PassLog())).toThrow(/imgsz metadata \[64, 64\] disagrees with its input "images" \[1, 3, 32, 32\]/);
  });
});

describe('the plan and the emitted code', () => {
  it('has no tensor for the letterboxed image: the stem conv reads the frames', () => {
    const graph = rewritten();
    const letterboxed = graph.nodes[0]!.outputs[0]!;
    const plan = planGraph(graph);
    expect(plan.kernels.some((k) => k.spec.tensors.some((t) => t.value === letterboxed))).toBe(false);
    const stem = plan.kernels[0]!;
    expect(stem.spec.kernel).toBe('yhc::conv2d_tiled_letterbox');
    expect(stem.spec.tensors.map((t) => t.name)).toEqual(['frames', 'frame_size', 'w', 'bias', 'y']);
    const text = kernelSource(stem);
    for (const line of ['static constexpr int frame_h = 40;', 'static constexpr int frame_w = 50;', 'static constexpr bool bgr = false;'])
      expect(text).toContain(line);
    expect(engineSource(plan, { buildId: 'x', modelName: 'tiny' })).toContain(
      'yhc::check_frame_sizes(static_cast<const int32_t*>(inputs[1]), batch, 50, 40, 32)',
    );
  });

  it('keeps the fused load under fp16 storage (float input, half weights on tensor cores)', () => {
    const graph = rewritten(tinyRaw, { format: 'bgr8', width: 50, height: 40 });
    applyPrecision(graph, 'fp16');
    const stem = planGraph(graph).kernels[0]!;
    expect(stem.spec.kernel).toBe('yhc::conv2d_tiled_letterbox');
    const text = kernelSource(stem);
    expect(text).toContain('using Weight = __half;');
    expect(text).toContain('static constexpr bool bgr = true;');
  });

  it('runs the letterbox as its own kernel when its reader is not a dense conv', () => {
    const graph = rewritten(join(TINY, 'tiny_sigmoid.onnx'));
    const plan = planGraph(graph);
    expect(plan.kernels[0]!.spec.kernel).toBe('yhc::letterbox');
  });

  it('emits CUDA sources for the cuda target', async () => {
    const { plan } = await compileModel(tinyRaw, { outDir: join(dir, 'cuda'), target: 'cuda', build: false, frame: FRAME, batch: 2 });
    expect(plan.kernels.map((k) => k.spec.kernel)).toContain('yhc::conv2d_tiled_letterbox');
    expect(plan.dynamicBatch).toBe(true);
  });
});

describe('the engine (host) checks frame_size before any kernel', () => {
  let engine: Engine;
  beforeAll(async () => {
    await compileModel(tinyRaw, { outDir: join(dir, 'host'), target: 'host', cacheDir: TEST_CACHE, frame: { format: 'rgb8', width: 100, height: 40 } });
    engine = Engine.load(join(dir, 'host'));
  }, 600_000);
  afterAll(() => engine?.dispose());
  const run = (w: number, h: number) => engine.run({ frames: new Uint8Array(100 * 40 * 3), frame_size: Int32Array.from([w, h]) });

  it('negative_frame_size_above_the_maximum_at_run_time', () => {
    expect(() => run(101, 40)).toThrow(/frame_size\[0\] = 101x40 is outside 1x1 \.\. 100x40 \(the largest frame, --frame\)/);
    expect(() => run(0, 40)).toThrow(/outside/);
  });
  it('negative_frame_size_that_shrinks_to_0_pixels', () => {
    expect(() => run(100, 1)).toThrow(/frame_size\[0\] = 100x1 shrinks to 0 pixels in 32x32/);
  });
  it('runs a valid size', () => {
    expect(run(100, 40).output0!.length).toBe(6 * 256);
  });
});

describe('--input-format and --frame', () => {
  it('negative_frame_missing', () => {
    expect(() => inputOption({ 'input-format': 'rgb8' })).toThrow(
      new YhcError('USAGE', '--input-format rgb8 needs --frame WxH (the largest frame, e.g. 1920x1080)'),
    );
  });
  it('negative_frame_malformed', () => {
    for (const bad of ['640', '640x', 'x480', '640x480x3', '0x480', '-1x2', '640X480', '99999x1'])
      expect(() => inputOption({ 'input-format': 'bgr8', frame: bad }), bad).toThrow(/--frame must be WxH with sides 1\.\.16384/);
  });
  it('negative_frame_without_a_frame_format_and_an_unknown_format', () => {
    expect(() => inputOption({ frame: '640x480' })).toThrow('--frame needs --input-format rgb8 or bgr8');
    expect(() => inputOption({ 'input-format': 'rgb' })).toThrow('--input-format must be float, rgb8, bgr8, got "rgb"');
  });
  it('takes float (the default) and the frame formats', () => {
    expect(inputOption({})).toEqual({});
    expect(inputOption({ 'input-format': 'float' })).toEqual({});
    expect(inputOption({ 'input-format': 'bgr8', frame: '1920x1080' })).toEqual({ frame: { format: 'bgr8', width: 1920, height: 1080 } });
  });
  it('negative_the_cli_names_the_missing_image_input', () => {
    const r = yhc('inspect', fixture('v10head_n'), '--input-format', 'rgb8', '--frame', '64x48');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^yhc: error\[USAGE\]: --input-format rgb8 needs a model with one 3-channel float32 image input/);
  });
});
