import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDirectory } from '../../src/util/output_dir.js';
import { writeNpy } from '../../src/runtime/npy.js';
import { YhcError } from '../../src/errors.js';
import { convBlockSpec, randomTensor, writeModel } from '../helpers/models.js';
import { REPO, TEST_CACHE, tempDir } from '../helpers/paths.js';
import { yhcHere } from './run_in_process.js';

/**
 * Every output path the CLI writes (compile/check -o, run --save) fails as one error[IO] line
 * naming the path the user gave — never the hidden staging directory, never a hang.
 */
const { dir, cleanup } = tempDir('yhc-cli-paths-');
afterAll(cleanup);
const model = writeModel(dir, 'block.onnx', convBlockSpec());
const build = join(dir, 'build');
const input = join(dir, 'x.npy');
const onLinux = existsSync('/proc/self');

/** In a child process with a deadline: node's own recursive mkdir never returns for /proc/x. */
function yhcWithDeadline(...args: string[]) {
  const r = spawnSync(process.execPath, [join(REPO, 'bin', 'yhc.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, YHC_CACHE_DIR: TEST_CACHE },
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, timedOut: r.error !== undefined };
}

beforeAll(async () => {
  writeFileSync(input, writeNpy('float32', [1, 4, 6, 6], randomTensor([1, 4, 6, 6], 3).data as Float32Array));
  const r = await yhcHere('compile', model, '-o', build, '--target', 'host', '--quiet');
  expect(r.status, r.stderr).toBe(0);
});

describe('output paths', () => {
  it('make_directory_creates_missing_levels_and_refuses_a_file_in_the_way', () => {
    makeDirectory(join(dir, 'a', 'b', 'c'));
    expect(existsSync(join(dir, 'a', 'b', 'c'))).toBe(true);
    makeDirectory(join(dir, 'a', 'b'));
    writeFileSync(join(dir, 'file'), '');
    expect(() => makeDirectory(join(dir, 'file', 'sub'), 'shown/sub')).toThrowError(/cannot create directory "shown\/sub": ".*file" is not a directory/);
    expect(() => makeDirectory(join(dir, 'file'))).toThrowError(YhcError);
  });

  it.runIf(onLinux)('run_save_to_an_uncreatable_directory_fails_at_once', () => {
    const r = yhcWithDeadline('run', build, '--input', `x=${input}`, '--save', '/proc/yhc_x');
    expect(r.timedOut).toBe(false);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('yhc: error[IO]: cannot create directory "/proc/yhc_x": ENOENT\n');
  });

  it.runIf(onLinux)('compile_and_check_out_to_an_uncreatable_directory_name_it_not_the_staging_one', async () => {
    for (const command of ['compile', 'check']) {
      const r = await yhcHere(command, model, '-o', '/proc/yhc_x', '--target', 'host', '--quiet');
      expect(r.status, command).toBe(2);
      expect(r.stderr, command).toBe('yhc: error[IO]: cannot create build directory "/proc/yhc_x": ENOENT\n');
    }
    const nested = await yhcHere('compile', model, '-o', '/proc/yhc_x/y', '--no-build', '--quiet');
    expect(nested.stderr).toBe('yhc: error[IO]: cannot create directory "/proc/yhc_x": ENOENT\n');
  });

  it('a_file_where_a_directory_should_go_is_an_io_error_naming_it', async () => {
    const file = join(dir, 'README.md');
    writeFileSync(file, 'not a directory');
    const save = await yhcHere('run', build, '--input', `x=${input}`, '--save', file);
    expect(save.stderr).toBe(`yhc: error[IO]: cannot create directory ${JSON.stringify(file)}: it exists and is not a directory\n`);
    const out = await yhcHere('compile', model, '-o', file, '--no-build');
    expect(out.stderr).toBe(`yhc: error[IO]: cannot write build directory ${JSON.stringify(file)}: it exists and is not a directory\n`);
    const under = await yhcHere('compile', model, '-o', join(file, 'sub'), '--no-build');
    expect(under.stderr).toMatch(/^yhc: error\[IO\]: cannot create directory ".*README\.md": it exists and is not a directory\n$/);
    const foreign = join(dir, 'foreign');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'notes.txt'), '');
    expect((await yhcHere('compile', model, '-o', foreign, '--no-build')).stderr).toMatch(
      /^yhc: error\[USAGE\]: ".*foreign" exists and is not a yhc build directory; refusing to overwrite it\n$/,
    );
    expect(readdirSync(dir).filter((f) => f.includes('yhc-tmp'))).toEqual([]);
  });

  it('run_save_names_each_file_after_its_output', async () => {
    const save = join(dir, 'saved');
    const r = await yhcHere('run', build, '--input', `x=${input}`, '--save', save);
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(save)).toEqual(['y.npy']);
  });
});
