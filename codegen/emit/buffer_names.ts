import { dtypeInfo } from '../../src/dtype.js';
import type { Value } from '../../src/ir/graph.js';
import type { Plan, Storage } from '../plan.js';
import { shortName } from './source_text.js';
import { typeText } from './kernel_source.js';

/**
 * engine.cu names every buffer a launch touches after the tensor it holds: `in0`, `out0` (engine
 * input and output indices), `w3` (byte offset into the weights), `t17` (byte offset into the
 * activation arena; tensors whose lifetimes do not overlap share bytes), `s0` (engine state).
 * A view reads its source's buffer, under its source's name.
 */
export interface NamedBuffer {
  readonly name: string;
  readonly storage: Storage;
  /** The tensor it holds (a view's source). */
  readonly value: Value;
}

export interface BufferNames {
  /** Every named buffer, in order of declaration: inputs, outputs, weights, arena, state. */
  readonly buffers: readonly NamedBuffer[];
  /** How a launch passes `v`: `b.arena_at<float>(t17)`. */
  expr(v: Value, access: 'read' | 'write'): string;
}

const PREFIX: Record<Storage['kind'], string> = { input: 'in', output: 'out', weight: 'w', arena: 't', state: 's' };
const ORDER: Storage['kind'][] = ['input', 'output', 'weight', 'arena', 'state'];

export function nameBuffers(plan: Plan): BufferNames {
  const byRoot = new Map<Value, NamedBuffer>();
  const counts = new Map<Storage['kind'], number>();
  const add = (v: Value) => {
    const root = plan.rootOf(v);
    if (byRoot.has(root)) return;
    const storage = plan.storageOf(root);
    let n: number;
    if (storage.kind === 'input' || storage.kind === 'output') n = storage.index;
    else {
      n = counts.get(storage.kind) ?? 0;
      counts.set(storage.kind, n + 1);
    }
    byRoot.set(root, { name: `${PREFIX[storage.kind]}${n}`, storage, value: root });
  };
  // Weights by offset (as weights.bin holds them), the rest in order of first use.
  for (const w of plan.weights) add(w.value);
  for (const step of plan.steps) {
    if (step.kind === 'launch') for (const t of step.kernel.spec.tensors) add(t.value);
    else add(step.from);
  }
  const buffers = [...byRoot.values()].sort((a, b) => ORDER.indexOf(a.storage.kind) - ORDER.indexOf(b.storage.kind));
  return {
    buffers,
    expr(v: Value, access: 'read' | 'write'): string {
      const c = dtypeInfo(v.dtype).cType;
      const { name, storage } = byRoot.get(plan.rootOf(v))!;
      // A channel-range view (codegen/views.ts): its elements start `offset` into the buffer.
      const offset = plan.offsetOf(v);
      return offset === 0 ? pointer(storage.kind, c, name, access) : `${pointer(storage.kind, c, name, access)} + ${offset}`;
    },
  };
}

/** The first element of a buffer, as a launch passes it. */
function pointer(kind: Storage['kind'], c: string, name: string, access: 'read' | 'write'): string {
  switch (kind) {
    case 'input':
      return `b.input<${c}>(${name})`;
    case 'output':
      return access === 'read' ? `static_cast<const ${c}*>(b.output<${c}>(${name}))` : `b.output<${c}>(${name})`;
    case 'weight':
      return `b.weight<const ${c}>(${name})`;
    case 'arena':
      return `b.arena_at<${c}>(${name})`;
    case 'state':
      return `b.state_at<${c}>(${name})`;
  }
}

/** The declaration of a buffer's name: its index or offset, and a comment naming its tensor. */
export function bufferDeclaration(b: NamedBuffer): { code: string; comment: string[] } {
  const s = b.storage;
  const code = s.kind === 'input' || s.kind === 'output' ? `constexpr int ${b.name} = ${s.index};` : `constexpr size_t ${b.name} = ${s.offset};`;
  return { code, comment: [typeText(b.value), b.value.name ? shortName(b.value.name) : '(a yhc temporary)'] };
}
