import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO } from '../helpers/paths.js';

/**
 * The dead-export check (`npm run lint:exports`: knip with the committed knip.jsonc) reports
 * nothing on the repository, and does report an export nobody imports — shown on a two-file
 * project checked with the same config.
 */
const KNIP = join(REPO, 'node_modules', '.bin', 'knip');
const scratch = mkdtempSync(join(tmpdir(), 'yhc-knip-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const knip = (cwd: string) => execa(KNIP, ['--no-progress', '--no-config-hints'], { cwd, reject: false, timeout: 300_000 });

describe('dead exports (knip)', () => {
  it('finds no unused file, export or dependency in the repository', async () => {
    const r = await knip(REPO);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
  }, 300_000);

  it('fails on an export nothing imports', async () => {
    cpSync(join(REPO, 'knip.jsonc'), join(scratch, 'knip.jsonc'));
    writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'knip-violation', type: 'module', private: true }));
    mkdirSync(join(scratch, 'src', 'cli'), { recursive: true });
    writeFileSync(join(scratch, 'src', 'cli', 'main.ts'), "import { used } from '../lib.js';\nconsole.log(used());\n");
    writeFileSync(join(scratch, 'src', 'lib.ts'), 'export const used = () => 1;\nexport const forgotten = () => 2;\n');
    const r = await knip(scratch);
    expect(r.exitCode).not.toBe(0);
    expect(r.stdout).toMatch(/Unused exports[\s\S]*forgotten\s+src\/lib\.ts/);
  }, 300_000);
});
