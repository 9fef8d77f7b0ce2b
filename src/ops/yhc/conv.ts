import type { Node } from '../../ir/graph.js';
import { convShape, convolve, Conv as OnnxConv } from '../conv.js';
import type { OpDef, OutputType } from '../op.js';
import { checkNode, FLOAT_TYPES, hasInput, requireDType, requiredTensor, requireSameDType } from '../util/checks.js';
import { roundInPlace } from '../util/round.js';
import { activationOf, applyActivation } from './activation.js';

/**
 * ai.yhc.Conv: ONNX Conv followed by an activation — what fold-batchnorm and fold-repconv
 * produce and what canonicalize attaches SiLU to. Same inputs (X, W, optional B) and
 * attributes as ONNX Conv, plus `activation` (none | silu | relu | sigmoid).
 */
export const YhcConv: OpDef = {
  opType: 'Conv',
  domain: 'ai.yhc',
  attributes: [...OnnxConv.attributes, 'activation'],
  inputs: [2, 3],
  outputs: [1, 1],
  takesActivation: true,
  infer(node): OutputType[] {
    checkNode(node, YhcConv);
    activationOf(node);
    const dtype = requireDType(node, 0, FLOAT_TYPES);
    requireSameDType(node, [0, 1, 2]);
    const b = hasInput(node, 2) ? node.input(2).shape : null;
    return [{ dtype, shape: convShape(node, node.input(0).shape, node.input(1).shape, b).outShape }];
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
    return [y];
  },
  flops: (node: Node) => OnnxConv.flops!(node),
};
