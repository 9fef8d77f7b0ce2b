import { describeNode, type Node } from '../../ir/graph.js';
import { YhcError } from '../../errors.js';
import { convShape, convolve, Conv as OnnxConv } from '../conv.js';
import type { OpDef, OutputType } from '../op.js';
import { checkNode, FLOAT_TYPES, hasInput, requireDType, requiredTensor, requireSameDType } from '../util/checks.js';
import { roundInPlace } from '../util/round.js';
import { activationOf, applyActivation } from './activation.js';

/**
 * ai.yhc.Conv: ONNX Conv followed by an activation — what fold-batchnorm and fold-repconv
 * produce and what canonicalize attaches SiLU to. Same inputs (X, W, optional B) and
 * attributes as ONNX Conv, plus `activation` (none | silu | relu | sigmoid), and an optional
 * fourth input `residual` of the output's shape, added after the activation (passes/fuse_residual.ts):
 * y = act(conv(X, W) + B) + residual.
 */

/** The input slot of ai.yhc.Conv's residual. */
export const RESIDUAL = 3;

export const YhcConv: OpDef = {
  opType: 'Conv',
  domain: 'ai.yhc',
  attributes: [...OnnxConv.attributes, 'activation'],
  inputs: [2, 4],
  outputs: [1, 1],
  takesActivation: true,
  infer(node): OutputType[] {
    checkNode(node, YhcConv);
    activationOf(node);
    const dtype = requireDType(node, 0, FLOAT_TYPES);
    requireSameDType(node, [0, 1, 2]);
    const b = hasInput(node, 2) ? node.input(2).shape : null;
    const shape = convShape(node, node.input(0).shape, node.input(1).shape, b).outShape;
    if (hasInput(node, RESIDUAL)) {
      const r = node.input(RESIDUAL);
      // Under --precision fp16 the residual may be stored in another float type than the output.
      requireDType(node, RESIDUAL, FLOAT_TYPES);
      if (r.shape.length !== shape.length || r.shape.some((d, i) => d !== shape[i])) {
        throw new YhcError('SHAPE', `${describeNode(node)}: residual shape [${r.shape.join(', ')}] is not the output's [${shape.join(', ')}]`);
      }
    }
    return [{ dtype, shape }];
  },
  evaluate(node, inputs) {
    const x = requiredTensor(node, inputs, 0);
    const w = requiredTensor(node, inputs, 1);
    const b = inputs[2] ?? null;
    const y = convolve(x, w, b, convShape(node, x.shape, w.shape, b ? b.shape : null));
    const act = activationOf(node);
    if (act !== 'none') {
      applyActivation(y.data, act);
      roundInPlace(y.data, y.dtype);
    }
    const r = inputs[RESIDUAL] ?? null;
    if (r) {
      // The activated value as stored, plus the residual, rounded once more: what Add did.
      for (let i = 0; i < y.data.length; i++) y.data[i] = Number(y.data[i]) + Number(r.data[i]);
      roundInPlace(y.data, y.dtype);
    }
    return [y];
  },
  flops: (node: Node) => OnnxConv.flops!(node),
};
