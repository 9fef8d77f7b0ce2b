import { roundToHalf } from '../src/dtype.js';
import { YhcError } from '../src/errors.js';
import { ONNX_DOMAIN, YHC_DOMAIN, type Graph, type Node, type Value } from '../src/ir/graph.js';
import { isYhcOp } from '../src/ir/rewrite.js';
import { RESIDUAL } from '../src/ops/yhc/conv.js';
import { DW, PW } from '../src/ops/yhc/dwpw.js';
import { Tensor } from '../src/tensor.js';

/**
 * Storage precision. `--precision fp16` stores activations and weights in half; every kernel
 * still computes in float32 (conversion on load and store), and statistics, normalization
 * parameters and the decoder's intermediates stay float32. This step only decides which tensors
 * are half — by rewriting their dtype in the optimized graph before planning, so the plan, the
 * launchers and weights.bin follow from the dtypes alone:
 *
 *   - an activation is stored in half when its producer and every reader are kernels that store
 *     half (the convs, DwPw, SimAM) — or, for the decoder, when ALL of YoloDecode's level inputs
 *     can be (its level table has one element type) — and it is neither a graph input nor a
 *     graph output: the engine's inputs and outputs stay float32;
 *   - those nodes' conv weights and biases become float16 constants (rounded to nearest even).
 */

export type Precision = 'fp32' | 'fp16';
export const PRECISIONS: readonly Precision[] = ['fp32', 'fp16'];

export function parsePrecision(text: string): Precision {
  if ((PRECISIONS as readonly string[]).includes(text)) return text as Precision;
  throw new YhcError('USAGE', `--precision must be fp32 or fp16, got ${JSON.stringify(text)}`);
}

export interface PrecisionReport {
  readonly precision: Precision;
  /** Activations stored in half. */
  readonly halfActivations: number;
  /** Weight tensors stored in half. */
  readonly halfWeights: number;
}

const isConv = (n: Node) => n.opType === 'Conv' && (n.domain === YHC_DOMAIN || n.domain === ONNX_DOMAIN);

/** The input slot a half-storing node reads its activation from, or -1 if it stores no half. */
function activationSlot(n: Node): number {
  if (isConv(n) || isYhcOp(n, 'SimAM')) return 0;
  if (isYhcOp(n, 'DwPw')) return DW.x;
  return -1;
}

/** The weight slots a half-storing node reads in half (weights and biases, kept together). */
function weightSlots(n: Node): readonly number[] {
  if (isConv(n)) return [1, 2];
  if (isYhcOp(n, 'DwPw')) return [DW.weight, DW.bias, PW.weight, PW.bias];
  return [];
}

export function applyPrecision(graph: Graph, precision: Precision): PrecisionReport {
  if (precision === 'fp32') return { precision, halfActivations: 0, halfWeights: 0 };
  const readers = graph.consumers();
  const boundary = new Set<Value>([...graph.inputs, ...graph.outputs]);
  const storesHalf = (n: Node | null): n is Node => n !== null && activationSlot(n) >= 0;
  // A conv's residual (slot 3) is read like its activation, in the template's Residual type.
  const readsAsActivation = (n: Node, v: Value) =>
    n.inputs.every((input, i) => input !== v || i === activationSlot(n) || (isConv(n) && i === RESIDUAL) || isYhcOp(n, 'YoloDecode'));

  const half = new Set<Value>();
  for (const v of graph.values()) {
    if (v.dtype !== 'float32' || v.constant || boundary.has(v) || !storesHalf(v.producer)) continue;
    const users = readers.get(v) ?? [];
    if (users.length > 0 && users.every((n) => (storesHalf(n) || isYhcOp(n, 'YoloDecode')) && readsAsActivation(n, v))) half.add(v);
  }
  // The decoder's level table has one element type: all of its inputs in half, or none.
  for (const n of graph.nodes) {
    if (!isYhcOp(n, 'YoloDecode')) continue;
    const levels = n.inputs.filter((v): v is Value => v !== null);
    if (!levels.every((v) => half.has(v))) for (const v of levels) half.delete(v);
  }
  for (const v of half) v.dtype = 'float16';

  // Weights: one float16 copy per float32 constant, shared by every reader that had it.
  const halfCopies = new Map<Value, Value>();
  for (const n of graph.nodes) {
    if (!storesHalf(n)) continue;
    for (const slot of weightSlots(n)) {
      const w = n.inputs[slot];
      if (!w?.constant || w.dtype !== 'float32') continue;
      let copy = halfCopies.get(w);
      if (!copy) {
        copy = graph.newConstant(w.name, new Tensor('float16', w.shape, w.constant.data.map(roundToHalf) as Float32Array));
        halfCopies.set(w, copy);
      }
      n.inputs[slot] = copy;
    }
  }
  return { precision, halfActivations: half.size, halfWeights: halfCopies.size };
}
