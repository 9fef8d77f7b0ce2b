import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commentText } from '../../../codegen/c_text.js';
import { compileModel, type CompileOptions } from '../../../src/compile.js';
import type { Manifest } from '../../../src/manifest.js';
import { decodeModel } from '../../../src/onnx/load.js';
import { FIXTURES, REPO, fixture, tempDir } from '../../helpers/paths.js';

/**
 * FileCheck-style tests of the emitted text, no compiler needed: for every fixture, at both
 * storage precisions, unoptimized, and with each --decode, the sources as a CUDA reviewer reads
 * them — the launches engine.cu makes, every buffer a launch passes named after its tensor, each
 * kernel header's provenance (ONNX nodes that exist in the model), no line over 120 characters,
 * Params holding only what the template reads, every dynamic shared-memory size explained.
 * What the code computes is the golden tests' job (test/golden).
 */
const { dir, cleanup } = tempDir('yhc-emitted-text-');
afterAll(cleanup);

interface Case {
  readonly name: string;
  /** Launches in engine.cu (README: v10head_n runs in 6, improved_head_s in 7). */
  readonly launches: number;
  readonly precision?: 'fp16';
  readonly options?: Partial<CompileOptions>;
  readonly tag?: string;
}

const FIXTURE_NAMES = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.onnx'))
  .map((f) => f.replace(/\.onnx$/, ''))
  .sort();

// Launches per fixture, the same at both precisions.
const LAUNCHES: Record<string, number> = {
  improved_head_s: 7,
  tiny_head: 7,
  tiny_head_raw: 5,
  v10head_n: 6,
  v10head_n_dynbatch: 6,
  v10head_n_unfused: 6,
};

const CASES: Case[] = [
  ...FIXTURE_NAMES.flatMap((name) => [
    { name, launches: LAUNCHES[name]! },
    { name, launches: LAUNCHES[name]!, precision: 'fp16' as const },
  ]),
  { name: 'v10head_n_dynbatch', tag: 'batch 2', launches: 6, options: { batch: 2 } },
  { name: 'tiny_head', tag: 'no passes', launches: 89, options: { passes: false } }, // 135 without elementwise fusion and views
  { name: 'v10head_n', tag: 'no passes', launches: 51, options: { passes: false } }, // 77 without elementwise fusion and views
  { name: 'tiny_head_raw', tag: 'decode yolov10', launches: 7, options: { decode: { format: 'yolov10', maxDet: 20 } } },
  { name: 'tiny_head_raw', tag: 'decode yolov10 conf', launches: 7, options: { decode: { format: 'yolov10', maxDet: 20 }, conf: 0.5 } },
  { name: 'tiny_head_raw', tag: 'decode nms', launches: 8, options: { decode: { format: 'nms' } } },
];

/** Names of the model's nodes as a comment shows them (escaped). */
function modelNodeNames(name: string): Set<string> {
  const model = decodeModel(readFileSync(fixture(name)), name);
  return new Set((model.graph?.node ?? []).map((n) => commentText(n.name ?? '')));
}

/** --decode appends ONNX nodes of yhc's own to the model (yhc_decode/…): the extended model onnxruntime checks. */
const isAppendedDecoderNode = (escaped: string) => escaped.startsWith('yhc_decode/');

/** The lines of a kernel header's `// Implements:` block. */
function implementsBlock(source: string): string[] {
  const lines = source.split('\n');
  const start = lines.indexOf('// Implements:');
  const end = lines.indexOf('//', start);
  return start < 0 || end < 0 ? [] : lines.slice(start + 1, end);
}

/** Entries of an Implements block: the node line, and the ONNX names it lists as replaced or is. */
function provenance(block: readonly string[]): { node: string; onnx: string[]; addedByYhc: boolean }[] {
  const entries: { node: string; text: string }[] = [];
  for (const line of block) {
    if (/^\/\/ {3}\S/.test(line)) entries.push({ node: line, text: '' });
    else entries[entries.length - 1]!.text += `${line}\n`;
  }
  return entries.map(({ node, text }) => {
    const names = (s: string) => [...s.matchAll(/"([^"]*)"/g)].map((m) => m[1]!);
    if (node.endsWith('(ONNX node)')) return { node, onnx: names(node), addedByYhc: false };
    if (node.endsWith('(added by yhc; replaces no ONNX node)')) return { node, onnx: [], addedByYhc: true };
    expect(text, `${node}: no "replaces ONNX nodes:" list`).toMatch(/^\/\/ {5}replaces ONNX nodes?: /);
    return { node, onnx: names(text), addedByYhc: false };
  });
}

/** Every `P::name` the device templates read anywhere. */
const TEMPLATE_READS = new Set(
  readdirSync(join(REPO, 'templates', 'kernels')).flatMap((f) =>
    [...readFileSync(join(REPO, 'templates', 'kernels', f), 'utf8').matchAll(/\bP::(\w+)/g)].map((m) => m[1]!),
  ),
);

describe.each(CASES.map((c) => ({ ...c, label: [c.precision ?? 'fp32', c.tag].filter(Boolean).join(', ') })))(
  '$name ($label)',
  ({ name, precision, options, tag, launches }) => {
    const out = join(dir, `${name}_${precision ?? 'fp32'}_${(tag ?? '').replace(/\W+/g, '_')}`);
    let manifest: Manifest;
    let engine: string;
    let kernels: Map<string, string>;

    it('emits sources (no build)', async () => {
      ({ manifest } = await compileModel(fixture(name), { outDir: out, build: false, ...(precision ? { precision } : {}), ...options }));
      engine = readFileSync(join(out, 'engine.cu'), 'utf8');
      kernels = new Map(manifest.kernels.map((k) => [k.id, readFileSync(join(out, k.file), 'utf8')]));
    });

    it(`engine.cu makes ${launches} launches, one per kernel file, in order`, () => {
      const launched = [...engine.matchAll(/^ {2}YHC_CHECK_LAUNCH\("(\w+)"\);$/gm)].map((m) => m[1]);
      expect(launched).toHaveLength(launches);
      expect(launched).toEqual(manifest.kernels.map((k) => k.id));
      for (const id of launched) expect(engine).toContain(`  yhc_${id}(\n`);
      expect(readdirSync(join(out, 'kernels')).filter((f) => f.endsWith('.cu'))).toHaveLength(launches);
    });

    it('has no line over 120 characters in a generated source', () => {
      const sources: [string, string][] = [['engine.cu', engine], ['kernels/kernels.h', readFileSync(join(out, 'kernels', 'kernels.h'), 'utf8')], ...kernels];
      sources.push(['engine.ts', readFileSync(join(out, 'engine.ts'), 'utf8')]);
      for (const [file, text] of sources) {
        const long = text.split('\n').findIndex((l) => l.length > 120);
        expect(long, `${file}:${long + 1} is ${text.split('\n')[long]?.length} characters`).toBe(-1);
      }
    });

    it('names every buffer a launch passes, declaring each once with its tensor', () => {
      const access = /b\.(?:input|output|weight|arena_at|state_at)<[^>]+>\(([^)]*)\)/g;
      const used = [...engine.matchAll(access)].map((m) => m[1]!);
      expect(used.length).toBeGreaterThan(0);
      for (const arg of new Set(used)) {
        expect(arg, 'a bare index or offset').toMatch(/^(in|out|w|t|s)\d+$/);
        // Declared once: `constexpr size_t t17 = 2048000;  // float32[1, 64, 80, 80] "name"`, the comment maybe above.
        const decl = new RegExp(`^( {2}// .*\\n)? {2}constexpr (int|size_t) ${arg} = \\d+;( {2}// .*)?$`, 'gm');
        const found = [...engine.matchAll(decl)];
        expect(found, arg).toHaveLength(1);
        expect(found[0]![0], `${arg}'s comment names no tensor type`).toMatch(/\/\/ .*\b[a-z]+\d*\[[\d, ]*\]/);
      }
      // Nothing else passes a number where a buffer goes.
      expect(engine).not.toMatch(/b\.(input|output|weight|arena_at|state_at)<[^>]+>\(\d/);
    });

    it("lists each kernel's nodes and the model's ONNX nodes they replace", () => {
      const known = modelNodeNames(name);
      const nms = options?.decode?.format === 'nms';
      for (const [id, source] of kernels) {
        const entries = provenance(implementsBlock(source));
        expect(entries.length, `${id}: no Implements block`).toBeGreaterThan(0);
        for (const e of entries) {
          if (e.addedByYhc) {
            expect(nms && e.node.includes('ai.yhc.YoloNms'), `${id}: ${e.node}`).toBe(true);
            continue;
          }
          expect(e.onnx.length, `${id}: ${e.node} lists no ONNX node`).toBeGreaterThan(0);
          for (const n of e.onnx) expect(known.has(n) || isAppendedDecoderNode(n), `${id}: "${n}" is not a node of ${name}`).toBe(true);
          // yhc's ops are labelled as such; the model's own as ONNX nodes.
          expect(e.node).toMatch(e.node.endsWith('(ONNX node)') ? /^\/\/ {3}(?!ai\.yhc\.)\w/ : /^\/\/ {3}ai\.yhc\.\w+ "/);
        }
      }
      // manifest.json says the same.
      for (const k of manifest.kernels) {
        for (const n of k.nodes) {
          if (n.domain === 'ai.yhc' && n.opType === 'YoloNms') continue;
          expect(n.replaces.length, `${k.id}: ${n.opType} ${n.name}`).toBeGreaterThan(0);
          for (const o of n.replaces) expect(known.has(commentText(o.name)) || isAppendedDecoderNode(o.name), o.name).toBe(true);
        }
      }
    });

    it('emits only the Params its templates read, and explains every dynamic shared-memory size', () => {
      for (const [id, source] of kernels) {
        for (const struct of source.matchAll(/^struct (?:Params|Part\d+) \{\n([\s\S]*?)^\};/gm)) {
          for (const field of struct[1]!.matchAll(/^ {2}(?:static constexpr \w+|using) (\w+) =/gm)) {
            // A template reads it, or the kernel's generated device code (a fused body templated on P).
            const read = TEMPLATE_READS.has(field[1]!) || source.includes(`P::${field[1]!}`);
            expect(read, `${id}: Params field ${field[1]} is read by no template`).toBe(true);
          }
        }
        for (const launch of source.matchAll(/YHC_LAUNCH(?:_NO_BARRIER)?\(\n {6}kernel,\n {6}dim3\(([^)]*)\),\n {6}dim3\(\d+\),\n {6}([^,]+),/g)) {
          expect(launch[1], `${id}: grid`).not.toMatch(/\* 1$/);
          const shared = launch[2]!;
          expect(shared, `${id}: an unnamed dynamic shared-memory size`).toMatch(/^(0|\w+::kSharedBytes)$/);
          if (shared !== '0') expect(source, id).toMatch(/^\/\/ Dynamic shared memory, [\d,]+ bytes: .+\n(\/\/ .*\n)*constexpr size_t kSharedBytes = \d+;$/m);
        }
        expect(source, `${id}: a launch the test does not recognize`).not.toMatch(/YHC_LAUNCH(_NO_BARRIER)?\((?!\n {6}kernel,\n {6}dim3\()/);
      }
    });

    it('declares each launcher in kernels.h with one parameter per line', () => {
      const header = readFileSync(join(out, 'kernels', 'kernels.h'), 'utf8');
      for (const k of manifest.kernels) {
        const decl = new RegExp(`^void yhc_${k.id}\\(\\n((?: {4}.+,\\n)*) {4}cudaStream_t stream\\);$`, 'm').exec(header);
        expect(decl, k.id).not.toBeNull();
        for (const line of decl![1]!.split('\n').filter(Boolean)) expect(line).toMatch(/^ {4}[\w ]+\*? \w+,$/);
      }
    });
  },
);
