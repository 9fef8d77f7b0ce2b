import { accessSync, constants, existsSync, realpathSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { YhcError } from '../../src/errors.js';

/** A compiler found on this machine, with the version line that goes into cache keys. */
export interface Compiler {
  readonly path: string;
  readonly version: string;
}

export function findOnPath(name: string, pathEnv = process.env.PATH ?? ''): string | null {
  for (const dir of pathEnv.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

const versions = new Map<string, Promise<string>>();

async function versionOf(path: string): Promise<string> {
  let v = versions.get(path);
  if (!v) {
    // execa is imported when a compiler first runs: loading it costs a quarter second of every `yhc` start.
    v = import('execa')
      .then(({ execa }) => execa(path, ['--version'], { reject: false }))
      .then((r) => {
        const lines = `${r.stdout}`
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean);
        // nvcc's last line carries the build ("Build cuda_13.0.r13.0/compiler..."); g++'s first line the release.
        return (path.endsWith('nvcc') ? lines.slice(-2).join(' ') : lines[0]) ?? 'unknown';
      });
    versions.set(path, v);
  }
  return v;
}

export async function hostCompiler(): Promise<Compiler> {
  const path = process.env.YHC_CXX || findOnPath('g++');
  if (!path) throw new YhcError('TOOLCHAIN', 'g++ was not found on PATH; --target host needs a C++17 compiler (set YHC_CXX to use another)');
  return { path, version: await versionOf(path) };
}

export async function cudaCompiler(): Promise<Compiler> {
  const path = findOnPath('nvcc');
  if (!path) {
    throw new YhcError(
      'TOOLCHAIN',
      'nvcc was not found on PATH; install the CUDA toolkit (12 or newer) for --target cuda, or build with --target host (CPU emulation, no GPU needed)',
    );
  }
  return { path, version: await versionOf(path) };
}

/**
 * CUDA's include directory, when the toolkit is installed — named by CUDA_HOME or CUDA_PATH,
 * or found from nvcc on PATH (next to the real nvcc, or in /usr/local/cuda where nvcc is a
 * wrapper script). Host emulation then uses its vector_types.h and cuda_fp16.h; without it the
 * emulation header defines its own.
 */
export function cudaIncludeDir(): string | null {
  const candidates: string[] = [];
  for (const env of ['CUDA_HOME', 'CUDA_PATH']) {
    const v = process.env[env];
    if (v) candidates.push(join(v, 'include'));
  }
  const nvcc = findOnPath('nvcc');
  if (nvcc) candidates.push(join(dirname(dirname(realpathSync(nvcc))), 'include'), '/usr/local/cuda/include');
  return candidates.find((dir) => existsSync(join(dir, 'cuda_runtime.h'))) ?? null;
}
