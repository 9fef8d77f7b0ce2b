import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { BuildCache } from '../codegen/toolchain/cache.js';
import type { CompileOptions } from './compile.js';
import type { Manifest } from './manifest.js';
import { withStagedDirectory } from './util/output_dir.js';
import { packageRoot } from './util/package_root.js';

/**
 * Whole compiles, cached: a repeated `yhc compile` of the same model bytes with the same options
 * and the same yhc (its compiled code and templates) copies the finished build directory from
 * the build cache (`<cache>/compiles/<key>`) instead of importing, optimizing, emitting and
 * looking up every object again. Only builds (not --no-build) of self-contained models (no
 * external data), without --verify, --print-after or --emit-onnx (those ask for the work).
 */
export function compileCacheKey(modelPath: string, options: CompileOptions): string | null {
  if (options.build === false || options.graph || options.verify || options.printAfter || options.emitOnnx) return null;
  let bytes: Buffer;
  try {
    bytes = readFileSync(modelPath);
  } catch {
    return null; // the compile itself reports it
  }
  // External data lives in other files, which the key would not cover.
  if (bytes.includes('location')) return null;
  // Every option that can change the build is in the key (a new option joins by default); only
  // where the build goes, the cache, the parallelism and the callbacks stay out.
  const { outDir: _outDir, cacheDir: _cacheDir, jobs: _jobs, onProgress: _onProgress, onPrint: _onPrint, ...semantic } = options;
  const settings = {
    ...semantic,
    name: basename(modelPath, extname(modelPath)),
    target: options.target ?? 'cuda',
    precision: options.precision ?? 'fp32',
  };
  return createHash('sha256').update(codeStamp()).update(JSON.stringify(settings)).update(bytes).digest('hex');
}

let stamp: string | null = null;

/** A hash of yhc's compiled code and templates: any change to the compiler misses every entry. */
function codeStamp(): string {
  if (stamp) return stamp;
  const h = createHash('sha256');
  const root = packageRoot();
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(js|cuh|h|cpp)$/.test(e.name)) h.update(p.slice(root.length)).update(readFileSync(p));
    }
  };
  for (const d of ['dist/src', 'dist/codegen', 'dist/passes', 'templates']) walk(join(root, d));
  return (stamp = h.digest('hex'));
}

const entryDir = (cacheDir: string | undefined, key: string) => join(new BuildCache(cacheDir).dir, 'compiles', key);

/** The build directory of an earlier identical compile, copied to `outDir`; null on a miss. */
export async function fetchCompile(key: string, modelPath: string, options: CompileOptions): Promise<Manifest | null> {
  const entry = entryDir(options.cacheDir, key);
  if (!existsSync(join(entry, 'manifest.json'))) return null;
  return withStagedDirectory(options.outDir, 'manifest.json', async (stage) => {
    cpSync(entry, stage, { recursive: true });
    const m = JSON.parse(readFileSync(join(stage, 'manifest.json'), 'utf8')) as Manifest;
    const manifest: Manifest = { ...m, model: { ...m.model, file: resolve(modelPath) } };
    writeFileSync(join(stage, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    return manifest;
  });
}

/** Keep a finished build directory for the next identical compile (best effort: a full disk only loses the entry). */
export function storeCompile(key: string, outDir: string, cacheDir: string | undefined): void {
  const entry = entryDir(cacheDir, key);
  const partial = `${entry}.partial-${process.pid}`;
  try {
    cpSync(outDir, partial, { recursive: true });
    rmSync(entry, { recursive: true, force: true });
    renameSync(partial, entry);
  } catch {
    rmSync(partial, { recursive: true, force: true });
  }
}
