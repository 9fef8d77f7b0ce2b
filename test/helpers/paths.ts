import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIXTURES = join(REPO, 'test', 'data', 'fixtures');
export const fixture = (name: string) => join(FIXTURES, `${name}.onnx`);

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix = 'yhc-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** One build cache for the whole test run, so repeated compiles of a fixture are free. */
export const TEST_CACHE = join(tmpdir(), 'yhc-test-cache');
