#!/usr/bin/env node
// What the fused letterbox (--input-format rgb8|bgr8) saves in the stem's planned traffic: the
// stem conv reading uint8 frames through the letterbox (conv2d_tiled_letterbox) against a
// separate preprocessing kernel (letterbox: frame read, float [B, 3, S, S] written) plus the stem
// conv reading that tensor back. Bytes are the cost model's (codegen/cost_model.ts: every tensor
// a kernel touches, once; the frames tensor whole, at the largest frame). Needs dist/ (npm run build).
// Usage: node bench/letterbox_cost.mjs MODEL.onnx WxH [--precision fp16] [--batch N]
import { parseArgs } from 'node:util';
import { loadModel } from '../dist/src/onnx/load.js';
import { optimizeGraph } from '../dist/src/compile.js';
import { applyPrecision } from '../dist/codegen/precision.js';
import { planGraph } from '../dist/codegen/plan.js';
import { planCost } from '../dist/codegen/cost_model.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { precision: { type: 'string' }, batch: { type: 'string' } } });
const [model, frameText] = positionals;
const [width, height] = (frameText ?? '').split('x').map(Number);
if (!model || !(width > 0 && height > 0)) throw new Error('usage: node bench/letterbox_cost.mjs MODEL.onnx WxH [--precision fp16] [--batch N]');
const batch = values.batch ? Number(values.batch) : 1;
const plan = (fused) => {
  const graph = loadModel(model, { batch });
  optimizeGraph(graph, { frame: { format: 'rgb8', width, height } });
  applyPrecision(graph, values.precision ?? 'fp32');
  return planCost(planGraph(graph, { letterboxFusion: fused }));
};
const stem = (cost, n) => cost.kernels.slice(0, n);
const fused = stem(plan(true), 1);
const separate = stem(plan(false), 2);
const row = (k) => `${k.id.padEnd(22)} ${String(k.bytes).padStart(12)} B  ${k.floorMicros.toFixed(2).padStart(6)} µs`;
const total = (ks) => ks.reduce((n, k) => n + k.bytes, 0);
console.log(`${model} --frame ${width}x${height} --batch ${batch} ${values.precision ?? 'fp32'}`);
console.log('fused:');
for (const k of fused) console.log(`  ${row(k)}`);
console.log('separate preprocessing kernel:');
for (const k of separate) console.log(`  ${row(k)}`);
console.log(`stem traffic: fused ${total(fused)} B, separate ${total(separate)} B (${(100 * (1 - total(fused) / total(separate))).toFixed(1)}% less)`);
