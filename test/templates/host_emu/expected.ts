// What the test kernels must produce, recomputed independently in TypeScript from the same
// input formulas, and checkers shared by the plain, no-CUDA-headers and sanitizer runs.
import { expect } from 'vitest';
import { numbers, type Json } from './harness.js';

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

export function checkElementwise(out: Json): void {
  const width = 100;
  const height = 37;
  const want = range(width * height).map((i) => ((i % 13) - 6) * 0.5 + (i % width) * 1000 + Math.floor(i / width));
  for (const mode of ['plain', 'fibers']) {
    expect(out[`affine2d_${mode}_error`]).toBe(0);
    expect(numbers(out, `affine2d_${mode}`)).toEqual(want);
  }
  // block (4,3,2), grid (2,3,4): thread and block coordinates packed in decimal digits
  const [bx, by, bz, gx, gy] = [4, 3, 2, 2, 3];
  const perBlock = bx * by * bz;
  const want3 = range(perBlock * gx * gy * 4).map((i) => {
    const b = Math.floor(i / perBlock);
    const t = i % perBlock;
    const [tx, ty, tz] = [t % bx, Math.floor(t / bx) % by, Math.floor(t / (bx * by))];
    const [kx, ky, kz] = [b % gx, Math.floor(b / gx) % gy, Math.floor(b / (gx * gy))];
    return tx + 10 * ty + 100 * tz + 1000 * kx + 10000 * ky + 100000 * kz;
  });
  for (const mode of ['plain', 'fibers']) {
    expect(out[`index3d_${mode}_error`]).toBe(0);
    expect(numbers(out, `index3d_${mode}`)).toEqual(want3);
  }
  expect(out.count_threads_error).toBe(0);
  expect(out.count_threads).toBe(3 * 5 * 2); // 15 threads add the __constant__ 2
}

export function checkReduction(out: Json): void {
  const inputValue = (i: number) => ((i * 7919) % 2001) - 1000;
  for (const [key, block, blocks] of [
    ['block256', 256, 300],
    ['block1024', 1024, 40],
  ] as const) {
    const values = range(blocks).map((b) => range(block).map((t) => inputValue(b * block + t)));
    expect(out[`${key}_error`]).toBe(0);
    expect(numbers(out, `${key}_sums`)).toEqual(values.map((v) => v.reduce((a, x) => a + x, 0)));
    expect(numbers(out, `${key}_positives`)).toEqual(values.map((v) => v.filter((x) => x > 0).length));
    expect(numbers(out, `${key}_all_small`)).toEqual(values.map((v) => (v.every((x) => x < 1000) ? 1 : 0)));
  }
}

export function checkWarp(out: Json): void {
  const inputValue = (i: number) => ((i * 37) % 19) - 9 || 11;
  const sum = (xs: number[]) => xs.reduce((a, x) => a + x, 0);
  for (const [key, block, blocks] of [
    ['full', 64, 3],
    ['partial', 48, 2],
  ] as const) {
    expect(out[`${key}_error`]).toBe(0);
    const got = (name: string) => numbers(out, `${key}_${name}`);
    for (let b = 0; b < blocks; ++b) {
      for (let w = 0; w * 32 < block; ++w) {
        const lanes = Math.min(32, block - w * 32);
        const base = b * block + w * 32;
        const v = range(lanes).map((l) => inputValue(base + l));
        const full = lanes === 32;
        for (let l = 0; l < lanes; ++l) {
          const at = `${key} block ${b} warp ${w} lane ${l}`;
          const half = v.slice(l & 16, (l & 16) + 16);
          // Reads of lanes outside a partial warp are undefined on a GPU: only checked for full warps.
          if (full) expect(got('xor_sum')[base + l], at).toBe(sum(v));
          if (full && l === 0) expect(got('down_sum')[base + l], at).toBe(sum(v));
          expect(got('scan')[base + l], at).toBe(sum(v.slice(0, l + 1)));
          expect(got('bcast5')[base + l], at).toBe(v[5]);
          expect(got('width16_src3')[base + l], at).toBe(v[(l & 16) + 3]);
          expect(got('width16_sum')[base + l], at).toBe(sum(half));
          const ballot = v.reduce((m, x, i) => (x > 0 ? m + 2 ** i : m), 0);
          expect(got('ballot')[base + l], at).toBe(ballot);
          expect(got('any_neg')[base + l], at).toBe(v.some((x) => x < 0) ? 1 : 0);
          expect(got('all_pos')[base + l], at).toBe(1);
          expect(got('active')[base + l], at).toBe(full ? 0xffffffff : 2 ** lanes - 1);
          expect(got('dbl_xor1')[base + l], at).toBe(v[l ^ 1] * 1e10 + 0.25);
          if (l + 1 < lanes) expect(got('flt_down1')[base + l], at).toBe(v[l + 1] + 0.5);
          if (full && l === 31) expect(got('flt_down1')[base + l], at).toBe(v[31] + 0.5);
        }
      }
    }
  }
  for (const [key, block, blocks] of [
    ['blocksum256', 256, 64],
    ['blocksum1024', 1024, 16],
  ] as const) {
    expect(out[`${key}_error`]).toBe(0);
    const want = range(blocks).map((b) => sum(range(block).map((t) => inputValue(b * block + t))));
    expect(numbers(out, `${key}_sums`)).toEqual(want);
  }
}

export function checkDynamicSmem(out: Json): void {
  const n = 1000;
  const reversedTiles = (tile: number, input: (i: number) => number) =>
    range(n).map((i) => {
      const base = Math.floor(i / tile) * tile;
      const len = Math.min(tile, n - base);
      return input(base + len - 1 - (i - base)) * 2;
    });
  expect(out.float128_error).toBe(0);
  expect(numbers(out, 'float128')).toEqual(reversedTiles(128, (i) => i - 300.5));
  expect(out.int64_error).toBe(0);
  expect(numbers(out, 'int64')).toEqual(reversedTiles(64, (i) => 3 * i - 700));
  expect(out.big_without_optin_error).toBe(1); // cudaErrorInvalidValue, as on a GPU
  expect(out.big_with_optin_error).toBe(0);
  const words = 16384;
  const blocks = 4;
  expect(numbers(out, 'big_sum')).toEqual([blocks * ((words * (words - 1)) / 2) + words * (0 + 1 + 2 + 3)]);
}

export function checkAtomics(out: Json): void {
  const valueOf = (i: number) => Number((BigInt(i) * 7919n) % 100003n);
  for (const [key, threads] of [
    ['plain', 512 * 256],
    ['fibers', 128 * 256],
  ] as const) {
    const values = range(threads).map(valueOf);
    const max = values.reduce((a, x) => Math.max(a, x), 0);
    expect(out[`${key}_error`]).toBe(0);
    expect(out[`${key}_count`]).toBe(threads);
    expect(out[`${key}_half_sum`]).toBe(threads / 2);
    expect(out[`${key}_max`]).toBe(max);
    expect(out[`${key}_min`]).toBe(values.reduce((a, x) => Math.min(a, x), Infinity));
    expect(out[`${key}_big_sum`]).toBe(Number(values.reduce((a, x) => a + BigInt(x) * 1000003n, 0n)));
    expect(out[`${key}_max_u64`]).toBe(max * 2 ** 20);
    expect(out[`${key}_dsum`]).toBe(threads * 0.25);
    expect(out[`${key}_cas_count`]).toBe(threads);
    expect(out[`${key}_wrap`]).toBe(threads % 100);
    expect(out[`${key}_bits`]).toBe(0xffffffff);
    const histogram = new Array<number>(16).fill(0);
    for (const v of values) histogram[v % 16]++;
    expect(numbers(out, `${key}_histogram`)).toEqual(histogram);
  }
}

const cudaErrorInvalidValue = 1;
const cudaErrorInvalidConfiguration = 9;
const cudaErrorLaunchFailure = 719;

export function checkFailures(out: Json): void {
  const failed = (key: string, why: RegExp) => {
    expect(out[`${key}_error`], key).toBe(cudaErrorLaunchFailure);
    expect(out[`${key}_error_after`], key).toBe(0); // cudaGetLastError returned and cleared it
    expect(out[`${key}_sync_error`], key).toBe(cudaErrorLaunchFailure); // the next synchronize reports it
    expect(out[`${key}_sync_error_after`], key).toBe(0);
    expect(out[`${key}_message`], key).toMatch(why);
  };
  failed('barrier_in_plain', /kernel 'uses_barrier'.*__syncthreads\(\).*YHC_LAUNCH_NO_BARRIER/);
  failed('shuffle_in_plain', /kernel 'uses_shuffle'.*shuffle.*YHC_LAUNCH_NO_BARRIER/);
  failed('barrier_vs_warp_sync', /kernel 'barrier_vs_warp_sync'.*deadlock: 32 of 64 threads wait at __syncthreads/);
  failed('divergent_shuffle', /kernel 'divergent_shuffle'.*deadlock: 48 of 64 .* 16 wait at a warp sync/);
  failed('trap', /kernel 'traps'.*block \(1,0,0\).*__trap\(\) called by thread \(7,0,0\)/);

  expect(out.early_exit_error).toBe(0);
  expect(numbers(out, 'early_exit_out')).toEqual(range(64).map((t) => (t < 40 ? 4 : 0)));

  const refused = (key: string, code: number, why: RegExp) => {
    expect(out[`${key}_error`], key).toBe(code);
    expect(out[`${key}_error_after`], key).toBe(0);
    expect(out[`${key}_sync_error`], key).toBe(0); // configuration errors are reported at launch only
    expect(out[`${key}_message`], key).toMatch(why);
  };
  refused('block_2048', cudaErrorInvalidConfiguration, /block \(2048,1,1\).*at most 1024 threads/);
  refused('block_32x32x2', cudaErrorInvalidConfiguration, /at most 1024 threads/);
  refused('block_z_65', cudaErrorInvalidConfiguration, /at most 1024 threads/);
  refused('grid_y_70000', cudaErrorInvalidConfiguration, /grid dimensions/);
  refused('grid_0', cudaErrorInvalidConfiguration, /dimension is 0/);
  refused('block_0', cudaErrorInvalidConfiguration, /dimension is 0/);
  refused('smem_300k', cudaErrorInvalidConfiguration, /227 KiB/);
  refused('smem_64k_no_optin', cudaErrorInvalidValue, /cudaFuncAttributeMaxDynamicSharedMemorySize/);
  expect(numbers(out, 'untouched')).toEqual(new Array(64).fill(0));

  expect(out.recovered_fibers_error).toBe(0);
  expect(numbers(out, 'recovered_fibers_out')).toEqual(new Array(64).fill(2));
  expect(out.recovered_plain_error).toBe(0);
  expect(numbers(out, 'recovered_plain_out')).toEqual(new Array(4096).fill(6));
}

/** mma.cu: D = A·B + C for the m16n8k8 tile (row-major 16x8 A and C, 8x8 B in memory). */
export function checkMma(out: Json): void {
  expect(out.error).toBe(0);
  const [a, b, c, d] = [numbers(out, 'a'), numbers(out, 'b'), numbers(out, 'c'), numbers(out, 'd')];
  for (let r = 0; r < 16; r++) {
    for (let n = 0; n < 8; n++) {
      let want = c[r * 8 + n]!;
      for (let k = 0; k < 8; k++) want += a[r * 8 + k]! * b[k * 8 + n]!;
      expect(d[r * 8 + n], `D[${r}][${n}]`).toBeCloseTo(want, 4);
    }
  }
}
