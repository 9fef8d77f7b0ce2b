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

/** The longest message a YhcError carries; longer ones keep their start and end. */
export const MAX_MESSAGE_CHARS = 400;

export class YhcError extends Error {
  readonly code: YhcErrorCode;
  constructor(code: YhcErrorCode, message: string, options?: { cause?: unknown }) {
    super(oneShortLine(message), options);
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

const LIST_HEAD = 6;
const LIST_TAIL = 2;

/**
 * `[a,b,c,d,e,f,…,y,z] (1000000 values)`: a list from the model in a message, its first and last few
 * entries and its length, so a million-entry attribute cannot flood stderr.
 */
export function listText(values: ArrayLike<number | bigint | string>, separator = ','): string {
  const n = values.length;
  const item = (i: number) => String(values[i]);
  if (n <= LIST_HEAD + LIST_TAIL + 1) return `[${Array.from({ length: n }, (_, i) => item(i)).join(separator)}]`;
  const head = Array.from({ length: LIST_HEAD }, (_, i) => item(i));
  const tail = Array.from({ length: LIST_TAIL }, (_, i) => item(n - LIST_TAIL + i));
  return `[${[...head, '…', ...tail].join(separator)}] (${n} values)`;
}
const ESCAPES: Record<string, string> = { '\r': '\\r', '\n': '\\n', '\u2028': '\\u2028', '\u2029': '\\u2029' };

/** Line breaks escaped, the middle of an over-long message elided: every message is one short line. */
function oneShortLine(message: string): string {
  const line = message.replace(/[\r\n\u2028\u2029]/g, (c) => ESCAPES[c]!);
  if (line.length <= MAX_MESSAGE_CHARS) return line;
  const keepEnd = 120;
  const keepStart = MAX_MESSAGE_CHARS - keepEnd - 40;
  return `${line.slice(0, keepStart)} … (${line.length - keepStart - keepEnd} characters elided) … ${line.slice(-keepEnd)}`;
}
