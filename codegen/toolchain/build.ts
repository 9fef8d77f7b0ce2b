import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, join, relative } from 'node:path';
import { YhcError } from '../../src/errors.js';
import { inParallel } from '../../src/util/pool.js';
import { BuildCache } from './cache.js';
import { kernelIdOf, parsePtxas, type PtxasReport } from './ptxas.js';
import { cudaCompiler, cudaIncludeDir, hostCompiler, type Compiler } from './toolchain.js';

export type Target = 'cuda' | 'host';

export interface BuildProgress {
  readonly done: number;
  readonly total: number;
  readonly unit: string;
  readonly cached: boolean;
}

export interface BuildOptions {
  readonly target: Target;
  /** GPU architectures for --target cuda, e.g. ['sm_90']; several build a fatbin. */
  readonly arch: readonly string[];
  readonly cache: BuildCache;
  readonly jobs?: number;
  readonly onProgress?: (p: BuildProgress) => void;
  /** The checked host build (`--check`): kernels instrumented for templates/host_emu/yhc_check.cpp. */
  readonly check?: boolean;
  /** Host target: every unit built and linked with -fsanitize=address,undefined (tests run engines so). */
  readonly sanitize?: boolean;
  /** `--symbol-prefix`: link with the build directory's exports.map (only the prefixed C ABI exported). */
  readonly exportsMap?: boolean;
}

export interface BuildResult {
  /** Path of the shared library, relative to the build directory. */
  readonly library: string;
  readonly compiler: Compiler;
  readonly compileFlags: readonly string[];
  readonly linkFlags: readonly string[];
  /** ptxas resource usage per kernel id (CUDA target), one report per arch. */
  readonly ptxas: ReadonlyMap<string, readonly PtxasReport[]>;
  /** Compiler invocations needed without a cache (translation units + link). */
  readonly units: number;
  readonly cacheHits: number;
  readonly seconds: number;
}

const ARCH = /^sm_[0-9]{2,3}[a-z]?$/;

export function validateArch(arch: readonly string[]): void {
  if (arch.length === 0) throw new YhcError('USAGE', '--arch needs at least one architecture');
  for (const a of arch) {
    if (!ARCH.test(a)) throw new YhcError('USAGE', `--arch ${JSON.stringify(a)} is not a GPU architecture like sm_90`);
  }
}

function compileFlags(target: Target, arch: readonly string[], includeDirs: readonly string[]): string[] {
  const includes = includeDirs.flatMap((d) => ['-I', d]);
  if (target === 'host') {
    return ['-std=c++17', '-O2', '-fPIC', '-fvisibility=hidden', '-pthread', ...includes];
  }
  const gencode = arch.flatMap((a, i) => {
    const sm = a.slice(3);
    // The newest arch also embeds PTX, so the library still loads on later GPUs.
    const code = i === arch.length - 1 ? `[sm_${sm},compute_${sm}]` : `sm_${sm}`;
    return ['-gencode', `arch=compute_${sm},code=${code}`];
  });
  return ['-std=c++17', '-O3', '--expt-relaxed-constexpr', '-Xcompiler', '-fPIC,-fvisibility=hidden', '-Xptxas', '-v', ...gencode, ...includes];
}

/**
 * The checked host build: every unit defines YHC_CHECK; kernel units are compiled with g++'s
 * ThreadSanitizer instrumentation but linked without libtsan, so each load and store calls the
 * checker (templates/host_emu/yhc_check.cpp). -g: source lines of reports (inline frames);
 * -fno-tree-sra: a float4 load stays one 16-byte access (its alignment is checked).
 */
export const CHECK_FLAGS = ['-DYHC_CHECK=1'];
// -O1 after compileFlags' -O2: sanitized builds compile and run faster so.
const SANITIZE_FLAGS = ['-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-fno-omit-frame-pointer', '-g1', '-O1'];
export const CHECK_KERNEL_FLAGS = ['-fsanitize=thread', '--param', 'tsan-instrument-func-entry-exit=0', '-g', '-fno-tree-sra'];

/** Flags that make g++ read a file as C++ (kernels are .cu) or as assembly. */
function languageFlags(target: Target, file: string): string[] {
  if (target !== 'host') return [];
  return file.endsWith('.S') ? ['-x', 'assembler-with-cpp'] : ['-x', 'c++'];
}

/** Every file under `dir`, sorted, as one hash: a header change invalidates every object. */
function treeKey(dir: string): string {
  const parts: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else parts.push(relative(dir, p), readFileSync(p, 'latin1'));
    }
  };
  walk(dir);
  return BuildCache.key(...parts);
}

/** One compiler invocation: a source file, and the files whose content its object depends on. */
interface TranslationUnit {
  readonly source: string;
  readonly inputs: readonly string[];
  /** A unit of kernels (instrumented in a checked build). */
  readonly kernels?: boolean;
}

/**
 * Kernels are compiled a few dozen to a translation unit that #includes their .cu files: a
 * compiler's fixed cost (parsing the CUDA headers, host compilation) then is paid per chunk,
 * not per kernel — nvcc takes ~1.5 s for one small kernel and ~15 s for 150 together — while
 * chunks still build in parallel and are cached separately.
 */
function kernelChunks(kernelFiles: readonly string[], jobs: number): string[][] {
  const MAX_PER_CHUNK = 24;
  const count = Math.max(Math.min(jobs, kernelFiles.length), Math.ceil(kernelFiles.length / MAX_PER_CHUNK));
  const size = Math.ceil(kernelFiles.length / Math.max(1, count));
  const chunks: string[][] = [];
  for (let i = 0; i < kernelFiles.length; i += size) chunks.push(kernelFiles.slice(i, i + size));
  return chunks;
}

async function runCompiler(compiler: Compiler, args: string[], cwd: string, what: string, cache: BuildCache): Promise<string> {
  const { execa } = await import('execa'); // loaded on first use (see toolchain.ts)
  const r = await execa(compiler.path, args, { cwd, reject: false, all: true, stdin: 'ignore' });
  const log = `${r.all ?? ''}`;
  if (r.exitCode !== 0 || r.failed) {
    const key = BuildCache.key(compiler.path, ...args, log);
    cache.store(key, 'build.log', { text: `${compiler.path} ${args.join(' ')}\n\n${log}` });
    const first = log.split('\n').find((l) => /error/i.test(l)) ?? log.split('\n')[0] ?? '';
    throw new YhcError(
      'BUILD',
      `${basename(compiler.path)} failed on ${what}: ${first.trim().slice(0, 300)} (full log: ${join(cache.dir, key.slice(0, 2), key, 'build.log')})`,
    );
  }
  return log;
}

/**
 * Compile an emitted build directory (kernels/*.cu, engine.cu, include/) into lib/<libName>:
 * nvcc for --target cuda, g++ against the host-emulation header for --target host. Objects and
 * the library come from the content-hash cache when nothing they depend on changed.
 */
export async function buildEngine(buildDir: string, libName: string, options: BuildOptions): Promise<BuildResult> {
  const started = performance.now();
  const { target, cache } = options;
  if (target === 'cuda') validateArch(options.arch);
  const compiler = target === 'cuda' ? await cudaCompiler() : await hostCompiler();
  const cudaInclude = target === 'host' ? cudaIncludeDir() : null;
  if (options.check && target !== 'host') throw new YhcError('USAGE', '--check needs --target host (it checks the CPU emulation)');
  if (options.sanitize && target !== 'host') throw new YhcError('USAGE', 'sanitizers need --target host');
  const flags = [
    ...compileFlags(target, options.arch, ['.', 'include', ...(cudaInclude ? [cudaInclude] : [])]),
    ...(options.check ? CHECK_FLAGS : []),
    ...(options.sanitize ? SANITIZE_FLAGS : []),
  ];
  const jobs = Math.max(1, options.jobs ?? availableParallelism());

  const objDir = join(buildDir, 'obj');
  mkdirSync(objDir, { recursive: true });
  const kernelFiles = readdirSync(join(buildDir, 'kernels'))
    .filter((f) => f.endsWith('.cu'))
    .sort()
    .map((f) => `kernels/${f}`);
  const units: TranslationUnit[] = kernelChunks(kernelFiles, jobs).map((chunk, i) => {
    const source = `obj/kernels_${String(i).padStart(2, '0')}.cu`;
    writeFileSync(join(buildDir, source), chunk.map((f) => `#include "${f}"\n`).join(''));
    return { source, inputs: [source, ...chunk, 'kernels/kernels.h'], kernels: true };
  });
  units.push({ source: 'engine.cu', inputs: ['engine.cu', 'kernels/kernels.h'] });
  if (target === 'host') {
    for (const f of readdirSync(join(buildDir, 'include', 'host_emu'))
      .filter((f) => /\.(cpp|S)$/.test(f))
      .sort()) {
      units.push({ source: `include/host_emu/${f}`, inputs: [`include/host_emu/${f}`] });
    }
  }

  const includesKey = treeKey(join(buildDir, 'include'));
  const objects: string[] = [];
  const objectKeys: string[] = [];
  const ptxas = new Map<string, PtxasReport[]>();
  let done = 0;
  let hits = 0;
  const compileUnit = async (unit: TranslationUnit, i: number) => {
    const args = [...flags, ...(options.check && unit.kernels ? CHECK_KERNEL_FLAGS : []), ...languageFlags(target, unit.source)];
    const contents = unit.inputs.flatMap((f) => [f, readFileSync(join(buildDir, f))]);
    const key = BuildCache.key('yhc-object-2', compiler.version, args.join(' '), includesKey, ...contents);
    const obj = `obj/${String(i).padStart(3, '0')}_${basename(unit.source).replace(/\.[^.]+$/, '')}.o`;
    const cached = cache.fetch(key, 'object.o', join(buildDir, obj));
    let log: string;
    if (cached) {
      hits++;
      log = cache.readText(key, 'compiler.txt') ?? '';
    } else {
      log = await runCompiler(compiler, [...args, '-c', unit.source, '-o', obj], buildDir, unit.source, cache);
      cache.store(key, 'object.o', { file: join(buildDir, obj) });
      cache.store(key, 'compiler.txt', { text: log });
    }
    objects[i] = obj;
    objectKeys[i] = key;
    for (const report of target === 'cuda' ? parsePtxas(log) : []) {
      const id = kernelIdOf(report.function);
      if (id) ptxas.set(id, [...(ptxas.get(id) ?? []), report]);
    }
    options.onProgress?.({ done: ++done, total: units.length + 1, unit: unit.source, cached });
  };
  await inParallel(
    units.map((unit, i) => () => compileUnit(unit, i)),
    jobs,
  );

  mkdirSync(join(buildDir, 'lib'), { recursive: true });
  const library = `lib/${libName}`;
  const linkFlags =
    target === 'cuda'
      ? ['-shared', '-Xcompiler', '-fPIC', '-Xlinker', '-Bsymbolic']
      : ['-shared', '-fPIC', '-pthread', '-Wl,-Bsymbolic', '-Wl,--no-undefined', ...(options.sanitize ? SANITIZE_FLAGS.slice(0, 1) : [])];
  const exportsMap = options.exportsMap ? readFileSync(join(buildDir, 'exports.map'), 'utf8') : '';
  if (options.exportsMap) linkFlags.push(...(target === 'cuda' ? ['-Xlinker', '--version-script=exports.map'] : ['-Wl,--version-script=exports.map']));
  const linkKey = BuildCache.key('yhc-link-1', compiler.version, linkFlags.join(' '), exportsMap, ...objectKeys);
  const linkCached = cache.fetch(linkKey, 'library.so', join(buildDir, library));
  if (linkCached) {
    hits++;
  } else {
    await runCompiler(compiler, [...linkFlags, '-o', library, ...objects], buildDir, 'the engine library (link)', cache);
    cache.store(linkKey, 'library.so', { file: join(buildDir, library) });
  }
  options.onProgress?.({ done: units.length + 1, total: units.length + 1, unit: library, cached: linkCached });
  rmSync(objDir, { recursive: true, force: true });
  return {
    library,
    compiler,
    compileFlags: flags,
    linkFlags,
    ptxas,
    units: units.length + 1,
    cacheHits: hits,
    seconds: (performance.now() - started) / 1000,
  };
}
