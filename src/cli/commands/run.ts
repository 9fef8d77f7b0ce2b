import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DType } from '../../dtype.js';
import { YhcError, q } from '../../errors.js';
import { readInputFile } from '../../check/inputs.js';
import { Engine } from '../../runtime/engine.js';
import type { TypedArray } from '../../typed_arrays.js';
import { writeNpy } from '../../runtime/npy.js';
import { namedFiles, onePositional, parse } from '../args.js';
import type { Command } from '../command.js';

function stats(a: TypedArray): { min: number; max: number; mean: number } {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  const values = a as ArrayLike<number | bigint>;
  for (let i = 0; i < values.length; i++) {
    const v = Number(values[i]);
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  return { min, max, mean: a.length ? sum / a.length : 0 };
}

export const runCommand: Command = {
  name: 'run',
  summary: 'run a built engine on input files and print (or save) its outputs',
  help: `Usage: yhc run BUILD_DIR --input NAME=FILE [--input NAME=FILE ...] [options]

Loads the engine library and weights of a build directory (from yhc compile) and runs one
inference. Input files are raw little-endian C-order data (.bin) or NumPy .npy files.

Options:
  --input NAME=FILE   one per model input (names as in manifest.json / yhc inspect)
  --save DIR          write each output to DIR/output<i>.npy
  --json              print one JSON document (shapes, stats, saved files) on stdout
`,
  async run(args, io) {
    const { values, positionals } = parse(
      args,
      { input: { type: 'string', multiple: true }, save: { type: 'string' }, json: { type: 'boolean' } },
      'run',
    );
    const dir = onePositional(positionals, 'build directory', 'run');
    const files = namedFiles(values.input, '--input');
    const engine = Engine.load(dir);
    try {
      for (const name of files.keys()) {
        if (!engine.inputs.some((i) => i.name === name)) {
          throw new YhcError('INPUT', `the engine has no input ${q(name)}; it takes ${engine.inputs.map((i) => q(i.name)).join(', ')}`);
        }
      }
      const inputs: Record<string, TypedArray> = {};
      for (const info of engine.inputs) {
        const file = files.get(info.name);
        if (!file) throw new YhcError('INPUT', `missing --input ${info.name}=FILE (${info.dtype}[${info.shape.join(', ')}])`);
        inputs[info.name] = readInputFile(file, info);
      }
      const started = performance.now();
      const outputs = engine.run(inputs);
      const ms = performance.now() - started;
      if (values.save) mkdirSync(values.save, { recursive: true });
      const report = engine.outputs.map((info, i) => {
        const data = outputs[info.name]!;
        const saved = values.save ? join(values.save, `output${i}.npy`) : null;
        if (saved) writeFileSync(saved, writeNpy(info.dtype as DType, info.shape, data));
        return { name: info.name, dtype: info.dtype, shape: info.shape, ...stats(data), file: saved };
      });
      if (values.json) {
        io.out(`${JSON.stringify({ milliseconds: ms, outputs: report }, null, 2)}\n`);
      } else {
        for (const r of report) {
          io.out(`${q(r.name)} ${r.dtype}[${r.shape.join(', ')}]  min ${r.min.toPrecision(6)}  max ${r.max.toPrecision(6)}  mean ${r.mean.toPrecision(6)}${r.file ? `  -> ${r.file}` : ''}\n`);
        }
        io.out(`ran in ${ms.toFixed(1)} ms (${engine.manifest.target})\n`);
      }
      return 0;
    } finally {
      engine.dispose();
    }
  },
};
