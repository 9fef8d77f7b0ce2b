import { crc32 } from 'node:zlib';
import { tensorBytes } from '../../src/tensor_bytes.js';
import type { Plan } from '../plan.js';

export const WEIGHTS_HEADER_BYTES = 64;

/** The weights payload: every constant a kernel reads, at the plan's aligned offsets. */
export function weightsPayload(plan: Plan): Uint8Array {
  const payload = new Uint8Array(plan.weightBytes);
  for (const slot of plan.weights) payload.set(tensorBytes(slot.value.constant!), slot.offset);
  return payload;
}

/** weights.bin = header (magic, version, sizes, CRC-32, build id) + payload; see yhc_engine_runtime.h. */
export function weightsFile(payload: Uint8Array, buildId: string): Uint8Array {
  if (!/^[0-9a-f]{32}$/.test(buildId)) throw new Error('internal: build id must be 32 hex digits');
  const out = new Uint8Array(WEIGHTS_HEADER_BYTES + payload.length);
  const view = new DataView(out.buffer);
  out.set([0x59, 0x48, 0x43, 0x57, 0x54, 0x53, 0x00, 0x01], 0); // "YHCWTS\0\1"
  view.setUint32(8, 1, true);
  view.setUint32(12, WEIGHTS_HEADER_BYTES, true);
  view.setBigUint64(16, BigInt(payload.length), true);
  view.setUint32(24, crc32(payload) >>> 0, true);
  out.set(new TextEncoder().encode(buildId), 32);
  out.set(payload, WEIGHTS_HEADER_BYTES);
  return out;
}
