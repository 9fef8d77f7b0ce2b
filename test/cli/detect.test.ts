import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectCommand } from '../../src/cli/commands/detect.js';
import { progressLine } from '../../src/cli/progress.js';
import { compileModel } from '../../src/compile.js';
import { compareDetections } from '../../src/golden/compare.js';
import { annotate } from '../../src/image/annotate.js';
import type { Detection } from '../../src/image/detections.js';
import { readImage } from '../../src/image/read_image.js';
import type { RgbImage } from '../../src/image/rgb_image.js';
import { drawShapes, jpegBytes, writePng } from '../helpers/images.js';
import { TEST_CACHE, fixture, tempDir } from '../helpers/paths.js';
import { MODEL_320, referenceDetections, rowsOf, type DetectDoc } from './detect_reference.js';
import { yhcHere, yhcOnTerminal } from './run_in_process.js';

/**
 * `yhc detect` (issue 13) end to end on a host build of YOLOv10-N at 320: images the test draws
 * (PNG and JPEG, landscape, portrait, smaller than the network input, odd sizes, alpha, grey),
 * each image's detections compared with onnxruntime on the float model fed the same reference
 * letterbox, boxes mapped back the same way (the detections rule, 1e-4 relative).
 */
const { dir, cleanup } = tempDir('yhc-detect-');
afterAll(cleanup);
const build = join(dir, 'build');
const build2 = join(dir, 'build_b2');
const buildEff = join(dir, 'build_eff');
const headBuild = join(dir, 'head');
const buildFrames = join(dir, 'build_frames');

/** name, drawn pixels, how it is written. */
const IMAGES: [string, RgbImage, 'png' | 'rgba' | 'grey' | 'jpeg'][] = [
  ['wide.png', drawShapes(640, 360, 1), 'png'],
  ['tall.jpg', drawShapes(200, 450, 2), 'jpeg'],
  ['small.png', drawShapes(97, 61, 3), 'rgba'],
  ['square.jpeg', drawShapes(320, 320, 4), 'jpeg'],
  ['grey.png', drawShapes(150, 151, 5), 'grey'],
];
const path = (name: string) => join(dir, name);
const files = IMAGES.map(([name]) => path(name));

/** What the file holds, as a reader should see it: the drawn pixels (PNG) or the JPEG as decoded. */
const pixelsOf = new Map<string, RgbImage>();

beforeAll(async () => {
  for (const [name, image, kind] of IMAGES) {
    if (kind === 'jpeg') writeFileSync(path(name), jpegBytes(image));
    else writePng(path(name), image, kind === 'png' ? 'rgb' : kind);
  }
  await compileModel(MODEL_320, { outDir: build, target: 'host', cacheDir: TEST_CACHE });
  await compileModel(MODEL_320, { outDir: build2, target: 'host', batch: 2, cacheDir: TEST_CACHE });
  await compileModel(MODEL_320, { outDir: buildEff, target: 'host', outputs: 'efficientnms', conf: 0.005, cacheDir: TEST_CACHE });
  await compileModel(fixture('tiny_head'), { outDir: headBuild, target: 'host', cacheDir: TEST_CACHE });
  await compileModel(MODEL_320, { outDir: buildFrames, target: 'host', batch: 2, frame: { format: 'bgr8', width: 640, height: 480 }, cacheDir: TEST_CACHE });
}, 900_000);

async function detect(...args: string[]): Promise<DetectDoc> {
  const r = await yhcHere('detect', ...args, '--json');
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as DetectDoc;
}

describe('yhc detect: decoding', () => {
  it('reads_png_pixels_exactly_dropping_alpha_and_expanding_grey', () => {
    for (const [name, image, kind] of IMAGES) {
      if (kind === 'jpeg') continue;
      const got = readImage(path(name));
      const want = kind === 'grey' ? Uint8Array.from(image.data, (_, i) => image.data[i - (i % 3) + 1]!) : image.data;
      expect([got.width, got.height]).toEqual([image.width, image.height]);
      expect(Buffer.from(got.data).equals(Buffer.from(want)), name).toBe(true);
    }
  });

  it('reads_jpeg_close_to_the_drawn_pixels', () => {
    for (const [name, image, kind] of IMAGES) {
      if (kind !== 'jpeg') continue;
      const got = readImage(path(name));
      expect([got.width, got.height]).toEqual([image.width, image.height]);
      let sum = 0;
      for (let i = 0; i < got.data.length; i++) sum += Math.abs(got.data[i]! - image.data[i]!);
      expect(sum / got.data.length, name).toBeLessThan(4);
    }
  });
});

describe('yhc detect: detections against onnxruntime', () => {
  let all: DetectDoc;
  beforeAll(async () => {
    all = await detect(build, ...files, '--out', join(dir, 'out0'), '--conf', '0');
    for (const [name, image, kind] of IMAGES) pixelsOf.set(name, kind === 'jpeg' || kind === 'grey' ? readImage(path(name)) : image);
  }, 300_000);

  it('matches_onnxruntime_on_the_reference_letterbox_in_frame_pixels', async () => {
    expect(all.images.map((i) => i.file)).toEqual(files);
    for (const [k, [name]] of IMAGES.entries()) {
      const image = pixelsOf.get(name)!;
      const doc = all.images[k]!;
      expect([doc.width, doc.height], name).toEqual([image.width, image.height]);
      expect(doc.detections, name).toHaveLength(300);
      const cmp = compareDetections(rowsOf(doc), await referenceDetections(image), [1, 300, 6]);
      expect(cmp.ok, `${name}: ${cmp.problem}`).toBe(true);
      // The rest tie with the 300th score (the drawn shapes saturate many scores at 1).
      expect(cmp.matched + cmp.replacedAtCutoff, name).toBe(300);
      expect(cmp.matched, name).toBeGreaterThan(250);
    }
  });

  it('writes_a_json_document_of_the_documented_shape', () => {
    expect(Object.keys(all)).toEqual(['build', 'conf', 'images']);
    expect(all.conf).toBe(0);
    for (const image of all.images) {
      expect(Object.keys(image)).toEqual(['file', 'width', 'height', 'annotated', 'detections']);
      for (const d of image.detections) {
        expect(Object.keys(d)).toEqual(['box', 'score', 'class_id', 'class_name']);
        const [x1, y1, x2, y2] = d.box;
        expect(0 <= x1 && x1 <= x2 && x2 <= image.width && 0 <= y1 && y1 <= y2 && y2 <= image.height, JSON.stringify(d)).toBe(true);
        expect(Number.isInteger(d.class_id) && d.class_id >= 0 && d.class_id < 80).toBe(true);
        // The model's names metadata: {0: 'class0', 1: 'class1', ...}.
        expect(d.class_name).toBe(`class${d.class_id}`);
        expect(d.score >= 0 && d.score <= 1).toBe(true);
      }
      const scores = image.detections.map((d) => d.score);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
    }
  });

  it('keeps_exactly_the_detections_scoring_at_least_conf', async () => {
    // The median of the scores short of the ones saturated at 1 (the drawn shapes make many).
    const scores = all.images
      .slice(0, 3)
      .flatMap((i) => i.detections.map((d) => d.score))
      .filter((v) => v < 0.999)
      .sort((a, b) => a - b);
    const conf = scores[scores.length >> 1]!;
    const some = await detect(build, ...files.slice(0, 3), '--out', join(dir, 'out1'), '--conf', String(conf));
    expect(some.conf).toBe(conf);
    some.images.forEach((image, k) => {
      const want = all.images[k]!.detections.filter((d) => d.score >= conf);
      expect(image.detections).toEqual(want);
    });
    expect(some.images.reduce((n, i) => n + i.detections.length, 0)).toBeLessThan(3 * 300);
    expect(some.images.reduce((n, i) => n + i.detections.length, 0)).toBeGreaterThan(0);
  });

  it('runs_images_in_batches_of_the_engines_batch_with_the_same_results', async () => {
    // 3 images on a batch-2 engine: a full batch, then a batch of 1.
    const batched = await detect(build2, ...files.slice(0, 3), '--out', join(dir, 'out2'), '--conf', '0');
    expect(batched.images).toHaveLength(3);
    batched.images.forEach((image, k) => {
      const cmp = compareDetections(rowsOf(image), rowsOf(all.images[k]!), [1, 300, 6]);
      expect(cmp.ok, `${image.file}: ${cmp.problem}`).toBe(true);
    });
  });

  it('feeds_a_frames_in_build_the_decoded_pixels_and_reads_boxes_already_in_frame_pixels', async () => {
    // --input-format bgr8 --frame 640x480 --batch 2: the engine letterboxes in its stem (bit-exact
    // with the CPU reference) and maps boxes back itself; detect swaps the channels for bgr8.
    const framed = await detect(buildFrames, ...files, '--out', join(dir, 'out_frames'), '--conf', '0');
    expect(framed.images).toHaveLength(files.length);
    framed.images.forEach((image, k) => {
      expect([image.width, image.height]).toEqual([all.images[k]!.width, all.images[k]!.height]);
      const cmp = compareDetections(rowsOf(image), rowsOf(all.images[k]!), [1, 300, 6]);
      expect(cmp.ok, `${image.file}: ${cmp.problem}`).toBe(true);
      expect(cmp.matched + cmp.replacedAtCutoff, image.file).toBe(300);
    });
  });

  it('names_an_image_larger_than_the_frames_the_build_takes', async () => {
    writePng(path('too_wide.png'), drawShapes(700, 100, 6), 'rgb');
    const r = await yhcHere('detect', buildFrames, path('too_wide.png'), '--out', join(dir, 'e_frames'));
    expect(r.stderr).toMatch(/^yhc: error\[INPUT\]: image ".*too_wide\.png" is 700x100; this build takes frames up to 640x480 \(compiled with --frame\)\n$/);
  });

  it('reads_efficientnms_outputs_counted_by_num_detections_as_the_default_detections', async () => {
    const conf = 0.005;
    const eff = await detect(buildEff, ...files.slice(2), '--out', join(dir, 'out_eff'), '--conf', String(conf));
    const padded = (doc: DetectDoc['images'][number]) => {
      const rows = new Float32Array(300 * 6);
      rows.set(rowsOf(doc));
      return rows;
    };
    eff.images.forEach((image, k) => {
      const want = { ...all.images[k + 2]!, detections: all.images[k + 2]!.detections.filter((d) => d.score >= conf) };
      expect(image.detections.length, image.file).toBeGreaterThan(0);
      const cmp = compareDetections(padded(image), padded(want), [1, 300, 6]);
      expect(cmp.ok, `${image.file}: ${cmp.problem}`).toBe(true);
    });
  });

  it('writes_an_annotated_png_per_image_drawn_as_annotate_draws_it', () => {
    for (const [k, [name]] of IMAGES.entries()) {
      const doc = all.images[k]!;
      expect(doc.annotated).toBe(join(dir, 'out0', `${name.replace(/\.[a-z]+$/, '')}.png`));
      const png = PNG.sync.read(readFileSync(doc.annotated));
      const want = annotate(pixelsOf.get(name)!, doc.detections as Detection[]);
      expect([png.width, png.height]).toEqual([want.width, want.height]);
      let differ = 0;
      for (let i = 0; i < want.width * want.height * 3; i++) if (png.data[Math.floor(i / 3) * 4 + (i % 3)] !== want.data[i]) differ++;
      expect(differ, name).toBe(0);
    }
  });

  it('leaves_an_image_without_detections_unchanged_and_writes_detections_json', async () => {
    // A flat grey picture: the model's best score on it is about 0.01.
    const flat: RgbImage = { width: 64, height: 48, data: new Uint8Array(64 * 48 * 3).fill(128) };
    writePng(path('flat.png'), flat);
    const out = join(dir, 'out3');
    const r = await yhcHere('detect', build, path('flat.png'), path('wide.png'), '--out', out, '--conf', '0.5');
    expect(r.status).toBe(0);
    const doc = JSON.parse(readFileSync(join(out, 'detections.json'), 'utf8')) as DetectDoc;
    const n = doc.images[1]!.detections.length;
    expect(n).toBeGreaterThan(0);
    expect(doc.images[0]!.detections).toEqual([]);
    expect(r.stdout).toBe(`2 images, ${n} detection${n === 1 ? '' : 's'} (conf ≥ 0.5): ${out}/*.png, ${join(out, 'detections.json')}\n`);
    // Progress is drawn on a terminal only: nothing in a log.
    expect(r.stderr).toBe('');
    const shown = await yhcOnTerminal('detect', build, path('flat.png'), path('wide.png'), '--out', out, '--conf', '0.5');
    // The redrawn line as progressLine draws it at the terminal's 60 columns.
    expect(shown.stderr).toContain(`\r\x1b[K${progressLine('detecting', 2, 2, `wide.png: ${n} detection${n === 1 ? '' : 's'}`, 60)}`);
    expect(shown.stderr).toContain('detecting  [████████████████████]  2/2  wide.png');
    expect(shown.stderr.endsWith('\r\x1b[K')).toBe(true);
    const png = PNG.sync.read(readFileSync(join(out, 'flat.png')));
    expect(png.data.every((v, i) => v === (i % 4 === 3 ? 255 : 128))).toBe(true);
    expect((await yhcHere('detect', build, path('flat.png'), '--out', out, '--quiet')).stderr).toBe('');
  });
});

describe('yhc detect: errors', () => {
  it('names_a_missing_image', async () => {
    const r = await yhcHere('detect', build, path('nope.jpg'), '--out', join(dir, 'e1'));
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`yhc: error[IO]: cannot read image ${JSON.stringify(path('nope.jpg'))}: no such file\n`);
  });

  it('names_a_file_that_is_not_png_or_jpeg', async () => {
    writeFileSync(path('text.jpg'), 'GIF89a is not what this is\n');
    const r = await yhcHere('detect', build, path('text.jpg'), '--out', join(dir, 'e2'));
    expect(r.stderr).toBe(
      `yhc: error[INPUT]: ${JSON.stringify(path('text.jpg'))} is not a PNG or JPEG image (unrecognized signature); yhc detect reads PNG and JPEG\n`,
    );
  });

  it('names_a_corrupt_jpeg', async () => {
    const bytes = readFileSync(path('tall.jpg'));
    writeFileSync(path('corrupt.jpg'), Buffer.concat([bytes.subarray(0, 4), Buffer.alloc(200, 0x5a)]));
    const r = await yhcHere('detect', build, path('corrupt.jpg'), '--out', join(dir, 'e3'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(`^yhc: error\\[INPUT\\]: cannot decode JPEG image ${JSON.stringify(path('corrupt.jpg')).replace(/[.\\]/g, '\\$&')}: .+\\n$`),
    );
  });

  it('names_a_truncated_png', async () => {
    const bytes = readFileSync(path('wide.png'));
    writeFileSync(path('cut.png'), bytes.subarray(0, bytes.length >> 1));
    const r = await yhcHere('detect', build, path('cut.png'), '--out', join(dir, 'e4'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^yhc: error\[INPUT\]: cannot decode PNG image ".*cut\.png": .+\n$/);
  });

  it('refuses_a_build_that_takes_no_image', async () => {
    const r = await yhcHere('detect', headBuild, path('wide.png'), '--out', join(dir, 'e5'));
    expect(r.stderr).toMatch(
      /^yhc: error\[USAGE\]: this build takes "p3" float32\[1, \d+, \d+, \d+\], "p4" .*; yhc detect runs builds with one float32 image input \[B, 3, S, S\] or frames \(--input-format rgb8\|bgr8\)\n$/,
    );
  });

  it('help_documents_exactly_the_flags_it_accepts', () => {
    const accepted = new Set(Object.keys(detectCommand.options).map((o) => `--${o}`));
    const documented = new Set(detectCommand.help.match(/(?<![\w-])--[a-z][a-z0-9-]*/g));
    expect([...documented].sort()).toEqual([...accepted].sort());
  });

  it('rejects_bad_conf_and_missing_images', async () => {
    expect((await yhcHere('detect', build, path('wide.png'), '--conf', '1.5')).stderr).toBe(
      'yhc: error[USAGE]: --conf must be a number between 0 and 1, got "1.5"\n',
    );
    expect((await yhcHere('detect', build)).stderr).toBe(`yhc: error[USAGE]: yhc detect takes a build directory and at least one image, got ${build}\n`);
  });
});
