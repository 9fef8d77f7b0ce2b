import { afterAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { convBlockSpec, writeModel } from '../helpers/models.js';
import { REPO, fixture, tempDir } from '../helpers/paths.js';

/**
 * Compiles in a hostile environment (issue 12): a read-only file system, a full disk, Ctrl-C
 * during nvcc and two compiles sharing one cache. Each ends in a one-line error or a complete
 * build, and never leaves a partial output directory behind.
 */
const { dir, cleanup } = tempDir('yhc-hostile-env-');
afterAll(cleanup);

const BIN = join(REPO, 'bin', 'yhc.js');
const leftovers = (parent: string) => readdirSync(parent).filter((n) => n.includes('.yhc-tmp-'));
const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

function yhcWith(env: Record<string, string>, shellPrefix: string, ...args: string[]) {
  const quoted = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = spawnSync('bash', ['-c', `${shellPrefix} exec ${quoted}`], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 600_000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('compiles in a hostile environment', () => {
  it('name_a_read_only_file_system_in_one_line', () => {
    // /sys is mounted read-only in containers, for root too (chmod would not stop root).
    const r = yhcWith({}, '', 'compile', fixture('tiny_head'), '--no-build', '-o', '/sys/yhc-out');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^yhc: error\[IO\]: cannot create build directory "\/sys\/yhc-out": (EPERM|EROFS|EACCES) \([a-z -]+\)\n$/);
    expect(existsSync('/sys/yhc-out')).toBe(false);
  });

  it('name_a_full_disk_and_leave_no_partial_directory', () => {
    const parent = join(dir, 'full');
    // ulimit -f 64: no file over 64 KiB, like a disk that fills up while weights.bin is written.
    const r = yhcWith({}, 'ulimit -f 64;', 'compile', fixture('tiny_head'), '--no-build', '--quiet', '-o', join(parent, 'out'));
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      `yhc: error[IO]: cannot write build directory "${join(parent, 'out')}": EFBIG (file too large: the disk or a file-size limit (ulimit -f) is full)\n`,
    );
    expect(existsSync(join(parent, 'out'))).toBe(false);
    expect(leftovers(parent)).toEqual([]);
  });

  it('leave_no_partial_directory_when_interrupted_during_nvcc', async () => {
    const parent = join(dir, 'interrupted');
    const out = join(parent, 'out');
    // A fresh cache, so nvcc really runs.
    const child = spawn(process.execPath, [BIN, 'compile', fixture('tiny_head'), '--target', 'cuda', '--quiet', '-o', out], {
      env: { ...process.env, YHC_CACHE_DIR: join(dir, 'cold-cache') },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 120_000;
    let compilerSeen = false;
    while (Date.now() < deadline && child.exitCode === null) {
      const kids = spawnSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' }).stdout.trim();
      if (kids) {
        compilerSeen = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(compilerSeen, 'nvcc never started').toBe(true);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    await new Promise((r) => setTimeout(r, 1000)); // a compiler still running must not recreate anything
    expect(existsSync(out)).toBe(false);
    expect(leftovers(parent)).toEqual([]);
  }, 180_000);

  it('give_identical_complete_builds_from_two_compiles_sharing_one_cache', async () => {
    const cache = join(dir, 'shared-cache');
    const model = writeModel(dir, 'conv_block.onnx', convBlockSpec());
    const run = (name: string) =>
      new Promise<number | null>((resolve) => {
        const c = spawn(process.execPath, [BIN, 'compile', model, '--target', 'host', '--quiet', '-o', join(dir, name)], {
          env: { ...process.env, YHC_CACHE_DIR: cache },
          stdio: 'ignore',
        });
        c.on('exit', (code) => resolve(code));
      });
    expect(await Promise.all([run('a'), run('b')])).toEqual([0, 0]);
    const files = readdirSync(join(dir, 'a')).sort();
    expect(readdirSync(join(dir, 'b')).sort()).toEqual(files);
    for (const f of files.filter((n) => /\.(so|bin|cu|cuh|h|cpp)$/.test(n))) expect(sha(join(dir, 'b', f)), f).toBe(sha(join(dir, 'a', f)));
    // Every cache entry was renamed into place whole: no temporary files remain.
    const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [e.name]));
    expect(walk(cache).filter((n) => n.includes('.tmp-'))).toEqual([]);
  }, 600_000);
});
