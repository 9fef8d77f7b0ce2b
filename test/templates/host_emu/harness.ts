// Builds and runs the host-emulation test kernels: g++ with argv arrays (never a shell), one
// executable per kernel file that prints a JSON object.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { cudaIncludeDir } from '../../../codegen/toolchain/toolchain.js';
import { inParallel } from '../../../src/util/pool.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../../..');
export const templatesDir = path.join(repoRoot, 'templates');
export const kernelsDir = path.join(here, 'kernels');
export const emulatorSource = path.join(templatesDir, 'host_emu', 'yhc_host_emu.cpp');
// CUDA's headers where the toolkit is installed (CUDA_HOME, or next to nvcc), as engine builds find them.
export const cudaInclude = cudaIncludeDir() ?? '';
export const haveCudaHeaders = cudaInclude !== '' && existsSync(path.join(cudaInclude, 'cuda_fp16.h'));

export const kernelFiles = ['elementwise', 'reduction', 'warp', 'dynamic_smem', 'atomics', 'failures', 'half', 'mma'] as const;
/** Every kernel file, including oob.cu (deliberate out-of-bounds accesses, sanitizer test only). */
export const allKernelFiles = [...kernelFiles, 'oob'] as const;
export type KernelFile = (typeof allKernelFiles)[number];

/** How a whole test program is compiled: the engine flags of the brief plus extras. */
export interface Flavor {
  name: string;
  /** Use -I<cuda>/include (CUDA's vector_types.h / cuda_fp16.h) or the emulator's own types. */
  cudaHeaders: boolean;
  extraFlags: string[];
}

export const plainFlavor: Flavor = { name: 'plain', cudaHeaders: haveCudaHeaders, extraFlags: [] };

function compileFlags(flavor: Flavor): string[] {
  return [
    '-std=c++17',
    '-O2',
    '-fPIC',
    '-pthread',
    '-Wall',
    '-Wextra',
    '-Werror',
    '-Wno-sign-compare',
    '-I',
    templatesDir,
    ...(flavor.cudaHeaders ? ['-I', cudaInclude] : []),
    ...flavor.extraFlags,
  ];
}

async function gxx(args: string[]): Promise<void> {
  try {
    await execa('g++', args, { timeout: 120_000 });
  } catch (err) {
    const e = err as { stderr?: string; shortMessage?: string };
    throw new Error(`g++ ${args.join(' ')}\n${e.stderr ?? e.shortMessage ?? String(err)}`);
  }
}

/** A temp dir with the emulator and driver built for one flavor; builds kernel programs on demand. */
export class TestBuild {
  private hiddenEmulator?: Promise<string>; // the emulator object shared by sharedLibrary() builds

  private constructor(
    readonly dir: string,
    readonly flavor: Flavor,
  ) {}

  static async create(flavor: Flavor): Promise<TestBuild> {
    const dir = await mkdtemp(path.join(tmpdir(), `yhc-host-emu-${flavor.name}-`));
    return new TestBuild(dir, flavor);
  }

  private objectPath(name: string): string {
    return path.join(this.dir, `${name}.o`);
  }

  private async compile(source: string, name: string, asCxx: boolean, extra: string[] = []): Promise<string> {
    const out = this.objectPath(name);
    await gxx([...compileFlags(this.flavor), ...extra, ...(asCxx ? ['-x', 'c++'] : []), '-c', source, '-o', out]);
    return out;
  }

  /** Builds one executable per kernel file (emulator and driver compiled once), in parallel. */
  async programs(files: readonly KernelFile[]): Promise<Record<string, string>> {
    const names = ['yhc_host_emu', 'driver', ...files];
    const sources = [emulatorSource, path.join(kernelsDir, 'driver.cpp'), ...files.map((f) => path.join(kernelsDir, `${f}.cu`))];
    await inParallel(names.map((name, i) => () => this.compile(sources[i], name, i >= 2)));
    const programs: Record<string, string> = {};
    await inParallel(
      files.map((file) => async () => {
        const exe = path.join(this.dir, file);
        await gxx(['-pthread', ...this.flavor.extraFlags, this.objectPath(file), this.objectPath('driver'), this.objectPath('yhc_host_emu'), '-o', exe]);
        programs[file] = exe;
      }),
    );
    return programs;
  }

  /** Builds a shared library from kernel files plus the emulator, like an engine build
   * (-fvisibility=hidden: only YHC_EXPORT functions and yhc_emu_last_failure are exported). */
  async sharedLibrary(name: string, files: readonly KernelFile[]): Promise<string> {
    this.hiddenEmulator ??= this.compile(emulatorSource, 'yhc_host_emu_hidden', false, ['-fvisibility=hidden']);
    const objects = await inParallel([
      () => this.hiddenEmulator as Promise<string>,
      ...files.map((f) => () => this.compile(path.join(kernelsDir, `${f}.cu`), `${name}_${f}`, true, ['-fvisibility=hidden'])),
    ]);
    const lib = path.join(this.dir, `lib${name}.so`);
    await gxx(['-shared', '-pthread', ...this.flavor.extraFlags, ...objects, '-o', lib]);
    return lib;
  }

  /** A kernel file built as the checked build does (kernels/<file>.cu instrumented with
   * `kernelFlags`; the emulator and yhc_check.cpp with the flavor's flags). */
  async checkedProgram(file: string, kernelFlags: readonly string[]): Promise<string> {
    const checker = path.join(templatesDir, 'host_emu', 'yhc_check.cpp');
    await inParallel([
      () => this.compile(emulatorSource, 'yhc_host_emu', false),
      () => this.compile(checker, 'yhc_check', false),
      () => this.compile(path.join(kernelsDir, 'driver.cpp'), 'driver', false),
      () => this.compile(path.join(kernelsDir, `${file}.cu`), file, true, [...kernelFlags]),
    ]);
    const exe = path.join(this.dir, file);
    await gxx(['-pthread', ...['yhc_host_emu', 'yhc_check', 'driver', file].map((n) => this.objectPath(n)), '-o', exe]);
    return exe;
  }

  async executable(name: string, source: string, extra: string[] = []): Promise<string> {
    const exe = path.join(this.dir, name);
    await gxx(['-std=c++17', '-O2', source, '-o', exe, ...extra]);
    return exe;
  }

  async dispose(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

export type Json = Record<string, unknown>;

/** Runs a program and parses each stdout line as a JSON object; fails on a non-zero exit. */
export async function runJsonLines(exe: string, args: string[] = [], env: Record<string, string> = {}, timeoutMs = 20_000): Promise<Json[]> {
  const result = await execa(exe, args, { env: { ...process.env, ...env }, timeout: timeoutMs, reject: false });
  if (result.timedOut) throw new Error(`${exe} timed out after ${timeoutMs} ms (hang?)\n${result.stderr}`);
  if (result.exitCode !== 0) throw new Error(`${exe} exited with ${result.exitCode ?? result.signal}\n${result.stderr}\n${result.stdout.slice(0, 2000)}`);
  return result.stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Json);
}

export async function runJson(exe: string, env: Record<string, string> = {}, timeoutMs = 20_000): Promise<Json> {
  const lines = await runJsonLines(exe, [], env, timeoutMs);
  if (lines.length !== 1) throw new Error(`${exe}: expected one JSON line, got ${lines.length}`);
  return lines[0];
}

export function numbers(json: Json, key: string): number[] {
  const v = json[key];
  if (!Array.isArray(v)) throw new Error(`missing array ${key}`);
  return v as number[];
}
