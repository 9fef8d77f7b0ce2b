import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { makeDirectory } from '../../src/util/output_dir.js';

/**
 * Content-addressed build cache: an object file (or library) is stored under the hash of
 * everything that determines it — compiler and version, flags, the source and every header
 * it can include. A repeated compile finds every artifact and runs no compiler.
 */
export class BuildCache {
  readonly dir: string;

  constructor(dir?: string) {
    this.dir = dir ?? process.env.YHC_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'yhc');
  }

  static key(...parts: (string | Uint8Array)[]): string {
    const h = createHash('sha256');
    for (const p of parts) {
      h.update(String(typeof p === 'string' ? p.length : p.byteLength));
      h.update(':');
      h.update(p);
    }
    return h.digest('hex');
  }

  private path(key: string, name: string): string {
    return join(this.dir, key.slice(0, 2), key, name);
  }

  has(key: string, name: string): boolean {
    return existsSync(this.path(key, name));
  }

  /** Copy a cached artifact to `dest`; false when absent. */
  fetch(key: string, name: string, dest: string): boolean {
    const p = this.path(key, name);
    if (!existsSync(p)) return false;
    copyFileSync(p, dest);
    return true;
  }

  readText(key: string, name: string): string | null {
    const p = this.path(key, name);
    return existsSync(p) ? readFileSync(p, 'utf8') : null;
  }

  /** Store a file or text atomically (write to a temporary name, then rename). */
  store(key: string, name: string, from: { file: string } | { text: string }): void {
    const p = this.path(key, name);
    // Not node's recursive mkdir: it never returns under a parent that refuses children (/proc/x).
    makeDirectory(join(this.dir, key.slice(0, 2), key), this.dir);
    const tmp = `${p}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    if ('file' in from) copyFileSync(from.file, tmp);
    else writeFileSync(tmp, from.text);
    renameSync(tmp, p);
  }
}
