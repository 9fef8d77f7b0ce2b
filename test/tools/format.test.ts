import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO } from '../helpers/paths.js';

/**
 * The formatters' check (`npm run format:check`): prettier with .prettierrc.json over the
 * TypeScript and JavaScript sources, clang-format with .clang-format over templates/. Both
 * pinned devDependencies; `npm run format` rewrites the tree. The last two tests show each
 * check fails on a misformatted file.
 */
const BIN = join(REPO, 'node_modules', '.bin');
const SOURCES = '**/*.{ts,mts,mjs,js}';
const TEMPLATES = 'templates/**/*.{h,cuh,cpp}';
const scratch = mkdtempSync(join(tmpdir(), 'yhc-format-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const run = (bin: string, args: string[], cwd = REPO) => execa(join(BIN, bin), args, { cwd, reject: false, timeout: 300_000 });

describe('formatting', () => {
  it('TypeScript and JavaScript sources are as prettier writes them', async () => {
    const r = await run('prettier', ['--check', '--log-level', 'warn', SOURCES]);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
  }, 300_000);

  it('templates are as clang-format writes them', async () => {
    const r = await run('clang-format', ['--dry-run', '-Werror', `--glob=${TEMPLATES}`]);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
  }, 300_000);

  it('the prettier check fails on a misformatted file', async () => {
    const good = join(scratch, 'good.ts');
    const bad = join(scratch, 'bad.ts');
    writeFileSync(good, "export const x = { a: 'one', b: 2 };\n");
    writeFileSync(bad, 'export const x = {a: "one",b:2}\n');
    const config = ['--config', join(REPO, '.prettierrc.json'), '--check'];
    expect((await run('prettier', [...config, good], scratch)).exitCode).toBe(0);
    expect((await run('prettier', [...config, bad], scratch)).exitCode).not.toBe(0);
  }, 60_000);

  it('the clang-format check fails on a misformatted file', async () => {
    const good = join(scratch, 'good.cuh');
    const bad = join(scratch, 'bad.cuh');
    writeFileSync(good, 'namespace yhc {\n\ninline int twice(int x) { return 2 * x; }\n\n}  // namespace yhc\n');
    writeFileSync(bad, 'namespace yhc {\n\ninline int twice(int x)\n{\n    return 2*x;\n}\n\n}\n');
    const style = [`--style=file:${join(REPO, '.clang-format')}`, '--dry-run', '-Werror'];
    expect((await run('clang-format', [...style, good], scratch)).exitCode).toBe(0);
    expect((await run('clang-format', [...style, bad], scratch)).exitCode).not.toBe(0);
  }, 60_000);
});
