#!/usr/bin/env node
// How far two correct implementations of a quantized model's arithmetic land from each other:
// yhc's reference interpreter (the ONNX semantics, conformance-tested op by op) against
// onnxruntime with graph optimizations off (the reference `yhc check` uses), on the model's
// recorded input, decoded the way `yhc check --decode` decodes it. The whole-model rule for
// quantized outputs (docs/golden_rules.md) asks the engine for 80% of onnxruntime's detections
// scoring >= 0.25; this prints what the interpreter itself reaches, i.e. what the rule can ask
// of any implementation on that model. Needs dist/ (npm run build). Slow: the interpreter runs
// the whole network in float64-checked JavaScript (minutes at 640).
// Usage: node bench/quant_spread.mjs MODEL.onnx [--decode nms|yolov10]
import { basename, dirname, extname } from 'node:path';
import { parseArgs } from 'node:util';
import { loadDecodedModel } from '../dist/src/decode.js';
import { loadModel } from '../dist/src/onnx/load.js';
import { referenceModel } from '../dist/src/check/reference_model.js';
import { runReference } from '../dist/src/check/oracle.js';
import { readInputDir } from '../dist/src/check/inputs.js';
import { tensorInfo } from '../dist/src/ir/tensor_info.js';
import { runGraph } from '../dist/src/interp/interpreter.js';
import { Tensor } from '../dist/src/tensor.js';
import { detectionShift } from '../dist/src/golden/detection_shift.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { decode: { type: 'string' } } });
const [model] = positionals;
if (!model) throw new Error('usage: node bench/quant_spread.mjs MODEL.onnx [--decode nms|yolov10]');
const decoded = values.decode ? loadDecodedModel(model, { decode: { format: values.decode } }) : undefined;
const graph = decoded?.graph ?? loadModel(model);
const infos = graph.inputs.map(tensorInfo);
const data = readInputDir(dirname(model), infos, basename(model, extname(model)));

const t0 = performance.now();
const feeds = Object.fromEntries(infos.map((i) => [i.name, new Tensor(i.dtype, i.shape, data[i.name])]));
const mine = runGraph(graph, feeds);
const t1 = performance.now();
const ref = decoded ? referenceModel(decoded) : undefined;
const raw = await runReference(
  ref ? ref.bytes() : model,
  Object.fromEntries(infos.map((i) => [i.name, { dtype: i.dtype, shape: i.shape, data: data[i.name] }])),
  { optimizations: 'disabled' },
);
const theirs = ref?.assemble ? ref.assemble(raw) : raw;
const out = graph.outputs[0];
const got = mine[out.name];
const want = theirs[out.name];
const s = detectionShift(got.data, want.data, got.shape);
console.log(`${basename(model)}${values.decode ? ` --decode ${values.decode}` : ''}: interpreter vs onnxruntime (optimizations off), recorded input`);
console.log(
  `  ${s.matched}/${s.reference} of onnxruntime's detections scoring >= 0.25 found by the interpreter (same class, IoU >= 0.5; ` +
    `${((100 * s.matched) / Math.max(1, s.reference)).toFixed(1)}%; the interpreter has ${s.output}), mean IoU ${s.meanIou.toFixed(3)}, ` +
    `max score diff ${s.maxScoreDiff.toExponential(2)}; interpreter ${((t1 - t0) / 1000).toFixed(1)} s`,
);
