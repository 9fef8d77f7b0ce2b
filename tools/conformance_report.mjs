#!/usr/bin/env node
/**
 * ONNX backend node conformance cases (test/data/onnx-node-tests) run through yhc's importer and
 * interpreter. As a script it prints a Markdown report per op (cases, passed, unsupported with
 * reasons, failed); it imports the compiled library, so run `npm run build` first:
 *
 *   npm run build && node tools/conformance_report.mjs [--cases] [dataDir]
 *
 * --cases adds one row per unsupported case with the full reason.
 *
 * The case runner is exported too: test/interp/onnx_node_tests.test.ts drives it with the
 * TypeScript sources, so the test and the report cannot disagree about what "passes" means.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** ONNX's tolerance for the node tests: |got − want| ≤ atol + rtol·|want|. */
export const RTOL = 1e-3;
export const ATOL = 1e-7;

const FLOAT_DTYPES = new Set(['float32', 'float16', 'bfloat16', 'float64']);

/** Case directories (names starting with test_), sorted. */
export function listCases(dataDir) {
  return readdirSync(dataDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name.startsWith('test_'))
    .map((e) => e.name)
    .sort();
}

/** case → op as the MANIFEST.md table names it (the op a case tests, also for *_expanded). */
export function manifestOps(dataDir) {
  const m = new Map();
  const path = join(dataDir, 'MANIFEST.md');
  if (!existsSync(path)) return m;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length > 3 && cells[1]?.startsWith('test_')) m.set(cells[1], cells[2]);
  }
  return m;
}

function numbered(dir, prefix) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.pb'))
    .sort((a, b) => Number(a.slice(prefix.length, -3)) - Number(b.slice(prefix.length, -3)))
    .map((f) => join(dir, f));
}

/** First element that differs beyond tolerance, or null. */
export function compareTensors(got, want) {
  if (got.dtype !== want.dtype) return `dtype ${got.dtype}, expected ${want.dtype}`;
  const gs = [...got.shape].join(',');
  const ws = [...want.shape].join(',');
  if (gs !== ws) return `shape [${gs}], expected [${ws}]`;
  const exact = !FLOAT_DTYPES.has(want.dtype);
  for (let i = 0; i < want.data.length; i++) {
    const a = got.data[i];
    const b = want.data[i];
    if (Number.isNaN(b) && Number.isNaN(a)) continue;
    const ok = exact || !Number.isFinite(b) ? a === b : Math.abs(a - b) <= ATOL + RTOL * Math.abs(b);
    if (!ok) return `element ${i}: got ${a}, expected ${b}`;
  }
  return null;
}

function errorInfo(e) {
  if (e && typeof e === 'object' && 'code' in e && typeof e.code === 'string' && e.name === 'YhcError') {
    return { code: e.code, message: e.message };
  }
  return { code: 'CRASH', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
}

/**
 * Run one case. `api` holds loadModel, decodeModel (src/onnx/load), readTensorProtoFile
 * (src/onnx/tensor_proto) and runGraph (src/interp/interpreter). Inputs an op needs constant
 * (Reshape's shape, TopK's k…) are graph inputs in many cases: when loading fails with
 * DYNAMIC_SHAPE, the integer inputs are bound as constants, then all inputs.
 *
 * Result: { name, ops, status: 'pass' | 'rejected' | 'fail', code?, message? } — 'rejected' is a
 * YhcError from loading or reading the data (the case is unsupported), 'fail' a wrong result, a
 * run-time error or a crash.
 */
export function runCase(api, dataDir, name) {
  const dir = join(dataDir, name);
  const modelPath = join(dir, 'model.onnx');
  let ops = [];
  let inputNames = [];
  let outputNames = [];
  try {
    const proto = api.decodeModel(readFileSync(modelPath), name);
    const g = proto.graph;
    ops = [...new Set((g.node ?? []).map((n) => n.opType ?? ''))];
    const inits = new Set((g.initializer ?? []).map((t) => t.name));
    inputNames = (g.input ?? []).map((v) => v.name ?? '').filter((n) => !inits.has(n));
    outputNames = (g.output ?? []).map((v) => v.name ?? '');
  } catch (e) {
    return { name, ops, status: 'rejected', ...errorInfo(e) };
  }

  const data = join(dir, 'test_data_set_0');
  let inputs;
  let expected;
  try {
    inputs = numbered(data, 'input_').map((p, i) => [inputNames[i], api.readTensorProtoFile(p).tensor]);
    expected = numbered(data, 'output_').map((p) => api.readTensorProtoFile(p).tensor);
  } catch (e) {
    // Typically element types yhc does not support (float8, int4, …): the model is tried
    // first so its own error (naming the node) is what gets reported.
    const first = tryLoad(api, modelPath, {});
    if (first.error) return { name, ops, status: 'rejected', ...errorInfo(first.error) };
    return { name, ops, status: 'rejected', ...errorInfo(e) };
  }

  const integer = (t) => !FLOAT_DTYPES.has(t.dtype);
  const attempts = [[], inputs.filter(([, t]) => integer(t)).map(([n]) => n), inputs.map(([n]) => n)];
  let loaded = null;
  let constant = [];
  for (const names of attempts) {
    const constantInputs = Object.fromEntries(inputs.filter(([n]) => names.includes(n)));
    const r = tryLoad(api, modelPath, { constantInputs });
    if (!r.error) {
      loaded = r.graph;
      constant = names;
      break;
    }
    const info = errorInfo(r.error);
    if (info.code === 'CRASH') return { name, ops, status: 'fail', ...info };
    if (info.code !== 'DYNAMIC_SHAPE' || names.length === inputs.length) return { name, ops, status: 'rejected', ...info };
  }

  let outputs;
  try {
    const feeds = Object.fromEntries(inputs.filter(([n]) => !constant.includes(n)));
    outputs = api.runGraph(loaded, feeds);
  } catch (e) {
    return { name, ops, status: 'fail', ...errorInfo(e) };
  }
  for (let i = 0; i < expected.length; i++) {
    const got = outputs[outputNames[i]];
    if (!got) return { name, ops, status: 'fail', code: 'MISMATCH', message: `output ${i} (${outputNames[i]}) missing` };
    const diff = compareTensors(got, expected[i]);
    if (diff) return { name, ops, status: 'fail', code: 'MISMATCH', message: `output ${i} (${outputNames[i]}): ${diff}` };
  }
  return { name, ops, status: 'pass' };
}

function tryLoad(api, path, options) {
  try {
    return { graph: api.loadModel(path, options) };
  } catch (error) {
    return { error };
  }
}

/**
 * Markdown report: one row per op (cases, passed, unsupported with reasons, failed); with
 * `perCase`, also one row per unsupported case. Failing cases are always listed.
 */
export function markdownReport(results, opOf, perCase = false) {
  const byOp = new Map();
  for (const r of results) {
    const op = opOf.get(r.name) ?? r.ops.filter((o) => o !== 'Constant')[0] ?? r.ops[0] ?? '?';
    if (!byOp.has(op)) byOp.set(op, []);
    byOp.get(op).push(r);
  }
  const lines = [];
  lines.push('| op | cases | passed | unsupported (reason) | failed |');
  lines.push('|---|---:|---:|---|---:|');
  const total = { cases: 0, pass: 0, rejected: 0, fail: 0 };
  for (const op of [...byOp.keys()].sort()) {
    const rs = byOp.get(op);
    const pass = rs.filter((r) => r.status === 'pass').length;
    const rej = rs.filter((r) => r.status === 'rejected');
    const fail = rs.filter((r) => r.status === 'fail').length;
    lines.push(`| ${op} | ${rs.length} | ${pass} | ${rej.length ? `${rej.length}: ${reasons(rej)}` : '0'} | ${fail} |`);
    total.cases += rs.length;
    total.pass += pass;
    total.rejected += rej.length;
    total.fail += fail;
  }
  lines.push(`| **total** | ${total.cases} | ${total.pass} | ${total.rejected} | ${total.fail} |`);
  const rejected = results.filter((r) => r.status === 'rejected');
  if (perCase && rejected.length) {
    lines.push('', '| unsupported case | code | reason |', '|---|---|---|');
    for (const r of rejected) lines.push(`| ${r.name} | ${r.code} | ${shortReason(r.message)} |`);
  }
  const failed = results.filter((r) => r.status === 'fail');
  if (failed.length) {
    lines.push('', '| FAILED case | code | detail |', '|---|---|---|');
    for (const r of failed) lines.push(`| ${r.name} | ${r.code} | ${shortReason(r.message)} |`);
  }
  return lines.join('\n');
}

/** Rejections summarized per code: the element types named, or the distinct messages. */
function reasons(rejected) {
  const byCode = new Map();
  for (const r of rejected) {
    if (!byCode.has(r.code)) byCode.set(r.code, new Set());
    const type = /data type (\w+)/.exec(r.message ?? '');
    const what = type
      ? type[1]
      : /is not a tensor/.test(r.message ?? '')
        ? 'sequence/optional values'
        : shortReason(r.message).replace(/^(unnamed \w+ node|node "[^"]*" \(\w+\)): /, '');
    byCode.get(r.code).add(what);
  }
  return [...byCode].map(([code, whats]) => `${code} (${[...whats].sort().join(', ')})`).join('; ');
}

function shortReason(message) {
  const m = String(message ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\s+/g, ' ');
  return m.length > 160 ? `${m.slice(0, 157)}…` : m;
}

async function main() {
  const here = dirname(fileURLToPath(import.meta.url));
  const root = resolve(here, '..');
  const args = process.argv.slice(2);
  const perCase = args.includes('--cases');
  const dataDir = resolve(args.find((a) => !a.startsWith('--')) ?? join(root, 'test/data/onnx-node-tests'));
  const dist = join(root, 'dist/src');
  if (!existsSync(join(dist, 'onnx/load.js'))) {
    console.error('error: dist/ is missing; run `npm run build` first');
    process.exit(2);
  }
  const load = await import(pathToFileURL(join(dist, 'onnx/load.js')).href);
  const tp = await import(pathToFileURL(join(dist, 'onnx/tensor_proto.js')).href);
  const interp = await import(pathToFileURL(join(dist, 'interp/interpreter.js')).href);
  const api = {
    loadModel: load.loadModel,
    decodeModel: load.decodeModel,
    readTensorProtoFile: tp.readTensorProtoFile,
    runGraph: interp.runGraph,
  };
  const results = listCases(dataDir).map((c) => runCase(api, dataDir, c));
  console.log(markdownReport(results, manifestOps(dataDir), perCase));
  if (results.some((r) => r.status === 'fail')) process.exitCode = 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await main();
}
