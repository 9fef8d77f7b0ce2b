import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { YhcError, q } from '../errors.js';

/**
 * Output directories appear whole or not at all: work happens in a hidden sibling directory
 * that replaces the target only when everything succeeded, and is removed on failure or on
 * Ctrl-C.
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

/** Refuse to replace a directory that is not empty and not an earlier output of this kind. */
function checkReplaceable(target: string, marker: string): void {
  if (!existsSync(target)) return;
  if (!statSync(target).isDirectory()) throw new YhcError('USAGE', `${q(target)} exists and is not a directory`);
  const entries = readdirSync(target);
  if (entries.length > 0 && !entries.includes(marker)) {
    throw new YhcError('USAGE', `${q(target)} exists and is not a yhc build directory; refusing to overwrite it`);
  }
}

export async function withStagedDirectory<T>(target: string, marker: string, work: (stage: string) => Promise<T>): Promise<T> {
  const dest = resolve(target);
  checkReplaceable(dest, marker);
  mkdirSync(dirname(dest), { recursive: true });
  const stage = join(dirname(dest), `.${basename(dest)}.yhc-tmp-${randomBytes(6).toString('hex')}`);
  mkdirSync(stage);
  pending.add(stage);
  installSignalCleanup();
  try {
    const result = await work(stage);
    const old = existsSync(dest) ? `${stage}-old` : null;
    if (old) renameSync(dest, old);
    renameSync(stage, dest);
    if (old) rmSync(old, { recursive: true, force: true });
    return result;
  } finally {
    rmSync(stage, { recursive: true, force: true });
    pending.delete(stage);
  }
}
