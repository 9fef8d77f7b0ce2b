// The host emulation (templates/host_emu) runs the same .cu kernels as nvcc, on the CPU, in CI.
// Each kernel file under kernels/ is built with g++ into a program that prints JSON; the numbers
// are checked against values recomputed here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import path from 'node:path';
import { haveCudaHeaders, kernelsDir, numbers, plainFlavor, runJson, runJsonLines, TestBuild, kernelFiles } from './harness.js';
import { checkAtomics, checkDynamicSmem, checkElementwise, checkFailures, checkReduction, checkMma, checkWarp } from './expected.js';

const buildTimeout = 180_000;

describe('host emulation with CUDA headers on the include path', () => {
  let build: TestBuild;
  let programs: Record<string, string>;
  beforeAll(async () => {
    build = await TestBuild.create(plainFlavor);
    programs = await build.programs(kernelFiles);
  }, buildTimeout);
  afterAll(async () => build?.dispose());

  it('computes the m16n8k8 tensor-core product from fragments in the PTX ISA layout', async () => {
    checkMma(await runJson(programs.mma));
  });

  it('runs a barrier-free 2-D/3-D kernel as a plain loop and on fibers', async () => {
    checkElementwise(await runJson(programs.elementwise));
  });

  it('reduces blocks of 256 and 1024 threads through __shared__ and __syncthreads exactly', async () => {
    checkReduction(await runJson(programs.reduction));
  });

  it('shuffles, votes and mixes warp syncs with block barriers, full and partial warps', async () => {
    checkWarp(await runJson(programs.warp));
  });

  it('gives template kernels dynamic shared memory and enforces the 48 KiB opt-in', async () => {
    checkDynamicSmem(await runJson(programs.dynamic_smem));
  });

  it('keeps atomics exact with blocks running on 4 worker threads', async () => {
    checkAtomics(await runJson(programs.atomics, { YHC_EMU_THREADS: '4' }));
  });

  it('reports launch failures and invalid configurations without hanging or aborting', async () => {
    checkFailures(await runJson(programs.failures, {}, 10_000));
  });

  it('gives the same results with one worker thread and with small fiber stacks', async () => {
    const env = { YHC_EMU_THREADS: '1', YHC_EMU_STACK_KB: '32' };
    checkReduction(await runJson(programs.reduction, env));
    checkWarp(await runJson(programs.warp, env));
  });

  describe.skipIf(!haveCudaHeaders)('without CUDA headers (own dim3, vector types and __half)', () => {
    let bare: TestBuild;
    let barePrograms: Record<string, string>;
    beforeAll(async () => {
      bare = await TestBuild.create({ name: 'nocuda', cudaHeaders: false, extraFlags: [] });
      barePrograms = await bare.programs(['elementwise', 'warp', 'failures', 'half']);
    }, buildTimeout);
    afterAll(async () => bare?.dispose());

    it('runs the same kernels with the same results', async () => {
      checkElementwise(await runJson(barePrograms.elementwise));
      checkWarp(await runJson(barePrograms.warp));
      checkFailures(await runJson(barePrograms.failures, {}, 10_000));
    });

    it("converts and computes __half bit-identically to CUDA's cuda_fp16.h", async () => {
      const cuda = await runJson(programs.half);
      const own = await runJson(barePrograms.half);
      expect(cuda.error).toBe(0);
      expect(own).toEqual(cuda);
      // Spot checks: ties to even, subnormals, the overflow edge, canonical NaN.
      const inputs = numbers(cuda, 'input');
      const bitsOf = (x: number) => numbers(cuda, 'bits')[inputs.indexOf(x)];
      expect(bitsOf(1)).toBe(0x3c00);
      expect(bitsOf(1 + 1 / 2048)).toBe(0x3c00);
      expect(bitsOf(1 + 3 / 2048)).toBe(0x3c02);
      expect(bitsOf(65504)).toBe(0x7bff);
      expect(bitsOf(65519)).toBe(0x7bff);
      expect(bitsOf(65520)).toBe(0x7c00);
      expect(bitsOf(Math.fround(5.9604645e-8))).toBe(0x0001);
      expect(bitsOf(Math.fround(2.9802322e-8))).toBe(0x0000);
      expect(numbers(cuda, 'bits')[27]).toBe(0x7fff); // specials[27] is NaN (printed as null)
    });
  });

  it('loads two engines into one process without symbol clashes or leftover threads', async () => {
    const [libA, libB] = await Promise.all([build.sharedLibrary('engine_a', ['elementwise']), build.sharedLibrary('engine_b', ['reduction'])]);
    const loader = await build.executable('loader', path.join(kernelsDir, 'loader.cpp'));
    const lines = await runJsonLines(loader, [libA, libB]);
    checkElementwise(lines[0]);
    checkReduction(lines[1]);
    expect(lines[2]).toEqual({ threads_after_runs: 1 });
    expect(lines[3]).toEqual({ threads_after_unload: 1 });
    // Only the engine's own entry point and the emulator's two queries (yhc_emu_last_failure,
    // yhc_emu_device_bytes: its allocation counter) leave the library: no cuda*
    // functions, kernels, helper templates or GNU-unique __shared__ arrays another library could
    // bind to (the libraries are built with -fvisibility=hidden, as engines must be).
    for (const lib of [libA, libB]) {
      const { stdout } = await execa('nm', ['-D', '--defined-only', lib]);
      const exported = stdout
        .split('\n')
        .map((line) => line.trim().split(/\s+/).pop() ?? '')
        // libstdc++ gives std:: template instances default visibility; they are identical everywhere.
        .filter((name) => name !== '' && !/^_init|^_fini|^_ZN?K?St/.test(name));
      expect(exported.sort()).toEqual(['yhc_emu_device_bytes', 'yhc_emu_last_failure', 'yhc_test_run']);
    }
  }, 60_000);
});
