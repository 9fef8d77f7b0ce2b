import type { Value } from '../../src/ir/graph.js';
import { commentName, grouped } from '../c_text.js';
import type { Plan } from '../plan.js';
import { valueBytes } from '../plan.js';
import { bufferDeclaration, nameBuffers } from './buffer_names.js';
import { GENERATED_BANNER, typeText } from './kernel_source.js';
import { nodeText } from './provenance.js';
import { MAX_LINE, annotated, callLines, shortName, wrapped } from './source_text.js';
import { checkedArena, checkedTensorTable } from './checked_layout.js';
import { abiHeader, prefixDefines } from './symbol_prefix.js';

export interface EngineSourceInfo {
  buildId: string;
  modelName: string;
  /** The checked build (`--check`): arena tensors unshared, between guard bytes, named to the checker. */
  check?: boolean;
  /** `--symbol-prefix P`: the C ABI's names renamed to P + name (codegen/emit/symbol_prefix.ts). */
  symbolPrefix?: string;
}

/**
 * yhc_plan::check_inputs: what must hold of the inputs' values before any kernel runs, checked on
 * host memory (yhc_engine_run_host, and every run of a host build): with --input-format rgb8|bgr8,
 * each image's frame_size within 1x1 .. the largest frame and not shrinking to 0 pixels in S
 * (letterbox.cuh's geometry, in the same doubles).
 */
function frameSizeCheck(plan: Plan): string[] {
  const g = plan.graph;
  const checks = g.nodes
    .filter((n) => n.opType === 'Letterbox' && n.domain === 'ai.yhc')
    .map((n) => {
      const [frames, sizes] = [n.input(0), n.input(1)];
      const index = g.inputs.indexOf(sizes);
      if (index < 0) throw new Error('internal: the letterbox frame_size is not an engine input');
      const [h, w] = [frames.shape[1]!, frames.shape[2]!];
      return `  if (int s = yhc::check_frame_sizes(static_cast<const int32_t*>(inputs[${index}]), batch, ${w}, ${h}, ${n.outputs[0]!.shape[2]!})) return s;`;
    });
  return [
    "// The inputs' values, checked on host memory before any kernel runs (frame sizes of --input-format rgb8|bgr8).",
    'int yhc_plan::check_inputs(const void* const* inputs, int batch) {',
    ...(checks.length ? checks : ['  (void)inputs;', '  (void)batch;']),
    '  return YHC_OK;',
    '}',
  ];
}

/** engine.cu: the plan as straight-line host code, then the shared runtime and C ABI. */
export function engineSource(plan: Plan, info: EngineSourceInfo): string {
  const g = plan.graph;
  const names = nameBuffers(plan);
  const run: string[] = [
    '  // Buffers, each named for the tensor it holds (model names escaped; shapes at the compiled batch):',
    '  // in/out: engine input and output index; w: byte offset into the weights; t: byte offset into the',
    '  // activation arena, where tensors whose lifetimes do not overlap share bytes; s: engine state.',
  ];
  const checked = info.check ? checkedArena(names.buffers) : null;
  for (const b of names.buffers) {
    const { code, comment } = bufferDeclaration(b);
    const offset = checked?.offsets.get(b.name);
    run.push(...annotated(`  ${offset === undefined ? code : `constexpr size_t ${b.name} = ${offset};`}`, comment));
  }
  if (info.check) run.push(...checkedTensorTable(names.buffers));
  for (const step of plan.steps) {
    run.push('');
    if (step.kind === 'launch') {
      const k = step.kernel;
      run.push(...wrapped(`  // ${k.id}: `, '  //   ', k.spec.nodes.map(nodeText)));
      const args = k.spec.tensors.map((t) => names.expr(t.value, t.access));
      const notes = [...k.spec.tensors.map((t) => t.name), '', ''];
      run.push(...callLines('  ', `${k.launcher}(`, [...args, 'batch', 'stream'], ');', notes));
      run.push(`  YHC_CHECK_LAUNCH("${k.id}");`);
    } else {
      const out = g.outputs[step.toOutput]!;
      run.push(`  // output ${step.toOutput} ${shortName(out.name)} is stored elsewhere: copy it`);
      // With a dynamic batch the output holds `batch` images of bytes / kMaxBatch each.
      const bytes = plan.dynamicBatch ? `${step.bytes / plan.batch} * size_t(batch)` : `${step.bytes}`;
      const args = [`b.outputs[${step.toOutput}]`, names.expr(step.from, 'read'), bytes, 'cudaMemcpyDeviceToDevice', 'stream'];
      run.push(...callLines('  ', 'YHC_CUDA_OR_FAIL(cudaMemcpyAsync(', args, '));'));
    }
  }
  const io = (vs: readonly Value[], what: string) =>
    vs.flatMap((v, i) => {
      const line = `//   ${what} ${i}: ${shortName(v.name)} ${typeText(v)}`;
      return line.length <= MAX_LINE ? [line] : [`//   ${what} ${i}: ${shortName(v.name)}`, `//     ${typeText(v)}`];
    });
  const sizes = (vs: readonly Value[]) => vs.map((v) => `${valueBytes(v)}`);
  const array = (decl: string, vs: readonly Value[]) => wrapped(`${decl} = {`, '    ', vs.length ? sizes(vs) : ['0'], '};');
  return [
    `// engine.cu — ${GENERATED_BANNER}`,
    `// Host plan of model ${commentName(info.modelName, 60)}: ${plan.kernels.length} kernels,`,
    `// ${grouped(plan.weightBytes)} bytes of weights, ${grouped(plan.arenaBytes)} bytes of activation arena.`,
    ...io(g.inputs, 'input '),
    ...io(g.outputs, 'output'),
    '',
    '#include "yhc_device.h"',
    '#include "yhc_engine.h"',
    '#include "kernels/kernels.h"',
    '',
    'namespace yhc { struct Buffers; }',
    '',
    'namespace yhc_plan {',
    `constexpr char kBuildId[] = "${info.buildId}";`,
    `constexpr size_t kWeightBytes = ${plan.weightBytes};`,
    `constexpr size_t kArenaBytes = ${checked ? checked.arenaBytes : plan.arenaBytes};`,
    `constexpr size_t kStateBytes = ${plan.stateBytes};`,
    `constexpr int kMaxBatch = ${plan.batch};`,
    `// Whether a run may take fewer images than kMaxBatch (every kernel's grid is image-major).`,
    `constexpr bool kDynamicBatch = ${plan.dynamicBatch};`,
    `constexpr int kNumInputs = ${g.inputs.length};`,
    ...array('constexpr size_t kInputBytes[]', g.inputs),
    `constexpr int kNumOutputs = ${g.outputs.length};`,
    ...array('constexpr size_t kOutputBytes[]', g.outputs),
    'int run(const yhc::Buffers& b, int batch, cudaStream_t stream);',
    'int check_inputs(const void* const* inputs, int batch);',
    '}  // namespace yhc_plan',
    '',
    ...(info.symbolPrefix ? [...prefixDefines(abiHeader(), info.symbolPrefix), ''] : []),
    '#include "yhc_engine_runtime.h"',
    '',
    '// One inference of `batch` images: every kernel in dependency order on one stream.',
    'int yhc_plan::run(const yhc::Buffers& b, int batch, cudaStream_t stream) {',
    ...run,
    '  return YHC_OK;',
    '}',
    '',
    ...frameSizeCheck(plan),
    '',
  ].join('\n');
}
