import { expect } from 'vitest';
import type { YhcErrorCode } from '../../../src/errors.js';
import { Graph, YHC_DOMAIN, type Node } from '../../../src/ir/graph.js';
import { lookupOp } from '../../../src/ops/index.js';
import type { OpDef } from '../../../src/ops/op.js';
import type { Tensor } from '../../../src/tensor.js';
import { expectYhcError, toAttrs, type AttrValue } from '../helpers.js';

/**
 * One-node graphs of ai.yhc ops (test/ops/helpers.ts builds ai.onnx ones): every input a
 * non-constant value carrying its data for evaluate, infer run first as the interpreter's
 * callers would, and evaluate's output checked against the inferred type.
 */
export interface YhcNode {
  readonly node: Node;
  readonly def: OpDef;
  readonly tensors: readonly (Tensor | null)[];
}

export function yhcNode(opType: string, inputs: readonly (Tensor | null)[], attrs: Record<string, AttrValue> = {}, name = 'the_node'): YhcNode {
  const graph = new Graph(
    't',
    new Map([
      ['', 17],
      [YHC_DOMAIN, 1],
    ]),
  );
  const def = lookupOp(opType, YHC_DOMAIN);
  if (!def) throw new Error(`no OpDef for ai.yhc.${opType}`);
  const values = inputs.map((t, i) => (t ? graph.newValue(`in${i}`, t.dtype, t.shape) : null));
  const node = graph.newNode(opType, YHC_DOMAIN, name, toAttrs(attrs), values);
  graph.appendNode(node, [graph.newValue('out', 'float32', [])]);
  return { node, def, tensors: inputs };
}

/** Infer, then evaluate; the result must have the inferred type. */
export function runYhc(opType: string, inputs: readonly (Tensor | null)[], attrs: Record<string, AttrValue> = {}): Tensor {
  const { node, def, tensors } = yhcNode(opType, inputs, attrs);
  const [type] = def.infer(node, 1);
  const [out] = def.evaluate(node, tensors, 1);
  expect(out!.dtype).toBe(type!.dtype);
  expect([...out!.shape]).toEqual([...type!.shape]);
  return out!;
}

/** infer rejects the node with `code`, naming it. */
export function expectYhcInferError(
  opType: string,
  inputs: readonly (Tensor | null)[],
  attrs: Record<string, AttrValue>,
  code: YhcErrorCode,
  pattern: RegExp,
): void {
  const { node, def } = yhcNode(opType, inputs, attrs, 'bad_node');
  expectYhcError(() => def.infer(node, 1), code, pattern);
  expectYhcError(() => def.infer(node, 1), code, /bad_node/);
}
