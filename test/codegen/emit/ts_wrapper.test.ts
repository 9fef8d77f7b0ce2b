import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Project } from 'ts-morph';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wrapperFieldNames } from '../../../codegen/emit/ts_wrapper.js';
import { compileModel } from '../../../src/compile.js';
import { Engine } from '../../../src/runtime/engine.js';
import { randomInputs } from '../../helpers/golden.js';
import { convBlockSpec, writeModel } from '../../helpers/models.js';
import { REPO, TEST_CACHE, tempDir } from '../../helpers/paths.js';

/** engine.ts, the typed wrapper of a build: it must type-check against yhc and run. */
const { dir, cleanup } = tempDir('yhc-wrapper-');
afterAll(cleanup);
const build = join(dir, 'build');
let source: string;

beforeAll(async () => {
  const model = writeModel(dir, 'block.onnx', convBlockSpec({ input: 'images', output: 'features' }));
  await compileModel(model, { outDir: build, target: 'host', cacheDir: TEST_CACHE });
  source = readFileSync(join(build, 'engine.ts'), 'utf8');
});

describe('engine.ts', () => {
  it('falls_back_to_positional_fields_for_names_that_are_not_plain_identifiers', () => {
    expect(wrapperFieldNames(['p3', 'images_0', '/model.23/Concat', 'class', '__proto__', 'x'.repeat(65), 'é'], 'input')).toEqual([
      'p3',
      'images_0',
      'input2',
      'input3',
      'input4',
      'input5',
      'input6',
    ]);
    // A positional name a model name already took, and a repeated name, stay unique.
    expect(wrapperFieldNames(['a b', 'input0'], 'input')).toEqual(['input0_', 'input0']);
    expect(wrapperFieldNames(['y', 'y'], 'output')).toEqual(['output0', 'output1']);
  });

  it('declares_typed_fields_named_as_the_model_names_them_with_the_onnx_names_in_docs', () => {
    expect(source).toMatch(/\/\*\* ONNX "images": float32\[1, 4, 6, 6\] \*\/\s+images: Float32Array;/);
    expect(source).toMatch(/\/\*\* ONNX "features": float32\[1, 4, 6, 6\] \*\/\s+features: Float32Array;/);
    expect(source).toContain("import { Engine, type EngineContext } from 'yhc';");
    expect(source).toContain('export const INPUT_SHAPES = [[1, 4, 6, 6]] as const;');
  });

  it('type_checks_against_the_yhc_api', () => {
    const project = new Project({
      compilerOptions: {
        strict: true,
        module: 7 /* ES2022 */,
        moduleResolution: 100 /* Bundler */,
        target: 9,
        noEmit: true,
        skipLibCheck: true,
        paths: { yhc: [join(REPO, 'src', 'index.ts')] },
        types: ['node'],
      },
    });
    project.addSourceFileAtPath(join(REPO, 'src', 'index.ts'));
    const file = project.createSourceFile(join(dir, 'check', 'engine.ts'), source);
    const problems = project.getPreEmitDiagnostics().filter((d) => d.getSourceFile() === file);
    expect(problems.map((d) => d.getMessageText().toString())).toEqual([]);
  });

  it('runs_like_the_generic_engine', async () => {
    // Point the import at this checkout's yhc and load the wrapper as a module.
    const local = join(build, 'engine_local.ts');
    writeFileSync(local, source.replace("from 'yhc'", `from ${JSON.stringify(pathToFileURL(join(REPO, 'src', 'index.ts')).href)}`));
    const { ModelEngine } = (await import(pathToFileURL(local).href)) as {
      ModelEngine: {
        load(dir?: string): {
          run(i: { images: Float32Array }): { features: Float32Array };
          createContext(): { runAsync(i: { images: Float32Array }): Promise<{ features: Float32Array }>; dispose(): void };
          dispose(): void;
        };
      };
    };
    const typed = ModelEngine.load(build);
    const generic = Engine.load(build);
    try {
      const x = randomInputs(generic.inputs, 5).images as Float32Array;
      const want = Array.from(generic.run({ images: x }).features as Float32Array);
      expect(Array.from(typed.run({ images: x }).features)).toEqual(want);
      const context = typed.createContext();
      expect(Array.from((await context.runAsync({ images: x })).features)).toEqual(want);
      context.dispose();
    } finally {
      typed.dispose();
      generic.dispose();
    }
  });
});
