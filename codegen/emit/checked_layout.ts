import { dtypeInfo } from '../../src/dtype.js';
import type { NamedBuffer } from './buffer_names.js';
import { valueBytes } from '../plan.js';

/** Bytes between two tensors of a checked arena: an overrun lands in them and is reported. */
const CHECK_GUARD_BYTES = 1024;
const ALIGNMENT = 256;

/**
 * The activation arena of a checked build (`--check`): every arena tensor its own extent, none
 * shared, with CHECK_GUARD_BYTES unused bytes before each, so an access past one tensor cannot
 * land in another and every byte a run reads must have been written by that run.
 */
export function checkedArena(buffers: readonly NamedBuffer[]): { offsets: Map<string, number>; arenaBytes: number } {
  const offsets = new Map<string, number>();
  let end = 0;
  for (const b of buffers) {
    if (b.storage.kind !== 'arena') continue;
    const offset = Math.ceil((end + CHECK_GUARD_BYTES) / ALIGNMENT) * ALIGNMENT;
    offsets.set(b.name, offset);
    end = offset + valueBytes(b.value);
  }
  return { offsets, arenaBytes: Math.ceil((end + CHECK_GUARD_BYTES) / ALIGNMENT) * ALIGNMENT };
}

/**
 * engine.cu's table of the tensors the checker names in its reports (templates/host_emu/
 * yhc_check.h): buffer name and shape (no model text), kind, where it lives, bytes, element size.
 */
export function checkedTensorTable(buffers: readonly NamedBuffer[]): string[] {
  const kinds: Record<string, string> = { weight: 'w', arena: 'a', state: 's' };
  const rows = buffers
    .filter((b) => kinds[b.storage.kind] !== undefined)
    .map((b) => {
      const label = `${b.name} ${b.value.dtype}[${b.value.shape.join(',')}]`;
      return `    {"${label}", '${kinds[b.storage.kind]}', ${b.name}, ${valueBytes(b.value)}, ${dtypeInfo(b.value.dtype).bytes}},`;
    });
  return [
    '  // The checked build (--check): each tensor is its own extent to the checker, named in its reports.',
    '  static constexpr yhc::CheckedTensor kCheckedTensors[] = {',
    ...(rows.length ? rows : ['      {"", 0, 0, 0, 1},']).map((r) => `  ${r}`),
    '  };',
    '  const yhc::CheckedRun checked_run(b, batch, kCheckedTensors, sizeof kCheckedTensors / sizeof kCheckedTensors[0]);',
  ];
}
