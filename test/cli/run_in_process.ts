import { main } from '../../src/cli/main.js';
import { TEST_CACHE } from '../helpers/paths.js';

/** The CLI in this process (no node start-up, no dist/): status, stdout and stderr. */
export async function yhcHere(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  process.env.YHC_CACHE_DIR ??= TEST_CACHE;
  let stdout = '';
  let stderr = '';
  const status = await main(args, { out: (t) => void (stdout += t), err: (t) => void (stderr += t), interactive: false });
  return { status, stdout, stderr };
}

/** The same, as if stderr were a terminal 60 columns wide (progress lines are drawn). */
export async function yhcOnTerminal(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  process.env.YHC_CACHE_DIR ??= TEST_CACHE;
  let stdout = '';
  let stderr = '';
  const status = await main(args, { out: (t) => void (stdout += t), err: (t) => void (stderr += t), interactive: true, columns: 60 });
  return { status, stdout, stderr };
}
