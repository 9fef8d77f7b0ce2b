// Types of the conformance case runner shared by tools/conformance_report.mjs and its test.
export const RTOL: number;
export const ATOL: number;

export interface ConformanceApi {
  loadModel: typeof import('../src/onnx/load.js').loadModel;
  decodeModel: typeof import('../src/onnx/load.js').decodeModel;
  readTensorProtoFile: typeof import('../src/onnx/tensor_proto.js').readTensorProtoFile;
  runGraph: typeof import('../src/interp/interpreter.js').runGraph;
}

export interface CaseResult {
  name: string;
  ops: string[];
  status: 'pass' | 'rejected' | 'fail';
  code?: string;
  message?: string;
}

export function listCases(dataDir: string): string[];
export function manifestOps(dataDir: string): Map<string, string>;
export function compareTensors(got: import('../src/tensor.js').Tensor, want: import('../src/tensor.js').Tensor): string | null;
export function runCase(api: ConformanceApi, dataDir: string, name: string): CaseResult;
export function markdownReport(results: CaseResult[], opOf: Map<string, string>, perCase?: boolean): string;
