import { dtypeInfo } from '../../src/dtype.js';
import type { Value } from '../../src/ir/graph.js';
import { commentName, commentText, grouped } from '../c_text.js';
import type { Plan, Storage } from '../plan.js';
import { valueBytes } from '../plan.js';
import { GENERATED_BANNER, typeText } from './kernel_source.js';

/** How engine.cu's run() names a value's buffer. */
function bufferExpr(plan: Plan, v: Value, access: 'read' | 'write'): string {
  const c = dtypeInfo(v.dtype).cType;
  const s: Storage = plan.storageOf(v);
  switch (s.kind) {
    case 'input':
      return `b.input<${c}>(${s.index})`;
    case 'output':
      return access === 'read' ? `static_cast<const ${c}*>(b.output<${c}>(${s.index}))` : `b.output<${c}>(${s.index})`;
    case 'weight':
      return `b.weight<const ${c}>(${s.offset})`;
    case 'arena':
      return `b.arena_at<${c}>(${s.offset})`;
    case 'state':
      return `b.state_at<${c}>(${s.offset})`;
  }
}

export interface EngineSourceInfo {
  buildId: string;
  modelName: string;
}

/** engine.cu: the plan as straight-line host code, then the shared runtime and C ABI. */
export function engineSource(plan: Plan, info: EngineSourceInfo): string {
  const g = plan.graph;
  const run: string[] = [];
  for (const step of plan.steps) {
    if (step.kind === 'launch') {
      const k = step.kernel;
      const nodes = k.spec.nodes.map((n) => `${commentText(n.opType)} ${commentName(n.name)}`).join(', ');
      run.push(`  // ${k.id}: ${nodes}`);
      const args = k.spec.tensors.map((t) => bufferExpr(plan, t.value, t.access));
      run.push(`  ${k.launcher}(${[...args, 'batch', 'stream'].join(', ')});`);
      run.push(`  YHC_CHECK_LAUNCH("${k.id}");`);
    } else {
      const out = g.outputs[step.toOutput]!;
      run.push(`  // output ${step.toOutput} ${commentName(out.name)} is stored elsewhere: copy it`);
      // With a dynamic batch the output holds `batch` images of bytes / kMaxBatch each.
      const bytes = plan.dynamicBatch ? `${step.bytes / plan.batch} * size_t(batch)` : `${step.bytes}`;
      run.push(
        `  YHC_CUDA_OR_FAIL(cudaMemcpyAsync(b.outputs[${step.toOutput}], ${bufferExpr(plan, step.from, 'read')}, ${bytes}, cudaMemcpyDeviceToDevice, stream));`,
      );
    }
  }
  const io = (vs: readonly Value[], what: string) =>
    vs.map((v, i) => `//   ${what} ${i}: ${commentName(v.name)} ${typeText(v)}`);
  const sizes = (vs: readonly Value[]) => vs.map((v) => `${valueBytes(v)}`).join(', ') || '0';
  return [
    `// engine.cu — ${GENERATED_BANNER}`,
    `// Host plan of model ${commentName(info.modelName)}: ${plan.kernels.length} kernels,`,
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
    `constexpr size_t kArenaBytes = ${plan.arenaBytes};`,
    `constexpr size_t kStateBytes = ${plan.stateBytes};`,
    `constexpr int kMaxBatch = ${plan.batch};`,
    `// Whether a run may take fewer images than kMaxBatch (every kernel's grid is image-major).`,
    `constexpr bool kDynamicBatch = ${plan.dynamicBatch};`,
    `constexpr int kNumInputs = ${g.inputs.length};`,
    `constexpr size_t kInputBytes[] = {${sizes(g.inputs)}};`,
    `constexpr int kNumOutputs = ${g.outputs.length};`,
    `constexpr size_t kOutputBytes[] = {${sizes(g.outputs)}};`,
    'int run(const yhc::Buffers& b, int batch, cudaStream_t stream);',
    '}  // namespace yhc_plan',
    '',
    '#include "yhc_engine_runtime.h"',
    '',
    '// One inference of `batch` images: every kernel in dependency order on one stream.',
    'int yhc_plan::run(const yhc::Buffers& b, int batch, cudaStream_t stream) {',
    ...run,
    '  return YHC_OK;',
    '}',
    '',
  ].join('\n');
}
