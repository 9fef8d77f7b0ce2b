import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { YhcError, q } from '../errors.js';
import type { Manifest } from '../manifest.js';

/** manifest.json of a build directory; error[IO] naming `dir` when it is not one. */
export function readManifest(dir: string): Manifest {
  if (!existsSync(dir)) throw new YhcError('IO', `cannot read build directory ${q(dir)}: no such file or directory`);
  if (!statSync(dir).isDirectory()) throw new YhcError('IO', `${q(dir)} is not a yhc build directory (not a directory)`);
  const p = join(dir, 'manifest.json');
  if (!existsSync(p)) throw new YhcError('IO', `${q(dir)} is not a yhc build directory (no manifest.json)`);
  try {
    return JSON.parse(readFileSync(p, 'utf8')) as Manifest;
  } catch (e) {
    throw new YhcError('IO', `${q(p)} is not valid JSON: ${(e as Error).message}`);
  }
}
