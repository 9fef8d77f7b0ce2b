/**
 * Every error a user can cause is a YhcError: a stable code plus a message that names the node,
 * op, file or value at fault. The CLI prints `error[CODE]: message` on one line and exits 2.
 */
export type YhcErrorCode =
  | 'USAGE' // bad command line or API arguments
  | 'IO' // a file could not be read or written
  | 'ONNX_DECODE' // truncated or corrupt protobuf
  | 'ONNX_INVALID' // decodes, but breaks an ONNX rule (missing graph, duplicate output names, ...)
  | 'UNSUPPORTED_OP' // op type / domain / opset yhc does not implement
  | 'UNSUPPORTED_OPSET'
  | 'UNSUPPORTED_DTYPE'
  | 'UNSUPPORTED_ATTRIBUTE'
  | 'TENSOR_SIZE' // initializer byte length does not match its dims
  | 'TENSOR_TOO_LARGE' // over the configured size limit
  | 'EXTERNAL_DATA' // external data outside the model directory, missing, or out of range
  | 'GRAPH_CYCLE'
  | 'DANGLING_INPUT' // a node input no node, initializer or graph input produces
  | 'SHAPE' // shape inference failed (incompatible shapes, bad attribute values)
  | 'DYNAMIC_SHAPE' // a dimension yhc cannot make static
  | 'BATCH' // --batch N on a static batch-1 model whose graph cannot be re-batched
  | 'EVAL' // the interpreter cannot evaluate a node with the given inputs
  | 'CODEGEN' // no kernel for an op, or a lowering limit
  | 'TOOLCHAIN' // nvcc / g++ missing or too old
  | 'BUILD' // the compiler rejected emitted code
  | 'RUNTIME' // the engine failed to load or run
  | 'INPUT' // wrong input name, shape, dtype or file for a run
  | 'MISMATCH'; // yhc check: outputs differ from the reference

export class YhcError extends Error {
  readonly code: YhcErrorCode;
  constructor(code: YhcErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'YhcError';
    this.code = code;
  }
}

export function isYhcError(e: unknown): e is YhcError {
  return e instanceof YhcError;
}

/** Quote a model-derived name for an error message: JSON escaping keeps it on one line. */
export function q(name: string): string {
  return JSON.stringify(name.length > 200 ? name.slice(0, 200) + '…' : name);
}
