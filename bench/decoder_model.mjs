#!/usr/bin/env node
// Write a decoder-only model for the GPU benchmark: one ai.yhc.YoloDecode node (DFL, boxes,
// sigmoid scores, the two-stage top-k) over per-level inputs box_l [N, 64, H, W] and
// cls_l [N, nc, H, W], with a symbolic batch N.
//
//   node bench/decoder_model.mjs OUT.onnx --input 640|1280 [--nc 80] [--max-det 300]
//
// 640 gives levels 80, 40, 20 (8,400 anchors), 1280 gives 160, 80, 40 (33,600), strides 8, 16, 32.
// Needs `npm run build` (dist/).
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { encodeModel } from '../dist/src/onnx/write.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { input: { type: 'string', default: '640' }, nc: { type: 'string', default: '80' }, 'max-det': { type: 'string', default: '300' } },
});
const [out] = positionals;
const size = Number(values.input);
const nc = Number(values.nc);
const maxDet = Number(values['max-det']);
if (!out || ![640, 1280].includes(size) || !(nc >= 1) || !(maxDet >= 1)) {
  console.error('usage: node bench/decoder_model.mjs OUT.onnx --input 640|1280 [--nc 80] [--max-det 300]');
  process.exit(2);
}
const regMax = 16;
const strides = [8, 16, 32];
const inputs = strides.flatMap((s, l) => [
  { name: `box${l}`, dtype: 'float32', dims: ['N', 4 * regMax, size / s, size / s] },
  { name: `cls${l}`, dtype: 'float32', dims: ['N', nc, size / s, size / s] },
]);
const node = {
  op: 'YoloDecode',
  domain: 'ai.yhc',
  name: 'decoder',
  inputs: inputs.map((i) => i.name),
  outputs: ['detections'],
  attrs: {
    nc: { type: 'int', value: nc },
    reg_max: { type: 'int', value: regMax },
    strides: { type: 'floats', value: strides },
    grid_cell_offset: { type: 'float', value: 0.5 },
    output: { type: 'string', value: 'detections' },
    max_det: { type: 'int', value: maxDet },
  },
};
writeFileSync(out, encodeModel({ name: `decoder_${size}`, opset: 17, extraOpsets: { 'ai.yhc': 1 }, inputs, outputs: [{ name: 'detections' }], nodes: [node] }));
const anchors = strides.reduce((n, s) => n + (size / s) ** 2, 0);
console.log(`${out}: YoloDecode, ${anchors} anchors x ${nc} classes -> ${maxDet}`);
