import type { DType } from '../../src/dtype.js';
import type { Graph, Value } from '../../src/ir/graph.js';
import { commentName } from '../c_text.js';
import { GENERATED_BANNER, typeText } from './kernel_source.js';

/** The typed array a tensor of each dtype is passed as (see src/typed_arrays.ts). */
const ARRAY_TYPE: Record<DType, string> = {
  float32: 'Float32Array',
  float64: 'Float64Array',
  float16: 'Uint16Array',
  bfloat16: 'Uint16Array',
  int8: 'Int8Array',
  uint8: 'Uint8Array',
  bool: 'Uint8Array',
  int16: 'Int16Array',
  uint16: 'Uint16Array',
  int32: 'Int32Array',
  uint32: 'Uint32Array',
  int64: 'BigInt64Array',
  uint64: 'BigUint64Array',
};

const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for function ' +
    'if import in instanceof new null return super switch this throw true try typeof var void while with yield let static ' +
    'implements interface package private protected public await async of get set any unknown never undefined arguments eval'
  ).split(' '),
);

/**
 * The wrapper's property names: a model name that is a plain ASCII identifier (letters, digits,
 * '_'; at most 64 characters; not a reserved word, not starting with '__') is used as it is;
 * any other name, and any clash, gets the positional name (`input0`, `output1`, ...). Nothing
 * else of a model name reaches code.
 */
export function wrapperFieldNames(names: readonly string[], prefix: 'input' | 'output'): string[] {
  const plain = (n: string) => /^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(n) && !n.startsWith('__') && !RESERVED.has(n);
  const chosen = names.map((n) => (plain(n) && names.indexOf(n) === names.lastIndexOf(n) ? n : null));
  const used = new Set(chosen.filter((n): n is string => n !== null));
  return chosen.map((n, i) => {
    if (n !== null) return n;
    let name = `${prefix}${i}`;
    while (used.has(name)) name += '_';
    used.add(name);
    return name;
  });
}

/**
 * engine.ts: a typed wrapper over the generic Engine for this build. Properties follow the
 * model's input and output names where those are plain identifiers (wrapperFieldNames), else
 * are positional (input0, output0 ...); each carries its ONNX name, dtype and shape in an
 * escaped doc comment. Written as text (no TypeScript compiler at compile time: loading one
 * cost about a second of every `yhc compile`); test/codegen/emit/ts_wrapper.test.ts type-checks it.
 */
export function typedWrapperSource(graph: Graph): string {
  const inputNames = wrapperFieldNames(
    graph.inputs.map((v) => v.name),
    'input',
  );
  const outputNames = wrapperFieldNames(
    graph.outputs.map((v) => v.name),
    'output',
  );
  const members = (vs: readonly Value[], names: readonly string[]) =>
    vs.flatMap((v, i) => [`  /** ONNX ${commentName(v.name)}: ${typeText(v)} */`, `  ${names[i]}: ${ARRAY_TYPE[v.dtype]};`]);
  const positional = `[${inputNames.map((n) => `inputs.${n}`).join(', ')}]`;
  const shapes = (vs: readonly Value[]) => `[${vs.map((v) => `[${v.shape.join(', ')}]`).join(', ')}] as const`;
  return [
    "import { Engine, type EngineContext } from 'yhc';",
    "import { dirname } from 'node:path';",
    "import { fileURLToPath } from 'node:url';",
    '',
    `// engine.ts — ${GENERATED_BANNER}`,
    '// Typed wrapper for this build; needs the yhc package (npm install yhc).',
    '/** Inputs, in the order of manifest.json. */',
    'export interface ModelInputs {',
    ...members(graph.inputs, inputNames),
    '}',
    '',
    '/** Outputs, in the order of manifest.json. */',
    'export interface ModelOutputs {',
    ...members(graph.outputs, outputNames),
    '}',
    '',
    `export const INPUT_SHAPES = ${shapes(graph.inputs)};`,
    `export const OUTPUT_SHAPES = ${shapes(graph.outputs)};`,
    '',
    '/** This build, loaded and ready to run. */',
    'export class ModelEngine {',
    '  constructor(private readonly engine: Engine) {',
    '  }',
    '',
    "  /** Load the engine library and weights of the build directory (default: this file's directory). */",
    '  static load(dir: string = dirname(fileURLToPath(import.meta.url))): ModelEngine {',
    '    return new ModelEngine(Engine.load(dir));',
    '  }',
    '',
    '  /** One inference. */',
    '  run(inputs: ModelInputs): ModelOutputs {',
    `    return toOutputs(this.engine.runPositional(${positional}));`,
    '  }',
    '',
    '  /** A new execution context: the same weights, its own activations; contexts run at once (runAsync). */',
    '  createContext(): ModelContext {',
    '    return new ModelContext(this.engine.createContext());',
    '  }',
    '',
    '  /** Free the engine and its contexts. */',
    '  dispose() {',
    '    this.engine.dispose();',
    '  }',
    '}',
    '',
    '/** One execution context of the engine (Engine.createContext); one run at a time. */',
    'export class ModelContext {',
    '  constructor(private readonly context: EngineContext) {',
    '  }',
    '',
    '  /** One inference. */',
    '  run(inputs: ModelInputs): ModelOutputs {',
    `    return toOutputs(this.context.runPositional(${positional}));`,
    '  }',
    '',
    '  /** One inference on a worker thread. */',
    '  async runAsync(inputs: ModelInputs): Promise<ModelOutputs> {',
    `    return toOutputs(await this.context.runPositionalAsync(${positional}));`,
    '  }',
    '',
    '  /** Free the context. */',
    '  dispose() {',
    '    this.context.dispose();',
    '  }',
    '}',
    '',
    '/** Outputs in manifest order as typed fields. */',
    "function toOutputs(out: ReturnType<Engine['runPositional']>): ModelOutputs {",
    `  return { ${graph.outputs.map((v, i) => `${outputNames[i]}: out[${i}] as ${ARRAY_TYPE[v.dtype]}`).join(', ')} };`,
    '}',
    '',
  ].join('\n');
}
