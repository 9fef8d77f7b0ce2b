import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO, tempDir } from '../helpers/paths.js';

/** The pieces of the one GPU call that need no GPU and no torch: tables, the carry size rule,
 * the preflight. System python3 (standard library) and bash, as in CI. */
const { dir, cleanup } = tempDir('yhc-gpureport-');
afterAll(cleanup);

function run(cmd: string, ...args: string[]) {
  const r = spawnSync(cmd, args, { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('tools/gpu/report.py', () => {
  it('table_columns_fit_their_widest_cell', () => {
    const code = `
import sys; sys.path.insert(0, 'tools/gpu')
from report import Column, format_table, fixed
cols = [Column('model', 'model'), Column('batch', 'batch', '>'), Column('inputs', 'inputs'), Column('us', 'yhc µs', '>', fixed(1))]
rows = [{'model': 'decoder 33600x80->300 (YoloDecode)', 'batch': 32, 'inputs': 'recorded (replayed)', 'us': 1234.56},
        {'model': 'v10head_n', 'batch': 1, 'inputs': 'recorded', 'us': 9.0, 'note': 'a note after the last column'}]
print('\\n'.join(format_table(cols, rows)))`;
    const r = run('python3', '-c', code);
    expect(r.status, r.out).toBe(0);
    const [header, rule, wide, narrow] = r.out.trimEnd().split('\n') as [string, string, string, string];
    expect(header).toMatch(/^model {30}batch inputs {14}yhc µs$/);
    expect(rule).toBe('-'.repeat(header.length));
    // Every value starts in its column; right-aligned numbers end under their header.
    expect(wide).toBe('decoder 33600x80->300 (YoloDecode)    32 recorded (replayed) 1234.6');
    expect(narrow.startsWith('v10head_n                              1 recorded               9.0  a note')).toBe(true);
    expect(narrow.indexOf('recorded')).toBe(header.indexOf('inputs'));
    expect(wide.indexOf('recorded')).toBe(header.indexOf('inputs'));
  });

  it('renders_a_cut_short_run_from_its_json_and_says_so', () => {
    const file = join(dir, 'cut.json');
    writeFileSync(
      file,
      JSON.stringify({
        meta: {},
        done: false,
        columns: [
          { key: 'build', header: 'build', align: '<' },
          { key: 'yhc_us', header: 'yhc µs', align: '>' },
        ],
        rows: [
          { build: 'v10head_n_fp16', yhc_us: 27.25 },
          { build: 'x', yhc_us: null, note: 'ERROR here' },
        ],
      }),
    );
    const r = run('python3', 'tools/gpu/report.py', file);
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain('cut.json: 2 rows, INCOMPLETE (the run was cut short)');
    expect(r.out).toContain('v10head_n_fp16   27.2');
    expect(r.out).toContain(`x${' '.repeat(19)}-  ERROR here`);
  });
});

describe('tools/gpu/carry_size.sh', () => {
  it('fails_with_the_size_when_the_carry_folder_and_the_working_tree_are_over_the_limit', () => {
    const carry = join(dir, 'carry');
    mkdirSync(join(carry, 'builds', 'a'), { recursive: true });
    writeFileSync(join(carry, 'builds', 'a', 'weights.bin'), Buffer.alloc(3000));
    // The working tree travels with the carry: what git tracks (test data included) counts, a link as a link.
    const tree = spawnSync('git', ['ls-files', '-co', '--exclude-standard'], { cwd: REPO, encoding: 'utf8' })
      .stdout.split('\n')
      .filter(Boolean)
      .reduce((n, f) => n + (existsSync(join(REPO, f)) ? lstatSync(join(REPO, f)).size : 0), 0);
    const limit = tree + 2048;
    const over = run('bash', 'tools/gpu/carry_size.sh', carry, String(limit));
    expect(over.status).toBe(1);
    expect(over.out).toMatch(/carry: .*carry is 0\.0 MiB \(3000 bytes\); with the working tree \(\d+\.\d MiB\) \d+\.\d MiB travel, over the \d+\.\d MiB limit/);
    const under = run('bash', 'tools/gpu/carry_size.sh', carry, String(tree + 4096));
    expect(under.status, under.out).toBe(0);
    expect(under.out).toMatch(/\(3000 bytes\); with the working tree \(.*\) \d+\.\d MiB travel, under the/);
  });
});

describe('tools/gpu/preflight.py', () => {
  it('reports_toolkit_driver_and_device_first_and_only_reports_in_a_dry_run', () => {
    const r = run('python3', 'tools/gpu/preflight.py', '--dry-run', '--json', join(dir, 'preflight.json'));
    expect(r.status, r.out).toBe(0);
    expect(r.out.split('\n')[0]).toMatch(/^preflight: toolkit \(nvcc, cudart linked statically into engines\): (\d+\.\d+|nvcc not found)$/);
    // This machine has no GPU: it says so (on a GPU machine: the driver version and the device).
    expect(r.out).toMatch(/preflight: (no CUDA driver|device 0: )/);
  });
});
