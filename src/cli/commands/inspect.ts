import { existsSync, statSync } from 'node:fs';
import { YhcError, q } from '../../errors.js';
import { inspectModel, readManifest, type CostSummary, type ModelSummary } from '../../inspect.js';
import type { Manifest } from '../../manifest.js';
import type { ModelMetadata } from '../../ir/model_metadata.js';
import { onePositional, parse, positiveInt } from '../args.js';
import type { Command } from '../command.js';
import type { PipelineReport } from '../../../passes/index.js';
import { PASS_HELP, PASS_OPTIONS, passOptions } from '../pass_flags.js';
import { MODEL_HELP, MODEL_OPTIONS, modelOptions } from '../model_flags.js';
import { parsePrecision } from '../../../codegen/precision.js';

const n = (x: number) => Math.round(x).toLocaleString('en-US');
const shape = (s: readonly number[]) => `[${s.join(', ')}]`;
const counts = (c: Record<string, number>) =>
  Object.entries(c)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');

/** The pass report: what fired, how often, and what was left alone and why. */
export function renderPasses(report: PipelineReport): string[] {
  const lines = [`passes   ${report.passes.length} run in ${report.milliseconds.toFixed(0)} ms`];
  for (const p of report.passes) {
    const fired = Object.entries(p.fired)
      .map(([what, k]) => `${what} x${k}`)
      .join('; ');
    lines.push(`  ${p.name.padEnd(18)} ${p.skipped ? 'skipped (--skip-pass)' : fired || 'nothing matched'}`);
    for (const note of p.notes) lines.push(`  ${''.padEnd(18)} left alone: ${note}`);
  }
  return lines;
}

/** Max abs / rel error of every output after every pass (--verify). */
export function renderVerify(report: PipelineReport): string {
  const lines = [`translation validation, seed ${report.verifySeed}:`];
  for (const p of report.passes) {
    for (const c of p.verify ?? []) {
      const figures = `max abs ${c.maxAbs.toExponential(2)}  max rel ${c.maxRel.toExponential(2)}`;
      // Detections pass or fail by row matching: that leads, the element-wise figures follow.
      const verdict =
        c.rule === 'detections' ? `${c.ok ? 'ok' : 'MISMATCH'}  ${c.detail}; position by position ${figures}` : `${figures}  ${c.ok ? 'ok' : 'MISMATCH'}`;
      lines.push(`  ${p.name.padEnd(18)} ${q(c.name).padEnd(14)} ${c.rule.padEnd(10)} ${verdict}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

const us = (x: number) => `${x.toFixed(x < 10 ? 2 : 1)} µs`;
const mb = (x: number) => `${(x / 1e6).toFixed(2)} MB`;

/** --cost: every kernel's roofline floor, then the totals against the one-kernel-per-op plan. */
export function renderCost(c: CostSummary): string[] {
  const lines = [`cost     roofline floor on ${c.plan.gpu.name} (${c.plan.gpu.source})`];
  for (const k of c.plan.kernels) {
    lines.push(
      `  ${k.id.padEnd(20)} ${k.ops.join('+').padEnd(14)} ${n(k.flops).padStart(14)} FLOPs ${n(k.bytes).padStart(12)} B  ${us(k.floorMicros).padStart(10)}  ${k.bound}-bound`,
    );
  }
  const total = (label: string, p: CostSummary['plan']) =>
    `  ${label.padEnd(34)} ${String(p.launches).padStart(4)} launches  ${mb(p.bytes).padStart(10)} moved  ${us(p.floorMicros).padStart(10)} floor  ${mb(p.arenaBytes)} activations`;
  lines.push(total('this plan', c.plan), total('one kernel per ONNX op (no passes)', c.unoptimized));
  lines.push(`  traffic ${(100 * c.trafficRatio).toFixed(1)}% of the one-kernel-per-op plan`);
  lines.push(`  views   ${c.views.count} Concat/Split as channel-range views (no kernel), ${c.views.copied.length} copied`);
  for (const why of c.views.copied) lines.push(`          copied: ${why}`);
  return lines;
}

/** q() with the JSON-legal line separators U+2028/U+2029 escaped too: metadata stays on one line. */
const q1 = (s: string) => q(s).replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);

/** One line of metadata_props (model text, so every string is quoted and escaped); none when empty. */
function renderMetadata(md: ModelMetadata | undefined): string[] {
  const keys = md ? Object.keys(md.raw).length : 0;
  if (!md || keys === 0) return [];
  const parts = [
    ...(md.task !== undefined ? [`task ${q1(md.task)}`] : []),
    ...(md.imgsz ? [`imgsz ${shape(md.imgsz)}`] : []),
    ...(md.stride !== undefined ? [`stride ${md.stride}`] : []),
    ...(md.classNames
      ? [
          `${md.classNames.length} class names${md.classNames.length ? `: ${md.classNames.slice(0, 4).map(q1).join(', ')}${md.classNames.length > 4 ? ', …' : ''}` : ''}`,
        ]
      : []),
  ];
  return [`metadata ${[...parts, `${keys} key${keys === 1 ? '' : 's'}`].join(', ')}`];
}

function renderModel(m: ModelSummary): string {
  const lines = [
    `model    ${q(m.file)}  (IR ${m.irVersion}, ${Object.entries(m.opsets)
      .map(([d, v]) => `${d} ${v}`)
      .join(', ')}${m.producer ? `, from ${q(m.producer)}` : ''})`,
    ...m.inputs.map((v) => `input    ${q(v.name)} ${v.dtype}${shape(v.shape)}`),
    ...m.outputs.map((v) => `output   ${q(v.name)} ${v.dtype}${shape(v.shape)}`),
    ...renderMetadata(m.metadata),
    `in file  ${m.fileNodes} nodes: ${counts(m.fileOps)}`,
    `compiled ${m.nodes} nodes after folding compile-time values: ${counts(m.ops)}`,
    `params   ${n(m.parameters)} constant elements`,
    `FLOPs    ${n(m.flops)} per run`,
    ...m.warnings.map((w) => `warning  ${w}`),
    ...(m.passes ? [...renderPasses(m.passes), `optimized ${m.optimizedNodes} nodes: ${counts(m.optimizedOps!)}`] : []),
    ...(m.cost ? renderCost(m.cost) : []),
  ];
  return `${lines.join('\n')}\n${m.passes?.verifySeed !== undefined ? renderVerify(m.passes) : ''}`;
}

function renderBuild(dir: string, m: Manifest): string {
  const lines = [
    `build    ${q(dir)}  id ${m.buildId}  ${m.generator}`,
    `model    ${q(m.model.file)}  batch ${m.batch}`,
    ...renderMetadata(m.metadata),
    `target   ${m.target}${m.arch.length ? ` ${m.arch.join(',')}` : ''}  library ${m.library ?? '(not built: --no-build)'}`,
    ...m.inputs.map((v) => `input    ${q(v.name)} ${v.dtype}${shape(v.shape)}`),
    ...m.outputs.map((v) => `output   ${q(v.name)} ${v.dtype}${shape(v.shape)}`),
    `memory   ${n(m.weights.bytes)} bytes of weights, ${n(m.arenaBytes)} bytes of activations`,
    `kernels  ${m.kernels.length} launches, ${n(m.totals.flops)} FLOPs, ${n(m.totals.bytes)} bytes moved (min)`,
  ];
  for (const k of m.kernels) {
    const res = k.ptxas
      ?.map((p) => `${p.arch}: ${p.registers} regs, ${p.sharedBytes} B smem, ${p.stackBytes} B stack, ${p.spillStoreBytes + p.spillLoadBytes} B spills`)
      .join('; ');
    // One node per line: a horizontally fused kernel implements several.
    k.nodes.forEach((x, i) => {
      const op = x.domain ? `${x.domain}.${x.opType}` : x.opType;
      const replaces = x.domain === 'ai.yhc' && x.replaces ? ` (replaces ${x.replaces.length} ONNX node${x.replaces.length === 1 ? '' : 's'})` : '';
      lines.push(`  ${(i === 0 ? k.id : '').padEnd(22)} ${op} ${q(x.name)}${replaces}`);
    });
    lines.push(
      `  ${''.padEnd(22)} ${n(k.flops)} FLOPs, ${n(k.bytes)} B, ${k.launch.grid}x${k.launch.block}${k.launch.sharedBytes ? ` + ${n(k.launch.sharedBytes)} B dynamic smem` : ''}${res ? `; ${res}` : ''}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

const OPTIONS = {
  json: { type: 'boolean' },
  batch: { type: 'string' },
  cost: { type: 'boolean' },
  precision: { type: 'string' },
  ...MODEL_OPTIONS,
  ...PASS_OPTIONS,
} as const;

export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'summarize a model (ops, parameters, FLOPs) or a build directory (kernels, provenance, resources)',
  options: OPTIONS,
  help: `Usage: yhc inspect MODEL.onnx|BUILD_DIR [options]

For a model: inputs and outputs, op counts as written and after compile-time folding,
parameter count, FLOPs, and the pass report: what each graph pass rewrote and how often, what
matched partially and why it was left alone, and the op counts after the passes. For a build
directory: target, memory, and every kernel with the
ONNX nodes it implements, its FLOPs and bytes, and ptxas registers / shared memory / spills.
The model options below shape the graph exactly as yhc compile does with the same options.

Options:
  --json               print one JSON document on stdout
Models only:
  --batch N            images (default 1): binds a symbolic batch dimension, or re-batches
                       a static batch-1 export
  --cost               plan the kernels and print each one's FLOPs, minimum bytes and roofline
                       floor time on an H100 (measured ~3.0 TB/s copy, ~800 TFLOP/s bf16), and
                       the totals against the one-kernel-per-op plan
  --precision fp32|fp16  storage of the costed plan (with --cost; the one-kernel-per-op plan
                       it is compared with stays fp32)
${MODEL_HELP}${PASS_HELP}`,
  async run(args, io) {
    const { values, positionals } = parse(args, OPTIONS, 'inspect');
    const path = onePositional(positionals, 'model or build directory', 'inspect');
    if (!existsSync(path)) throw new YhcError('IO', `cannot inspect ${q(path)}: no such file or directory`);
    if (statSync(path).isDirectory()) {
      const modelOnly = Object.keys(values).filter((k) => k !== 'json');
      if (modelOnly.length) throw new YhcError('USAGE', `--${modelOnly[0]} takes a model file; ${q(path)} is a build directory`);
      const m = readManifest(path);
      io.out(values.json ? `${JSON.stringify(m, null, 2)}\n` : renderBuild(path, m));
      return 0;
    }
    if (values.precision !== undefined && !values.cost) throw new YhcError('USAGE', '--precision takes effect only with --cost');
    const batch = positiveInt(values.batch, '--batch');
    const summary = inspectModel(path, {
      ...(batch !== undefined ? { batch } : {}),
      ...modelOptions(values),
      ...passOptions(values, io),
      ...(values.cost ? { cost: true } : {}),
      ...(values.precision !== undefined ? { precision: parsePrecision(values.precision) } : {}),
    });
    io.out(values.json ? `${JSON.stringify(summary, null, 2)}\n` : renderModel(summary));
    return 0;
  },
};
