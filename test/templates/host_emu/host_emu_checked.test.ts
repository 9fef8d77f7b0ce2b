// The checked host build (YHC_CHECK; templates/host_emu/yhc_check.cpp): each planted bug in
// kernels/checked.cu is reported with its kind, kernel, threads, tensor and source line, and the
// correct kernels next to them run clean.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECK_FLAGS, CHECK_KERNEL_FLAGS } from '../../../codegen/toolchain/build.js';
import { kernelsDir, plainFlavor, runJson, TestBuild, type Json } from './harness.js';

function lineOf(marker: string): string {
  const lines = readFileSync(path.join(kernelsDir, 'checked.cu'), 'utf8').split('\n');
  const n = lines.findIndex((line) => line.includes(`CHECK_LINE(${marker})`)) + 1;
  if (n === 0) throw new Error(`no CHECK_LINE(${marker})`);
  return `kernels/checked.cu:${n}`;
}

const LAUNCH_FAILURE = 719;

describe('checked host build (--check): planted bugs', () => {
  let build: TestBuild;
  let out: Json;
  beforeAll(async () => {
    build = await TestBuild.create({ name: 'checked', cudaHeaders: plainFlavor.cudaHeaders, extraFlags: CHECK_FLAGS });
    const exe = await build.checkedProgram('checked', CHECK_KERNEL_FLAGS);
    out = await runJson(exe, {}, 60_000);
  }, 240_000);
  afterAll(async () => build?.dispose());

  const message = (key: string) => String(out[`${key}_message`]);

  it('runs correct kernels clean: shared-memory reduction, shuffles with atomics, aligned float4', () => {
    for (const k of ['block_sum', 'warp_sum', 'aligned_float4', 'recovered']) {
      expect(message(k), k).toBe('');
      expect(out[`${k}_error`], k).toBe(0);
    }
    expect(out.block_sum_out).toEqual([128, 128, 128, 128]);
    expect(out.warp_sum_out).toEqual([128]);
  });

  it('reports a missing barrier as a shared-memory race naming both threads and both lines', () => {
    expect(out.missing_barrier_error).toBe(LAUNCH_FAILURE);
    expect(message('missing_barrier')).toMatch(
      /race on shared memory in kernel 'missing_barrier', block \(0,0,0\): thread \(\d+,0,0\) (reads|writes) __shared__\+\d+, which thread \(\d+,0,0\) (read|wrote)/,
    );
    expect(message('missing_barrier')).toContain(lineOf('missing_barrier'));
    expect(message('missing_barrier')).toContain(lineOf('missing_barrier_write'));
  });

  it('reports an off-by-one store into the next tensor, naming both tensors and the index', () => {
    expect(out.off_by_one_error).toBe(LAUNCH_FAILURE);
    expect(message('off_by_one')).toContain(
      "out-of-bounds access in kernel 'off_by_one': thread (63,0,0) of block (0,0,0) writes 4 bytes at b[0], a tensor that is not an argument of the launch (nearest argument: a[64])",
    );
    expect(message('off_by_one')).toContain(lineOf('off_by_one'));
  });

  it('reports two blocks writing the same element in one launch', () => {
    // Blocks run on all cores, so either block may be the second writer.
    const text = message('two_block_race');
    expect(text).toMatch(
      /write-write race on global memory in kernel 'two_block_race': thread \(0,0,0\) of block \(([01]),0,0\) writes .*\[byte 0\], which block \(([01]),0,0\) also wrote in this launch/,
    );
    const [, second, first] = /of block \(([01]),0,0\) writes .*which block \(([01]),0,0\)/.exec(text) ?? [];
    expect(second).not.toBe(first);
    expect(message('two_block_race')).toContain(lineOf('two_block_race'));
  });

  it('reports a shuffle whose mask names exited lanes', () => {
    expect(message('shuffle_inactive')).toMatch(
      /a warp shuffle in kernel 'shuffle_inactive' by thread \(0,0,0\) of block \(0,0,0\) names lane 16 \(mask 0xffffffff\), which has exited/,
    );
    expect(message('shuffle_inactive')).toContain(lineOf('shuffle_inactive'));
  });

  it('reports a float4 load at an address that is not 16-byte aligned', () => {
    expect(message('misaligned_float4')).toMatch(
      /misaligned 16-byte load in kernel 'misaligned_float4': thread \(0,0,0\) of block \(0,0,0\) at .*\[byte 4\], address 0x[0-9a-f]+ is not 16-byte aligned/,
    );
    expect(message('misaligned_float4')).toContain(lineOf('misaligned_float4'));
  });

  it('reports a barrier inside a branch that half of the block takes', () => {
    expect(message('barrier_in_branch')).toContain(
      "divergent __syncthreads() in kernel 'barrier_in_branch', block (0,0,0): reached by 64 of 128 threads (thread (64,0,0) exited after 0 barriers)",
    );
    expect(message('barrier_in_branch')).toContain(lineOf('barrier_in_branch'));
  });

  it('reports a read of device memory nothing has written', () => {
    expect(message('uninitialized')).toMatch(
      /uninitialized read in kernel 'reads_unwritten': thread \(0,0,0\) of block \(0,0,0\) reads .*\[byte 0\], which nothing has written in this run/,
    );
    expect(message('uninitialized')).toContain(lineOf('uninitialized'));
  });

  it('keeps every report for yhc_check_reports, one per planted bug', () => {
    const all = String(out.all_reports)
      .split('yhc check: ')
      .filter((s) => s !== '');
    for (const k of ['missing_barrier', 'off_by_one', 'two_block_race', 'shuffle_inactive', 'misaligned_float4', 'barrier_in_branch', 'reads_unwritten'])
      expect(
        all.some((r) => r.includes(`'${k}'`)),
        k,
      ).toBe(true);
  });
});
