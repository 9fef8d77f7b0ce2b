/**
 * yhc's programmatic API. The CLI (`yhc compile | inspect | run | check`) is a thin layer over it.
 */
export { YhcError, isYhcError, type YhcErrorCode } from './errors.js';
export type { DType } from './dtype.js';
export { Tensor } from './tensor.js';
export { Graph, Node, Value, type Attr } from './ir/graph.js';
export { loadModel, decodeModel, type LoadOptions } from './onnx/load.js';
export { importModel, type ImportOptions } from './onnx/import.js';
export { encodeModel, graphToModelSpec, type ModelSpec } from './onnx/write.js';
export { lookupOp } from './ops/index.js';
export { runGraph } from './interp/interpreter.js';
export { compileModel, type CompileOptions, type CompileProgress, type CompileResult } from './compile.js';
export { inspectModel, readManifest, type ModelSummary } from './inspect.js';
export { Engine } from './runtime/engine.js';
export type { EngineContext } from './runtime/engine_context.js';
export type { TypedArray } from './typed_arrays.js';
export type { Manifest, KernelInfo, TensorInfo } from './manifest.js';
export { modelMetadata, parseNamesDict, type ModelMetadata } from './ir/model_metadata.js';
export { checkModel, type CheckOptions, type CheckReport } from './check/check.js';
export type { OutputCheck } from './golden/check_output.js';
export { compareDense, compareDetections, type DenseComparison, type DetectionComparison } from './golden/compare.js';
