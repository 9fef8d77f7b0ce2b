import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findOnPath } from '../../codegen/toolchain/toolchain.js';
import { compileModel } from '../../src/compile.js';
import { Engine } from '../../src/runtime/engine.js';
import { expectMatchesOnnxRuntime, randomInputs } from '../helpers/golden.js';
import { convBlockSpec, writeModel } from '../helpers/models.js';
import { TEST_CACHE, tempDir } from '../helpers/paths.js';

/**
 * Model names are untrusted text: they may only reach emitted code escaped inside comments.
 * A model whose every name tries to break out of a comment, a string or a line must still
 * compile, run and compute what onnxruntime computes.
 */
const HOSTILE = {
  input: 'x*/ int injected_input; /*',
  weight: 'w"; system("touch /tmp/pwned"); "',
  conv: 'conv\n#include "/etc/passwd"\n',
  convOut: "t0' /* \\",
  sig: '#include <stdlib.h>',
  sigOut: 'line\r\nbreak\\',
  mul: '*/ #define float int /*',
  output: 'y??/\n}; int main() { return 1; } //',
};

const { dir, cleanup } = tempDir('yhc-hostile-');
afterAll(cleanup);
const modelPath = writeModel(dir, 'hostile.onnx', convBlockSpec(HOSTILE));

function emittedFiles(root: string): string[] {
  const files = ['engine.cu', 'engine.ts', 'kernels/kernels.h'];
  for (const f of readdirSync(join(root, 'kernels'))) if (f.endsWith('.cu')) files.push(`kernels/${f}`);
  return files;
}

describe('hostile names', () => {
  const out = join(dir, 'build');

  it('never_reach_emitted_code_unescaped', async () => {
    await compileModel(modelPath, { outDir: out, target: 'host', cacheDir: TEST_CACHE });
    for (const f of emittedFiles(out)) {
      const text = readFileSync(join(out, f), 'utf8');
      for (const name of Object.values(HOSTILE)) expect(text, `${f} contains ${JSON.stringify(name)}`).not.toContain(name);
      expect(text, `${f}: carriage return`).not.toContain('\r');
      // Outside comments, nothing of the names survives.
      const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
      for (const fragment of ['injected', 'system', 'pwned', 'passwd', 'stdlib', 'main', 'define']) {
        expect(code, `${f}: ${fragment} outside a comment`).not.toContain(fragment);
      }
      // Every preprocessor line is one of ours.
      for (const line of text.split('\n').filter((l) => l.trimStart().startsWith('#'))) {
        expect(line, `${f}`).toMatch(/^#(include "(yhc_device\.h|yhc_engine\.h|yhc_engine_runtime\.h|kernels\.h|kernels\/[a-z0-9_]+\.(cuh|h))"|pragma once)$/);
      }
    }
  });

  it('still_compute_what_onnxruntime_computes', async () => {
    const engine = Engine.load(out);
    try {
      expect(engine.inputs.map((i) => i.name)).toEqual([HOSTILE.input]);
      await expectMatchesOnnxRuntime(modelPath, engine, randomInputs(engine.inputs, 3));
    } finally {
      engine.dispose();
    }
  });

  it.runIf(findOnPath('nvcc'))('compile_with_nvcc', async () => {
    const { manifest } = await compileModel(modelPath, { outDir: join(dir, 'cuda'), target: 'cuda', cacheDir: TEST_CACHE });
    expect(manifest.kernels.every((k) => (k.ptxas?.length ?? 0) > 0)).toBe(true);
  });
});
