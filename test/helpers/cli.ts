import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO, TEST_CACHE } from './paths.js';

/** The real CLI, as users run it: node bin/yhc.js (dist/ is built by `npm test`'s pretest). */
export function yhc(...args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(REPO, 'bin', 'yhc.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, YHC_CACHE_DIR: TEST_CACHE },
    timeout: 600_000,
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
