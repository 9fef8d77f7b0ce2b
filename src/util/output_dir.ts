import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { YhcError, isYhcError, q } from '../errors.js';

/**
 * Output directories appear whole or not at all: work happens in a hidden sibling directory
 * that replaces the target only when everything succeeded, and is removed on failure or on
 * Ctrl-C. Every failure to create or replace one is an error[IO] naming the path the user gave,
 * never the hidden one.
 */
const pending = new Set<string>();
let handlersInstalled = false;

function installSignalCleanup(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const dir of pending) rmSync(dir, { recursive: true, force: true });
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
}

/** What the errno codes a user can cause mean, in words. */
const ERRNO_WORDS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EFBIG: 'file too large: the disk or a file-size limit (ulimit -f) is full',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'input/output error',
};

const errnoCode = (e: unknown): string => {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code) return ERRNO_WORDS[code] ? `${code} (${ERRNO_WORDS[code]})` : code;
  return (e as Error)?.message ?? String(e);
};

/** An error[IO] for `path` as the user wrote it. */
export function ioError(what: string, path: string, e: unknown): YhcError {
  return new YhcError('IO', `cannot ${what} ${q(path)}: ${errnoCode(e)}`, { cause: e });
}

/**
 * mkdir -p that always ends: node's recursive mkdirSync loops forever where a parent exists
 * but refuses children with ENOENT (/proc/x on Linux). Walks up to the nearest existing
 * ancestor, then creates each missing level once; errors name `shownAs`.
 */
export function makeDirectory(path: string, shownAs: string = path): void {
  const missing: string[] = [];
  let p = resolve(path);
  while (!existsSync(p)) {
    missing.push(p);
    const parent = dirname(p);
    if (parent === p) break;
    p = parent;
  }
  if (existsSync(p) && !statSync(p).isDirectory()) {
    throw new YhcError(
      'IO',
      `cannot create directory ${q(shownAs)}: ${p === resolve(path) ? 'it exists and is not a directory' : `${q(p)} is not a directory`}`,
    );
  }
  for (const dir of missing.reverse()) {
    try {
      mkdirSync(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST' && statSync(dir).isDirectory()) continue;
      throw ioError('create directory', shownAs, e);
    }
  }
}

/** Refuse to replace a directory that is not empty and not an earlier output of this kind. */
function checkReplaceable(target: string, shownAs: string, marker: string): void {
  if (!existsSync(target)) return;
  if (!statSync(target).isDirectory()) throw new YhcError('IO', `cannot write build directory ${q(shownAs)}: it exists and is not a directory`);
  const entries = readdirSync(target);
  if (entries.length > 0 && !entries.includes(marker)) {
    throw new YhcError('USAGE', `${q(shownAs)} exists and is not a yhc build directory; refusing to overwrite it`);
  }
}

/** Errors of a full or failing disk: a write by file descriptor reports them without a path. */
const STORAGE_ERRORS = new Set(['ENOSPC', 'EFBIG', 'EDQUOT', 'EROFS', 'EIO']);

/** A failed system call inside `stage` (disk full, file too large, permissions...) is reported against `target`. */
function inStage(e: unknown, stage: string): boolean {
  if (isYhcError(e)) return false;
  const { path, code } = (e as NodeJS.ErrnoException) ?? {};
  if (typeof path === 'string') return resolve(path).startsWith(stage);
  return typeof code === 'string' && STORAGE_ERRORS.has(code);
}

export async function withStagedDirectory<T>(target: string, marker: string, work: (stage: string) => Promise<T>): Promise<T> {
  const dest = resolve(target);
  checkReplaceable(dest, target, marker);
  makeDirectory(dirname(dest), dirname(target));
  const stage = join(dirname(dest), `.${basename(dest)}.yhc-tmp-${randomBytes(6).toString('hex')}`);
  try {
    mkdirSync(stage);
  } catch (e) {
    throw ioError('create build directory', target, e);
  }
  pending.add(stage);
  installSignalCleanup();
  try {
    const result = await work(stage).catch((e: unknown) => {
      throw inStage(e, stage) ? ioError('write build directory', target, e) : e;
    });
    const old = existsSync(dest) ? `${stage}-old` : null;
    try {
      if (old) renameSync(dest, old);
    } catch (e) {
      throw ioError('replace build directory', target, e);
    }
    try {
      renameSync(stage, dest);
    } catch (e) {
      if (old) renameSync(old, dest);
      throw ioError('replace build directory', target, e);
    }
    if (old) rmSync(old, { recursive: true, force: true });
    return result;
  } finally {
    rmSync(stage, { recursive: true, force: true });
    pending.delete(stage);
  }
}
