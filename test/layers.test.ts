import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, tempDir } from './helpers/paths.js';

/**
 * The layer order of README's Layout section, as .dependency-cruiser.cjs states it: no import
 * cycle, no import from a higher layer, every module in a layer, no native code below the runtime.
 */

interface Violation {
  readonly from: string;
  readonly to: string;
  readonly rule: { readonly name: string };
  readonly cycle?: readonly { readonly name: string }[];
}

const CONFIG = join(REPO, '.dependency-cruiser.cjs');
const DEPCRUISE = join(REPO, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

/** Run dependency-cruiser with the committed config over `dirs` of `root`; its violations. */
function cruise(root: string, dirs: readonly string[]): Violation[] {
  const r = spawnSync(process.execPath, [DEPCRUISE, '--config', CONFIG, '--output-type', 'json', ...dirs], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (!r.stdout.trim().startsWith('{')) throw new Error(`dependency-cruiser failed (status ${r.status}): ${r.stderr}`);
  return (JSON.parse(r.stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

const describeViolation = (v: Violation) => `${v.rule.name}: ${v.from} → ${v.to}${v.cycle ? ` (cycle ${v.cycle.map((c) => c.name).join(' → ')})` : ''}`;

describe('layers', () => {
  it('the_source_tree_has_no_cycle_and_no_import_against_the_layer_order', () => {
    const violations = cruise(REPO, ['src', 'passes', 'codegen']);
    expect(violations.map(describeViolation)).toEqual([]);
  });

  describe('a tree that breaks each rule', () => {
    /** Module text by path: one violation of each rule, beside modules that break nothing. */
    const TREE: Record<string, string> = {
      'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }),
      // A cycle inside one layer (type-only imports count too).
      'src/ir/cycle_a.ts': "import type { B } from './cycle_b.js';\nexport interface A { b?: B }\n",
      'src/ir/cycle_b.ts': "import type { A } from './cycle_a.js';\nexport interface B { a?: A }\n",
      // A pass importing the driver (what passes/verify.ts → src/check/check.ts did).
      'src/compile.ts': "import { code } from './errors.js';\nexport const compile = code;\n",
      'passes/verify.ts': "import { compile } from '../src/compile.js';\nexport const verify = compile;\n",
      // Core reaching koffi through an import the layers allow.
      'src/golden/rules.ts': "import { load } from '../util/ffi.js';\nexport const rules = load;\n",
      'src/util/ffi.ts': "import koffi from 'koffi';\nexport const load = koffi.load;\n",
      // A module in no layer, and the cli importing it.
      'src/errors.ts': 'export const code = 1;\n',
      'src/stray.ts': "import { code } from './errors.js';\nexport const stray = code;\n",
      'src/cli/main.ts': "import { stray } from '../stray.js';\nexport const main = stray;\n",
    };
    const { dir, cleanup } = tempDir('yhc-layers-');
    let violations: Violation[] = [];
    beforeAll(() => {
      for (const [path, text] of Object.entries(TREE)) {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), text);
      }
      symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'), 'dir');
      violations = cruise(dir, ['src', 'passes']);
    });
    afterAll(cleanup);
    const found = (rule: string, from: string) => violations.some((v) => v.rule.name === rule && v.from === from);

    it('reports_an_import_cycle', () => {
      expect(found('no-circular', 'src/ir/cycle_a.ts')).toBe(true);
    });

    it('reports_a_pass_importing_the_driver', () => {
      expect(found('passes-imports-no-higher-layer', 'passes/verify.ts')).toBe(true);
    });

    it('reports_core_reaching_native_code', () => {
      expect(found('native-code-only-from-runtime-and-driver', 'src/golden/rules.ts')).toBe(true);
      expect(found('native-code-only-from-runtime-and-driver', 'src/util/ffi.ts')).toBe(true);
    });

    it('reports_a_module_outside_every_layer', () => {
      expect(found('every-module-has-a-layer', 'src/stray.ts')).toBe(true);
      expect(found('no-import-of-an-unlayered-module', 'src/cli/main.ts')).toBe(true);
    });

    it('reports_nothing_else', () => {
      const expected = new Set([
        'no-circular',
        'passes-imports-no-higher-layer',
        'native-code-only-from-runtime-and-driver',
        'no-import-of-an-unlayered-module',
        'every-module-has-a-layer',
      ]);
      expect(violations.filter((v) => !expected.has(v.rule.name)).map(describeViolation)).toEqual([]);
    });
  });
});
