import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixture, tempDir } from '../helpers/paths.js';
import { yhcHere } from './run_in_process.js';

const SIZES: Record<string, number> = { float32: 4, float16: 2, int64: 8, int32: 4, uint32: 4, uint8: 1, int8: 1, bool: 1 };

/** `--check` (docs/checker.md): the checked host build's flag, and what it changes in engine.cu. */
const { dir, cleanup } = tempDir('yhc-check-flag-');
afterAll(cleanup);

describe('--check', () => {
  it('check_flag_needs_the_host_target', async () => {
    const r = await yhcHere('compile', fixture('tiny_head'), '--check', '--no-build', '-o', join(dir, 'cuda'));
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('yhc: error[USAGE]: --check needs --target host (it checks the CPU emulation)\n');
  });

  it('check_flag_gives_every_arena_tensor_its_own_guarded_extent_named_to_the_checker', async () => {
    const plain = await yhcHere('compile', fixture('tiny_head'), '--target', 'host', '--no-build', '--json', '-o', join(dir, 'plain'));
    const checked = await yhcHere('compile', fixture('tiny_head'), '--target', 'host', '--check', '--no-build', '-o', join(dir, 'checked'));
    expect(plain.status, plain.stderr).toBe(0);
    expect(checked.status, checked.stderr).toBe(0);
    const engine = readFileSync(join(dir, 'checked', 'engine.cu'), 'utf8');
    const offsets = [...engine.matchAll(/constexpr size_t (t\d+) = (\d+);\s+\/\/ (\w+)\[([\d, ]+)\]/g)].map((m) => ({
      name: m[1]!,
      offset: Number(m[2]),
      dtype: m[3]!,
      elem: SIZES[m[3]!]!,
      bytes: m[4]!.split(', ').reduce((n, d) => n * Number(d), 1) * SIZES[m[3]!]!,
    }));
    expect(offsets.length).toBeGreaterThan(3);
    // No two tensors share bytes, and at least 1 KiB of guard lies between neighbours.
    const sorted = [...offsets].sort((a, b) => a.offset - b.offset);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.offset - (sorted[i - 1]!.offset + sorted[i - 1]!.bytes)).toBeGreaterThanOrEqual(1024);
    for (const t of offsets) expect(engine).toMatch(new RegExp(`\\{"${t.name} ${t.dtype}\\[[\\d,]+\\]", 'a', ${t.name}, ${t.bytes}, ${t.elem}\\},`));
    expect(engine).toContain('const yhc::CheckedRun checked_run(b, batch, kCheckedTensors,');
    expect(readFileSync(join(dir, 'plain', 'engine.cu'), 'utf8')).not.toContain('kCheckedTensors');
  });
});
