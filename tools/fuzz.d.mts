// Types of the fuzz case maker and runner shared by bench/fuzz.mjs and test/tools/fuzz.test.ts.
export const OUTCOMES: readonly ['ok', 'error', 'crash', 'hang', 'oom'];
export type Outcome = (typeof OUTCOMES)[number];

export interface FuzzApi {
  onnx: typeof import('../src/onnx/proto.js').onnx;
  encodeModel: typeof import('../src/onnx/write.js').encodeModel;
  Tensor: typeof import('../src/tensor.js').Tensor;
  compileModel: typeof import('../src/compile.js').compileModel;
  isYhcError: typeof import('../src/errors.js').isYhcError;
  MAX_MESSAGE_CHARS: number;
}

export interface SeedModel {
  name: string;
  bytes: Uint8Array;
}

export interface FuzzCase {
  seed: number;
  model: string;
  mutation: string;
  bytes: Uint8Array;
}

export interface CaseResult {
  outcome: Outcome;
  ms: number;
  code?: string;
  message?: string;
}

export function prng(seed: number): { next(): number; int(n: number): number; pick<T>(xs: readonly T[]): T };
export function seedModels(api: FuzzApi): SeedModel[];
export function makeCase(api: FuzzApi, seeds: readonly SeedModel[], seed: number): FuzzCase;
export function runCase(api: FuzzApi, testCase: FuzzCase, dir: string): Promise<CaseResult>;
