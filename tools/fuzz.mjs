/**
 * Structure-aware fuzzing of yhc's front end (issue 12): seed models are mutated the way broken
 * or hostile exports are broken (dims, dtypes, attributes, op types, wiring, initializer bytes,
 * external-data fields, opsets, metadata, raw bytes), and each case runs load → passes → plan →
 * emit (no C++ build). A case must end in success or a YhcError whose message is one short line;
 * anything else — another exception, a hang, a heap blow-up — is a finding.
 *
 * The case maker and runner are shared: bench/fuzz.mjs drives them with the compiled library over
 * worker threads (10,000 cases, time and heap limits per worker), test/tools/fuzz.test.ts with the
 * TypeScript sources in process (a fixed-seed slice), so both agree on what a case is.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What one case can end in. `crash`, `hang` and `oom` are findings. */
export const OUTCOMES = ['ok', 'error', 'crash', 'hang', 'oom'];

/** mulberry32: a small seeded PRNG, so a case is reproducible from its seed alone. */
export function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n) => Math.floor(next() * n);
  const pick = (xs) => xs[int(xs.length)];
  return { next, int, pick };
}

const f32 = (name, dims) => ({ name, dtype: 'float32', dims });
const attrInt = (value) => ({ type: 'int', value });
const attrInts = (value) => ({ type: 'ints', value });

/**
 * Small seed models covering the op families of YOLO graphs: a SiLU conv block, a neck-like
 * Split / MaxPool / Resize / Concat, a head-like Reshape / Transpose / Softmax / TopK / Gather.
 * `api.encodeModel` and `api.Tensor` come from the library under test.
 */
export function seedModels(api) {
  const { encodeModel, Tensor } = api;
  const rand = prng(1);
  const weights = (shape) =>
    Tensor.from(
      'float32',
      shape,
      Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rand.next() - 0.5),
    );
  const ints64 = (values) => Tensor.from('int64', [values.length], values);
  const convBlock = encodeModel({
    opset: 20,
    inputs: [f32('images', [1, 3, 16, 16])],
    outputs: [f32('y', [1, 8, 8, 8])],
    initializers: [
      { name: 'w', tensor: weights([8, 3, 3, 3]) },
      { name: 'b', tensor: weights([8]) },
    ],
    nodes: [
      {
        op: 'Conv',
        name: 'conv',
        inputs: ['images', 'w', 'b'],
        outputs: ['c'],
        attrs: { pads: attrInts([1, 1, 1, 1]), strides: attrInts([2, 2]), kernel_shape: attrInts([3, 3]) },
      },
      { op: 'Sigmoid', name: 'sig', inputs: ['c'], outputs: ['s'] },
      { op: 'Mul', name: 'mul', inputs: ['c', 's'], outputs: ['y'] },
    ],
  });
  const neck = encodeModel({
    opset: 20,
    inputs: [f32('x', [1, 8, 8, 8])],
    outputs: [f32('y', [1, 16, 16, 16])],
    initializers: [
      { name: 'split', tensor: ints64([4, 4]) },
      { name: 'scales', tensor: Tensor.from('float32', [4], [1, 1, 2, 2]) },
    ],
    nodes: [
      { op: 'Split', name: 'split', inputs: ['x', 'split'], outputs: ['a', 'b'], attrs: { axis: attrInt(1) } },
      {
        op: 'MaxPool',
        name: 'pool',
        inputs: ['a'],
        outputs: ['p'],
        attrs: { kernel_shape: attrInts([5, 5]), pads: attrInts([2, 2, 2, 2]), strides: attrInts([1, 1]) },
      },
      { op: 'Concat', name: 'cat', inputs: ['p', 'b', 'x'], outputs: ['c'], attrs: { axis: attrInt(1) } },
      { op: 'Resize', name: 'up', inputs: ['c', '', 'scales'], outputs: ['y'], attrs: { mode: { type: 'string', value: 'nearest' } } },
    ],
  });
  const head = encodeModel({
    opset: 20,
    inputs: [f32('x', [1, 6, 4, 4])],
    outputs: [f32('scores', [1, 5]), { name: 'idx', dtype: 'int64', dims: [1, 5] }],
    initializers: [
      { name: 'shape', tensor: ints64([1, 6, 16]) },
      { name: 'k', tensor: ints64([5]) },
      { name: 'axes', tensor: ints64([1]) },
    ],
    nodes: [
      { op: 'Reshape', name: 'flat', inputs: ['x', 'shape'], outputs: ['f'] },
      { op: 'Transpose', name: 'tr', inputs: ['f'], outputs: ['t'], attrs: { perm: attrInts([0, 2, 1]) } },
      { op: 'Softmax', name: 'soft', inputs: ['t'], outputs: ['sm'], attrs: { axis: attrInt(-1) } },
      { op: 'ReduceMax', name: 'max', inputs: ['sm', 'axes'], outputs: ['m'], attrs: { keepdims: attrInt(0) } },
      { op: 'ReduceMax', name: 'max2', inputs: ['m', 'axes'], outputs: ['mm'], attrs: { keepdims: attrInt(0) } },
      { op: 'Flatten', name: 'fl', inputs: ['sm'], outputs: ['fs'], attrs: { axis: attrInt(1) } },
      { op: 'TopK', name: 'topk', inputs: ['fs', 'k'], outputs: ['scores', 'idx'] },
    ],
  });
  return [
    { name: 'conv_block', bytes: convBlock },
    { name: 'neck', bytes: neck },
    { name: 'head', bytes: head },
  ];
}

const OP_TYPES = [
  'Conv',
  'Relu',
  'Sigmoid',
  'Mul',
  'Add',
  'Concat',
  'Split',
  'Reshape',
  'Transpose',
  'Softmax',
  'MaxPool',
  'Resize',
  'TopK',
  'Gather',
  'GatherElements',
  'ReduceMax',
  'Flatten',
  'MatMul',
  'Slice',
  'Cast',
  'If',
  'Loop',
  'Scan',
  'NoSuchOp',
  'YoloDecode',
  'Identity',
  '',
];
const WEIRD_DIMS = [0, -1, -7, 1, 3, 2 ** 31, 2 ** 40, 1e15, Number.MAX_SAFE_INTEGER];
const WEIRD_INTS = [0, -1, -2, 1, 2, 3, 99, -99, 2 ** 31 - 1, -(2 ** 31), 2 ** 53 - 1];
const WEIRD_FLOATS = [0, -1, 1e-30, 1e30, NaN, Infinity, -Infinity];
const WEIRD_NAMES = ['', 'x', 'images', '../../etc/passwd', '*/ #include <stdio.h> /*', '"\n\u2028', 'n'.repeat(5000)];

/** Every mutation: a name and a function that changes the decoded ModelProto in place. */
/** A node with at least one input and one output (a mutation may have added one with neither). */
const wiredNode = (m, r) => r.pick(m.graph.node.filter((n) => n.input?.length && n.output?.length));

const MUTATIONS = [
  [
    'dim',
    (m, r) => {
      const vis = [...(m.graph.input ?? []), ...(m.graph.output ?? []), ...(m.graph.valueInfo ?? [])];
      const vi = r.pick(vis);
      const dims = vi?.type?.tensorType?.shape?.dim;
      if (!dims?.length) return 'no dims';
      const d = r.pick(dims);
      if (r.next() < 0.2) {
        d.dimValue = null;
        d.dimParam = r.pick(['N', 'batch', '', 'h w']);
      } else d.dimValue = r.pick(WEIRD_DIMS);
      return `${vi.name} dim`;
    },
  ],
  [
    'rank',
    (m, r) => {
      const vi = r.pick(m.graph.input ?? []);
      const dims = vi?.type?.tensorType?.shape?.dim;
      if (!dims) return 'no input';
      if (r.next() < 0.5) dims.pop();
      else dims.push({ dimValue: r.pick([1, 2, 5]) });
      return `${vi.name} rank`;
    },
  ],
  [
    'dtype',
    (m, r) => {
      const vi = r.pick([...(m.graph.input ?? []), ...(m.graph.output ?? [])]);
      if (!vi?.type?.tensorType) return 'no tensor type';
      vi.type.tensorType.elemType = r.pick([0, 2, 3, 6, 7, 9, 10, 11, 16, 17, 21, 22, 23, 999]);
      return `${vi.name} elemType ${vi.type.tensorType.elemType}`;
    },
  ],
  [
    'initializer dtype',
    (m, r) => {
      const t = r.pick(m.graph.initializer ?? []);
      if (!t) return 'no initializer';
      t.dataType = r.pick([0, 2, 3, 6, 7, 10, 11, 16, 999]);
      return `${t.name} dataType ${t.dataType}`;
    },
  ],
  [
    'initializer bytes',
    (m, r) => {
      const t = r.pick(m.graph.initializer ?? []);
      if (!t?.rawData?.length) return 'no raw data';
      const n = t.rawData.length;
      t.rawData = r.next() < 0.5 ? t.rawData.slice(0, r.int(n)) : new Uint8Array([...t.rawData, ...new Uint8Array(1 + r.int(9))]);
      return `${t.name} raw ${n}→${t.rawData.length}`;
    },
  ],
  [
    'initializer dims',
    (m, r) => {
      const t = r.pick(m.graph.initializer ?? []);
      if (!t) return 'no initializer';
      const dims = [...(t.dims ?? [])];
      if (dims.length && r.next() < 0.7) dims[r.int(dims.length)] = r.pick(WEIRD_DIMS);
      else dims.push(r.pick([0, 1, 2]));
      t.dims = dims;
      return `${t.name} dims`;
    },
  ],
  [
    'external data',
    (m, r) => {
      const t = r.pick(m.graph.initializer ?? []);
      if (!t) return 'no initializer';
      t.dataLocation = 1;
      t.rawData = new Uint8Array(0);
      const location = r.pick(['../../../../etc/passwd', '/etc/passwd', 'missing.bin', '', 'model.onnx', '.', '..', 'a/../../b', '\0']);
      t.externalData = [{ key: 'location', value: location }];
      if (r.next() < 0.5) t.externalData.push({ key: 'offset', value: String(r.pick([-1, 0, 1e15, 'x'])) });
      if (r.next() < 0.5) t.externalData.push({ key: 'length', value: String(r.pick([-1, 0, 1e15, 'abc'])) });
      return `${t.name} external ${JSON.stringify(location)}`;
    },
  ],
  [
    'attribute removed',
    (m, r) => {
      const n = r.pick(m.graph.node.filter((x) => x.attribute?.length));
      if (!n) return 'no attributes';
      n.attribute.splice(r.int(n.attribute.length), 1);
      return `${n.name} attribute removed`;
    },
  ],
  [
    'attribute type',
    (m, r) => {
      const n = r.pick(m.graph.node.filter((x) => x.attribute?.length));
      if (!n) return 'no attributes';
      const a = r.pick(n.attribute);
      const kind = r.int(5);
      for (const k of ['i', 'f', 's', 't', 'g', 'ints', 'floats', 'strings']) delete a[k];
      if (kind === 0) Object.assign(a, { type: 2, i: r.pick(WEIRD_INTS) });
      else if (kind === 1) Object.assign(a, { type: 1, f: r.pick(WEIRD_FLOATS) });
      else if (kind === 2) Object.assign(a, { type: 3, s: new TextEncoder().encode(r.pick(WEIRD_NAMES)) });
      else if (kind === 3) Object.assign(a, { type: 6, floats: [r.pick(WEIRD_FLOATS)] });
      else Object.assign(a, { type: r.pick([0, 5, 13, 99]) });
      return `${n.name}.${a.name} type ${a.type}`;
    },
  ],
  [
    'attribute value',
    (m, r) => {
      const n = r.pick(m.graph.node.filter((x) => x.attribute?.length));
      if (!n) return 'no attributes';
      const a = r.pick(n.attribute);
      if (a.ints?.length) {
        a.ints =
          r.next() < 0.3
            ? Array.from({ length: r.pick([0, 1, 3, 7, 1000]) }, () => r.pick(WEIRD_INTS))
            : a.ints.map((v) => (r.next() < 0.5 ? r.pick(WEIRD_INTS) : v));
      } else if (a.type === 2 || a.i !== undefined) a.i = r.pick(WEIRD_INTS);
      else if (a.type === 1) a.f = r.pick(WEIRD_FLOATS);
      else a.s = new TextEncoder().encode(r.pick(WEIRD_NAMES));
      return `${n.name}.${a.name} value`;
    },
  ],
  [
    'attribute added',
    (m, r) => {
      const n = r.pick(m.graph.node);
      if (!n) return 'no node';
      const name = r.pick([
        'axis',
        'perm',
        'group',
        'pads',
        'strides',
        'dilations',
        'keepdims',
        'k',
        'largest',
        'auto_pad',
        'allowzero',
        'mode',
        'ceil_mode',
        'junk',
      ]);
      (n.attribute ??= []).push({ name, type: 7, ints: Array.from({ length: r.pick([1, 2, 4]) }, () => r.pick(WEIRD_INTS)) });
      return `${n.name}.${name} added`;
    },
  ],
  [
    'op type',
    (m, r) => {
      const n = r.pick(m.graph.node);
      if (!n) return 'no node';
      n.opType = r.pick(OP_TYPES);
      if (r.next() < 0.2) n.domain = r.pick(['ai.yhc', 'com.microsoft', 'ai.onnx.ml', 'x']);
      return `${n.name} → ${n.opType}`;
    },
  ],
  [
    'self loop',
    (m, r) => {
      const n = wiredNode(m, r);
      if (!n) return 'no wired node';
      n.input[r.int(n.input.length)] = n.output[0];
      return `${n.name} reads itself`;
    },
  ],
  [
    'cycle',
    (m, r) => {
      const nodes = m.graph.node.filter((n) => n.input?.length && n.output?.length);
      if (nodes.length < 2) return 'one node';
      const i = r.int(nodes.length - 1);
      const later = nodes[i + 1 + r.int(nodes.length - i - 1)];
      nodes[i].input[0] = later.output[0];
      return `${nodes[i].name} reads ${later.name}`;
    },
  ],
  [
    'dangling',
    (m, r) => {
      const n = wiredNode(m, r);
      if (!n) return 'no wired node';
      n.input[r.int(n.input.length)] = r.pick(['nowhere', '', ...WEIRD_NAMES]);
      return `${n.name} dangling`;
    },
  ],
  [
    'duplicate output',
    (m, r) => {
      const [a, b] = [wiredNode(m, r), wiredNode(m, r)];
      if (!a || !b) return 'no wired node';
      b.output[0] = a.output[0];
      return `${a.name}/${b.name} share an output`;
    },
  ],
  [
    'inputs count',
    (m, r) => {
      const n = wiredNode(m, r);
      if (!n) return 'no wired node';
      if (r.next() < 0.5) n.input.pop();
      else n.input.push(r.pick([n.input[0], '', 'images', 'x']));
      return `${n.name} inputs ${n.input.length}`;
    },
  ],
  [
    'graph output',
    (m, r) => {
      const o = r.pick(m.graph.output);
      if (!o) return 'no output';
      o.name = r.pick(['nowhere', m.graph.input[0].name, ...WEIRD_NAMES.slice(3)]);
      return 'graph output renamed';
    },
  ],
  [
    'names',
    (m, r) => {
      const n = r.pick(m.graph.node);
      if (!n) return 'no node';
      n.name = r.pick(WEIRD_NAMES);
      return 'node renamed';
    },
  ],
  [
    'opset',
    (m, r) => {
      m.opsetImport = r.next() < 0.2 ? [] : [{ domain: r.pick(['', '', 'ai.onnx', 'x']), version: r.pick([0, 1, 6, 11, 13, 17, 20, 22, 99999, -1]) }];
      return `opset ${JSON.stringify(m.opsetImport)}`;
    },
  ],
  [
    'ir version',
    (m, r) => {
      m.irVersion = r.pick([0, 1, 3, 7, 10, 11, 99, -1]);
      return `ir ${m.irVersion}`;
    },
  ],
  [
    'metadata',
    (m, r) => {
      m.metadataProps = Array.from({ length: r.pick([1, 3, 200]) }, (_, i) => ({
        key: r.pick(['names', 'imgsz', 'stride', 'task', 'batch', `k${i}`, '']),
        value: r.pick([
          "{0: 'person', 1: 'car'}",
          '[640, 640]',
          '32',
          'detect',
          "{0: '*/ #error x /*'}",
          'x'.repeat(100000),
          '{',
          '[',
          "{-1: 'a'}",
          "{0: 'a', 0: 'b'}",
        ]),
      }));
      return 'metadata';
    },
  ],
  [
    'constant node',
    (m, r) => {
      const n = wiredNode(m, r);
      if (!n) return 'no wired node';
      m.graph.node.unshift({
        opType: 'Constant',
        name: 'const',
        output: [n.input[0] ?? 'c'],
        attribute: [{ name: r.pick(['value', 'value_float', 'value_ints', 'sparse_value']), type: r.pick([1, 4, 7]), f: 1, ints: [1, 2] }],
      });
      return `Constant shadows ${n.input[0]}`;
    },
  ],
];

/** Byte-level damage to the encoded model: flips, truncation, insertion. */
function mutateBytes(bytes, r) {
  const out = new Uint8Array(bytes);
  const kind = r.int(3);
  if (kind === 0) {
    for (let i = 0, n = 1 + r.int(16); i < n; i++) out[r.int(out.length)] ^= 1 << r.int(8);
    return { bytes: out, mutation: 'bytes flipped' };
  }
  if (kind === 1) return { bytes: out.slice(0, r.int(out.length)), mutation: 'truncated' };
  const at = r.int(out.length);
  const junk = Uint8Array.from({ length: 1 + r.int(32) }, () => r.int(256));
  return { bytes: new Uint8Array([...out.slice(0, at), ...junk, ...out.slice(at)]), mutation: 'bytes inserted' };
}

/**
 * Case `seed`: a seed model and one mutation of it (two or three in two cases of five) (one in eight cases damages the
 * encoded bytes instead). Returns the encoded model and a description of what was done.
 */
export function makeCase(api, seeds, seed) {
  const r = prng(seed);
  const base = seeds[r.int(seeds.length)];
  if (r.next() < 0.125) {
    const { bytes, mutation } = mutateBytes(base.bytes, r);
    return { seed, model: base.name, mutation, bytes };
  }
  const m = api.onnx.ModelProto.decode(base.bytes);
  const done = [];
  for (let i = 0, n = r.next() < 0.6 ? 1 : 2 + r.int(2); i < n; i++) {
    const [name, mutate] = MUTATIONS[r.int(MUTATIONS.length)];
    done.push(`${name}: ${mutate(m, r)}`);
  }
  return { seed, model: base.name, mutation: done.join('; '), bytes: api.onnx.ModelProto.encode(m).finish() };
}

/**
 * Run one case in `dir` (written as dir/model.onnx, emitted into dir/out, both removed after):
 * `ok`, `error` (a YhcError with a one-line message of bounded length) or `crash` (anything
 * else, including a YhcError message that breaks the one-line rule).
 */
export async function runCase(api, testCase, dir) {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'model.onnx');
  writeFileSync(path, testCase.bytes);
  const t0 = performance.now();
  try {
    await api.compileModel(path, { outDir: join(dir, 'out'), build: false });
    return { outcome: 'ok', ms: performance.now() - t0 };
  } catch (e) {
    const ms = performance.now() - t0;
    if (api.isYhcError(e)) {
      const oneLine = !/[\r\n\u2028\u2029]/.test(e.message) && e.message.length <= api.MAX_MESSAGE_CHARS;
      if (oneLine) return { outcome: 'error', code: e.code, ms };
      return { outcome: 'crash', ms, message: `YhcError message breaks the one-line rule (${e.message.length} chars)` };
    }
    return {
      outcome: 'crash',
      ms,
      message: String(e?.stack ?? e)
        .split('\n')
        .slice(0, 4)
        .join(' | '),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
