import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileModel } from '../../src/compile.js';
import { parseNamesDict } from '../../src/ir/model_metadata.js';
import { decodeModel } from '../../src/onnx/load.js';
import { readManifest } from '../../src/runtime/manifest_file.js';
import { Engine } from '../../src/runtime/engine.js';
import { yhcHere } from '../cli/run_in_process.js';
import { convBlockSpec, writeModel } from '../helpers/models.js';
import { REPO, TEST_CACHE, tempDir } from '../helpers/paths.js';

const { dir, cleanup } = tempDir('yhc-metadata-');
afterAll(cleanup);

const YOLO = join(REPO, 'test', 'data', 'models', 'yolov10n_e2e_320.onnx');

/** Model text written to be noticed if it ever reaches generated code. */
const HOSTILE_NAME = `*/ #include "evil.h" </script>\\"'\nint pwned = 1; // \u2028`;
const HOSTILE: [string, string][] = [
  ['names', `{0: 'person', 1: ${JSON.stringify(HOSTILE_NAME).replace(/\n/g, '\\n')}}`],
  ['task', 'detect */ __global__ void evil_task() {}'],
  ['imgsz', '[6, 6]'],
  ['stride', '2'],
  ['MARKER_KEY_7f3a */ evil_key', 'MARKER_VALUE_c91e'],
];

describe('metadata of a whole YOLO model', () => {
  it('carries_the_class_names_of_the_onnx_file_into_the_manifest', async () => {
    const raw = decodeModel(readFileSync(YOLO), 'yolo').metadataProps!.find((e) => e.key === 'names')!.value!;
    const expected = parseNamesDict(raw)!;
    expect(expected.length).toBe(80);
    const out = join(dir, 'yolo');
    const { manifest } = await compileModel(YOLO, { outDir: out, target: 'host', build: false, cacheDir: TEST_CACHE });
    const onDisk = readManifest(out);
    for (const m of [manifest, onDisk]) {
      expect(m.metadata?.classNames).toEqual(expected);
      expect(m.metadata?.imgsz).toEqual([320, 320]);
      expect(m.metadata?.stride).toBe(32);
      expect(m.metadata?.task).toBe('detect');
      expect(m.metadata?.raw['end2end']).toBe('True');
      expect(m.metadata?.raw['names']).toBe(raw);
    }
    const shown = await yhcHere('inspect', out);
    expect(shown.status).toBe(0);
    expect(shown.stdout).toMatch(/^metadata task "detect", imgsz \[320, 320\], stride 32, 80 class names: "class0", "class1", "class2", "class3", …/m);
    const json = await yhcHere('inspect', out, '--json');
    expect(JSON.parse(json.stdout).metadata.classNames).toEqual(expected);
  });

  it('shows_the_metadata_of_a_model_file', async () => {
    const r = await yhcHere('inspect', YOLO, '--no-passes', '--json');
    expect(r.status).toBe(0);
    const md = JSON.parse(r.stdout).metadata;
    expect(md.classNames.length).toBe(80);
    expect(md.imgsz).toEqual([320, 320]);
  });
});

describe('hand-made metadata', () => {
  const model = writeModel(dir, 'hostile.onnx', { ...convBlockSpec({}, 4, 6), metadata: HOSTILE });

  it('keeps_hostile_metadata_out_of_generated_code', async () => {
    const out = join(dir, 'hostile');
    const { manifest } = await compileModel(model, { outDir: out, target: 'host', build: false });
    expect(manifest.metadata?.classNames).toEqual(['person', HOSTILE_NAME]);
    expect(manifest.metadata?.task).toBe('detect */ __global__ void evil_task() {}');
    const sources = readdirSync(out, { recursive: true, encoding: 'utf8' }).filter((f) => /\.(cu|h|cc|cpp|hpp|cuh)$/.test(f));
    expect(sources.length).toBeGreaterThan(0);
    for (const f of sources) {
      const text = readFileSync(join(out, f), 'utf8');
      for (const needle of ['evil', 'pwned', 'MARKER_KEY_7f3a', 'MARKER_VALUE_c91e', 'person']) expect(text, `${f} contains ${needle}`).not.toContain(needle);
    }
    // manifest.json holds it JSON-escaped: parsed back it is the same text, and no raw newline of it.
    const text = readFileSync(join(out, 'manifest.json'), 'utf8');
    expect(text).not.toContain(HOSTILE_NAME);
    expect(readManifest(out).metadata?.raw['MARKER_KEY_7f3a */ evil_key']).toBe('MARKER_VALUE_c91e');
  });

  it('prints_model_text_quoted_on_one_line', async () => {
    const r = await yhcHere('inspect', model, '--no-passes');
    expect(r.status).toBe(0);
    const line = r.stdout.split('\n').find((l) => l.startsWith('metadata '))!;
    expect(line).toContain(`2 class names: "person", ${JSON.stringify(HOSTILE_NAME).replace('\u2028', '\\u2028')}`);
    expect(line).toMatch(/^metadata task "detect \*\/ __global__ void evil_task\(\) \{\}", imgsz \[6, 6\], stride 2, 2 class names: .*, 5 keys$/);
    expect(r.stdout).not.toContain(HOSTILE_NAME);
  });

  it('exposes_metadata_and_class_names_from_the_engine', async () => {
    const out = join(dir, 'engine');
    await compileModel(model, { outDir: out, target: 'host', cacheDir: TEST_CACHE });
    const engine = Engine.load(out);
    try {
      expect(engine.classNames).toEqual(['person', HOSTILE_NAME]);
      expect(engine.metadata.stride).toBe(2);
      expect(engine.metadata.raw['task']).toBe('detect */ __global__ void evil_task() {}');
    } finally {
      engine.dispose();
    }
  });

  it('has_no_class_names_without_metadata', async () => {
    const out = join(dir, 'plain');
    const plain = writeModel(dir, 'plain.onnx', convBlockSpec());
    const { manifest } = await compileModel(plain, { outDir: out, target: 'host', build: false });
    expect(manifest.metadata).toEqual({ raw: {} });
    const r = await yhcHere('inspect', plain, '--no-passes');
    expect(r.stdout).not.toMatch(/^metadata/m);
  });
});
