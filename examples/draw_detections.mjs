#!/usr/bin/env node
// Draw what a yhc engine detects, as an SVG over the network's input frame.
//
//   npx yhc compile examples/v10head_n.onnx --target host -o build/v10-host --conf 0.5
//   node examples/draw_detections.mjs build/v10-host detections.svg \
//       p3=test/data/fixtures/v10head_n.input.p3.bin p4=... p5=...
//
// Inputs are raw little-endian float32 files (NAME=FILE, one per engine input; without them,
// seeded random N(0,1) feature maps). The detections follow yhc's output contract (README):
// rows x1, y1, x2, y2 (input pixels), score, class (as a float), sorted by score; rows of zeros
// are padding — with --conf, num_dets says how many rows lead. The frame is the head's input
// size: the largest level's grid times its stride.
import { readFileSync, writeFileSync } from 'node:fs';
import { Engine } from 'yhc';

const [buildDir, svgPath, ...inputArgs] = process.argv.slice(2);
if (!buildDir || !svgPath) {
  console.error('usage: node examples/draw_detections.mjs BUILD_DIR OUT.svg [NAME=FILE.bin ...]');
  process.exit(2);
}

const engine = Engine.load(buildDir);
try {
  const files = Object.fromEntries(inputArgs.map((a) => a.split('=', 2)));
  let seed = 1;
  const random = () => {
    // xorshift32, then Box-Muller: reproducible feature maps without a file
    const next = () => ((seed ^= seed << 13), (seed ^= seed >>> 17), (seed ^= seed << 5), (seed >>> 0) / 2 ** 32 + 1e-9);
    return Math.sqrt(-2 * Math.log(next())) * Math.cos(2 * Math.PI * next());
  };
  const inputs = Object.fromEntries(
    engine.inputs.map((info) => {
      const n = info.shape.reduce((a, b) => a * b, 1);
      if (!files[info.name]) return [info.name, Float32Array.from({ length: n }, random)];
      const bytes = readFileSync(files[info.name]);
      return [info.name, new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength))];
    }),
  );
  const outputs = engine.run(inputs);
  const detections = outputs[engine.outputs.find((o) => o.shape.length === 3 && o.shape[2] === 6).name];
  const rowsPerImage = engine.outputs.find((o) => o.shape.length === 3).shape[1];
  const numDets = outputs['num_dets'] ? outputs['num_dets'][0] : rowsPerImage;

  // The frame: the first input's grid (the finest level) times its stride (8 for YOLOv10).
  const [, , h, w] = engine.inputs[0].shape;
  const [width, height] = [w * 8, h * 8];
  const hue = (c) => (c * 137.508) % 360;
  const boxes = [];
  for (let r = 0; r < numDets; r++) {
    const [x1, y1, x2, y2, score, cls] = detections.subarray(6 * r, 6 * r + 6);
    if (score === 0 && x1 === 0 && x2 === 0) continue; // padding
    const color = `hsl(${hue(cls).toFixed(0)} 80% 45%)`;
    boxes.push(
      `  <rect x="${x1.toFixed(1)}" y="${y1.toFixed(1)}" width="${(x2 - x1).toFixed(1)}" height="${(y2 - y1).toFixed(1)}" fill="none" stroke="${color}" stroke-width="2"/>`,
      `  <text x="${x1.toFixed(1)}" y="${(y1 - 3).toFixed(1)}" fill="${color}" font-size="11" font-family="sans-serif">class ${cls} ${score.toFixed(2)}</text>`,
    );
  }
  writeFileSync(
    svgPath,
    [
      `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
      `  <rect width="${width}" height="${height}" fill="#f4f4f4"/>`,
      ...boxes,
      '</svg>',
      '',
    ].join('\n'),
  );
  console.log(`${svgPath}: ${boxes.length / 2} boxes on a ${width}x${height} frame`);
} finally {
  engine.dispose();
}
