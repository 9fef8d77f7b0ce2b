import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/paths.js';

/**
 * The GPU-machine scripts need torch and a GPU, which neither this machine nor CI has: here they
 * are only parsed (Python byte-compiled, shell scripts read by `bash -n`), so a syntax error is
 * caught before a scarce GPU session finds it.
 */
function run(cmd: string, ...args: string[]) {
  const r = spawnSync(cmd, args, { cwd: REPO, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('GPU scripts', () => {
  it.each(['bench/gpu_bench.py', 'bench/torch_onnx.py', 'tools/gpu/gpu_check.py'])('%s byte-compiles', (file) => {
    const r = run('python3', '-c', `import ast, sys; ast.parse(open(sys.argv[1]).read(), sys.argv[1])`, file);
    expect(r.status, r.out).toBe(0);
  });

  it.each(['bench/prepare_gpu.sh', 'tools/gpu/prepare.sh', 'tools/gpu/device_run.sh'])('%s parses', (file) => {
    const r = run('bash', '-n', file);
    expect(r.status, r.out).toBe(0);
  });
});
