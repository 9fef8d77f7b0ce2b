import { existsSync, statSync } from 'node:fs';
import { q } from '../../errors.js';
import { inspectModel, readManifest, type ModelSummary } from '../../inspect.js';
import type { Manifest } from '../../manifest.js';
import { onePositional, parse, positiveInt } from '../args.js';
import type { Command } from '../main.js';

const n = (x: number) => Math.round(x).toLocaleString('en-US');
const shape = (s: readonly number[]) => `[${s.join(', ')}]`;
const counts = (c: Record<string, number>) => Object.entries(c).map(([k, v]) => `${k} ${v}`).join(', ');

function renderModel(m: ModelSummary): string {
  const lines = [
    `model    ${q(m.file)}  (IR ${m.irVersion}, ${Object.entries(m.opsets).map(([d, v]) => `${d} ${v}`).join(', ')}${m.producer ? `, from ${q(m.producer)}` : ''})`,
    ...m.inputs.map((v) => `input    ${q(v.name)} ${v.dtype}${shape(v.shape)}`),
    ...m.outputs.map((v) => `output   ${q(v.name)} ${v.dtype}${shape(v.shape)}`),
    `in file  ${m.fileNodes} nodes: ${counts(m.fileOps)}`,
    `compiled ${m.nodes} nodes after folding compile-time values: ${counts(m.ops)}`,
    `params   ${n(m.parameters)} constant elements`,
    `FLOPs    ${n(m.flops)} per run`,
  ];
  return `${lines.join('\n')}\n`;
}

function renderBuild(dir: string, m: Manifest): string {
  const lines = [
    `build    ${q(dir)}  id ${m.buildId}  ${m.generator}`,
    `model    ${q(m.model.file)}  batch ${m.batch}`,
    `target   ${m.target}${m.arch.length ? ` ${m.arch.join(',')}` : ''}  library ${m.library ?? '(not built: --no-build)'}`,
    ...m.inputs.map((v) => `input    ${q(v.name)} ${v.dtype}${shape(v.shape)}`),
    ...m.outputs.map((v) => `output   ${q(v.name)} ${v.dtype}${shape(v.shape)}`),
    `memory   ${n(m.weights.bytes)} bytes of weights, ${n(m.arenaBytes)} bytes of activations`,
    `kernels  ${m.kernels.length}, ${n(m.totals.flops)} FLOPs, ${n(m.totals.bytes)} bytes moved (min)`,
  ];
  for (const k of m.kernels) {
    const res = k.ptxas?.map((p) => `${p.arch}: ${p.registers} regs, ${p.sharedBytes} B smem, ${p.stackBytes} B stack, ${p.spillStoreBytes + p.spillLoadBytes} B spills`).join('; ');
    lines.push(`  ${k.id.padEnd(22)} ${k.nodes.map((x) => `${x.opType} ${q(x.name)}`).join(', ')}`);
    lines.push(`  ${''.padEnd(22)} ${n(k.flops)} FLOPs, ${n(k.bytes)} B, ${k.launch.grid}x${k.launch.block}${res ? `; ${res}` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'summarize a model (ops, parameters, FLOPs) or a build directory (kernels, provenance, resources)',
  help: `Usage: yhc inspect MODEL.onnx|BUILD_DIR [options]

For a model: inputs and outputs, op counts as written and after compile-time folding,
parameter count and FLOPs. For a build directory: target, memory, and every kernel with the
ONNX nodes it implements, its FLOPs and bytes, and ptxas registers / shared memory / spills.

Options:
  --batch N   value of a symbolic batch dimension (models only; default 1)
  --json      print one JSON document on stdout
`,
  async run(args, io) {
    const { values, positionals } = parse(args, { json: { type: 'boolean' }, batch: { type: 'string' } }, 'inspect');
    const path = onePositional(positionals, 'model or build directory', 'inspect');
    if (existsSync(path) && statSync(path).isDirectory()) {
      const m = readManifest(path);
      io.out(values.json ? `${JSON.stringify(m, null, 2)}\n` : renderBuild(path, m));
      return 0;
    }
    const batch = positiveInt(values.batch, '--batch');
    const summary = inspectModel(path, batch !== undefined ? { batch } : {});
    io.out(values.json ? `${JSON.stringify(summary, null, 2)}\n` : renderModel(summary));
    return 0;
  },
};
