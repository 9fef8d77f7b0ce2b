import { describe, expect, it } from 'vitest';
import { groupNormSpec } from '../../codegen/kernels/group_norm.js';
import { foldBatchnorm } from '../../passes/fold_batchnorm.js';
import { PassLog } from '../../passes/pass.js';
import { Graph, YHC_DOMAIN, type Attr, type Node } from '../../src/ir/graph.js';
import { batchNormalizationAttrs } from '../../src/ops/batch_normalization.js';
import { convGroups } from '../../src/ops/conv.js';
import { modIsFmod } from '../../src/ops/elementwise_binary.js';
import { groupNormalizationAttrs } from '../../src/ops/group_normalization.js';
import { ONNX_OPS, isViewOp, lookupOp, movesDataOnly, takesActivation } from '../../src/ops/index.js';
import { instanceNormalizationAttrs } from '../../src/ops/instance_normalization.js';
import { DEFAULT_EPSILON } from '../../src/ops/util/normalize.js';
import { autoPadOf } from '../../src/ops/util/window.js';
import { activationOf } from '../../src/ops/yhc/activation.js';
import { dwEpilogue, pwEpilogue } from '../../src/ops/yhc/dwpw.js';
import { GroupNorm, groupNormAttrs } from '../../src/ops/yhc/group_norm.js';
import { YHC_OPS } from '../../src/ops/yhc/index.js';
import { SimAM, simamAttrs } from '../../src/ops/yhc/simam.js';
import { yoloDecodeOutput } from '../../src/ops/yhc/yolo_decode.js';
import { expectClose, expectYhcError, f32, makeNode, runOp } from './helpers.js';
import { runOrt } from './ort_oracle.js';

/**
 * Each OpDef owns its attributes' parsing (defaults, typed errors naming the node) and the traits
 * other layers ask about (view / data movement, fused activation, FLOPs): the passes, codegen and
 * cost model read them from there.
 */

const float = (value: number): Attr => ({ type: 'float', value });
const int = (value: number): Attr => ({ type: 'int', value });
const str = (value: string): Attr => ({ type: 'string', value });

/** A node of `opType` in `domain` named bad_node, on one [1, 4, 3, 3] float32 input, typed by its OpDef. */
function node(opType: string, domain: string, attrs: Record<string, Attr>, inputs = 1): Node {
  const graph = new Graph(
    't',
    new Map([
      ['', 17],
      [YHC_DOMAIN, 1],
    ]),
  );
  const x = graph.newValue('x', 'float32', [1, 4, 3, 3]);
  const params = Array.from({ length: inputs - 1 }, (_, i) => graph.newConstant(`p${i}`, f32([4], [1, 2, 3, 4])));
  const n = graph.newNode(opType, domain, 'bad_node', new Map(Object.entries(attrs)), [x, ...params]);
  graph.appendNode(n, [graph.newValue('y', 'float32', [1, 4, 3, 3])]);
  return n;
}

describe('normalization epsilon', () => {
  it('defaults to 1e-5 as the float32 attribute holds it, for every normalization', () => {
    expect(DEFAULT_EPSILON).toBe(Math.fround(1e-5));
    expect(DEFAULT_EPSILON).not.toBe(1e-5);
    expect(batchNormalizationAttrs(node('BatchNormalization', '', {}, 5)).epsilon).toBe(DEFAULT_EPSILON);
    expect(instanceNormalizationAttrs(node('InstanceNormalization', '', {}, 3)).epsilon).toBe(DEFAULT_EPSILON);
    expect(groupNormalizationAttrs(node('GroupNormalization', '', { num_groups: int(2) }, 3)).epsilon).toBe(DEFAULT_EPSILON);
    expect(groupNormAttrs(node('GroupNorm', YHC_DOMAIN, { num_groups: int(2) }, 3))).toEqual({ groups: 2, epsilon: DEFAULT_EPSILON, activation: 'none' });
    const dwpw = node('DwPw', YHC_DOMAIN, { dw_norm_groups: int(2), pw_norm_groups: int(1) });
    expect([dwEpilogue(dwpw).normEpsilon, pwEpilogue(dwpw).normEpsilon]).toEqual([DEFAULT_EPSILON, DEFAULT_EPSILON]);
  });

  it('reads a given epsilon', () => {
    expect(batchNormalizationAttrs(node('BatchNormalization', '', { epsilon: float(0.25) }, 5)).epsilon).toBe(0.25);
    expect(groupNormAttrs(node('GroupNorm', YHC_DOMAIN, { num_groups: int(1), epsilon: float(0.5), activation: str('silu') }, 3))).toEqual({
      groups: 1,
      epsilon: 0.5,
      activation: 'silu',
    });
  });

  it('rejects an epsilon of the wrong attribute type, naming the node', () => {
    expectYhcError(
      () => batchNormalizationAttrs(node('BatchNormalization', '', { epsilon: int(1) }, 5)),
      'ONNX_INVALID',
      /bad_node.*"epsilon" should be float, got int/,
    );
  });

  it('matches onnxruntime when the model leaves epsilon out (zero variance: ε alone divides)', async () => {
    const x = f32([1, 2, 1, 2], [1, 2, 3, 4]);
    const p = [f32([2], [1, 2]), f32([2], [0, 10]), f32([2], [1, 3]), f32([2], [0, 0])];
    const [got] = runOp('BatchNormalization', [x, ...p], {}, { opset: 15 });
    const [want] = await runOrt('BatchNormalization', [x, ...p], {}, { opset: 15 });
    expectClose(got!, want!, 1e-7, 0);
    const y = f32([1, 2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 9]);
    const s = [f32([2], [1, 2]), f32([2], [0, 1])];
    const [gotIn] = runOp('InstanceNormalization', [y, ...s]);
    const [wantIn] = await runOrt('InstanceNormalization', [y, ...s]);
    expectClose(gotIn!, wantIn!, 1e-6, 1e-6);
  });

  it('fold-batchnorm folds with the OpDef default (float32 1e-5), as the interpreter evaluates it', () => {
    const b = makeNode('BatchNormalization', [
      { dtype: 'float32', shape: [1, 2, 1, 2] },
      f32([2], [1, 2]),
      f32([2], [0, 10]),
      f32([2], [1, 3]),
      f32([2], [0, 0]),
    ]);
    b.graph.inputs.push(b.node.input(0));
    b.graph.outputs.push(b.node.outputs[0]!);
    b.node.outputs[0]!.shape = [1, 2, 1, 2];
    foldBatchnorm.run(b.graph, new PassLog());
    const affine = b.graph.nodes[0]!;
    expect(`${affine.domain}.${affine.opType}`).toBe('ai.yhc.Affine');
    expect([...affine.input(1).constant!.data]).toEqual([Math.fround(1 / Math.sqrt(DEFAULT_EPSILON)), Math.fround(2 / Math.sqrt(DEFAULT_EPSILON))]);
  });
});

describe('typed attribute errors name the node', () => {
  it("SimAM's lambda is required (no silent default anywhere)", () => {
    expect(simamAttrs(node('SimAM', YHC_DOMAIN, { lambda: float(0.5) }))).toEqual({ lambda: 0.5 });
    expectYhcError(() => simamAttrs(node('SimAM', YHC_DOMAIN, {})), 'ONNX_INVALID', /bad_node.*missing required attribute "lambda"/);
    expectYhcError(() => SimAM.infer(node('SimAM', YHC_DOMAIN, {}), 1), 'ONNX_INVALID', /bad_node.*"lambda"/);
  });

  it('an unknown activation is UNSUPPORTED_ATTRIBUTE, whichever attribute holds it', () => {
    expectYhcError(
      () => activationOf(node('GroupNorm', YHC_DOMAIN, { activation: str('gelu') }, 3)),
      'UNSUPPORTED_ATTRIBUTE',
      /bad_node.*activation "gelu" is not one of/,
    );
    expectYhcError(() => dwEpilogue(node('DwPw', YHC_DOMAIN, { dw_activation: str('tanh') })), 'UNSUPPORTED_ATTRIBUTE', /bad_node.*dw_activation "tanh"/);
  });

  it('auto_pad, fmod and the decoder output are checked where they are read', () => {
    expect(autoPadOf(node('Conv', '', {}))).toBe('NOTSET');
    expectYhcError(() => autoPadOf(node('Conv', '', { auto_pad: str('SAME') })), 'UNSUPPORTED_ATTRIBUTE', /bad_node.*auto_pad "SAME"/);
    expect(convGroups(node('Conv', '', {}))).toBe(1);
    expect(modIsFmod(node('Mod', '', {}))).toBe(false);
    expectYhcError(() => modIsFmod(node('Mod', '', { fmod: int(2) })), 'ONNX_INVALID', /bad_node.*fmod/);
    expect(yoloDecodeOutput(node('YoloDecode', YHC_DOMAIN, {}))).toBe('detections');
    expectYhcError(() => yoloDecodeOutput(node('YoloDecode', YHC_DOMAIN, { output: str('boxes') })), 'UNSUPPORTED_ATTRIBUTE', /bad_node.*output "boxes"/);
  });
});

describe('traits', () => {
  const ops = [...ONNX_OPS, ...YHC_OPS];
  const named = (f: (o: (typeof ops)[number]) => boolean) =>
    ops
      .filter(f)
      .map((o) => `${o.domain || 'ai.onnx'}.${o.opType}`)
      .sort();

  it('views and rearrangements are the ops that only move data without copying an element twice', () => {
    expect(named((o) => o.dataMovement === 'view')).toEqual(['ai.onnx.Flatten', 'ai.onnx.Identity', 'ai.onnx.Reshape', 'ai.onnx.Squeeze', 'ai.onnx.Unsqueeze']);
    expect(named((o) => o.dataMovement === 'rearrange')).toEqual(['ai.onnx.Concat', 'ai.onnx.Slice', 'ai.onnx.Split', 'ai.onnx.Transpose']);
    // Expand and Tile copy elements, the Gathers follow the data: neither.
    for (const op of ['Expand', 'Tile', 'Gather', 'GatherElements', 'GatherND']) expect(lookupOp(op, '')!.dataMovement).toBeUndefined();
    expect(isViewOp(node('Reshape', '', {}))).toBe(true);
    expect(isViewOp(node('Transpose', '', {}))).toBe(false);
    expect(movesDataOnly(node('Transpose', '', {}))).toBe(true);
    expect(movesDataOnly(node('Expand', '', {}))).toBe(false);
  });

  it('the yhc ops with an `activation` attribute take a fused activation', () => {
    expect(named((o) => o.takesActivation === true)).toEqual(['ai.yhc.Affine', 'ai.yhc.Conv', 'ai.yhc.GroupNorm', 'ai.yhc.QConv']);
    for (const o of ops) expect(o.takesActivation === true, o.opType).toBe(o.attributes.includes('activation'));
    expect(takesActivation(node('Conv', '', {}))).toBe(false);
    expect(takesActivation(node('Conv', YHC_DOMAIN, {}))).toBe(true);
  });

  it.each(['none', 'silu'])("GroupNorm's FLOPs are the group_norm kernel's (activation %s)", (activation) => {
    const n = node('GroupNorm', YHC_DOMAIN, { num_groups: int(2), activation: str(activation) }, 3);
    const [x, scale, bias, y] = [n.input(0), n.input(1), n.input(2), n.outputs[0]!];
    const spec = groupNormSpec({ x, scale, bias, y, groups: 2, epsilon: DEFAULT_EPSILON, activation: activationOf(n), family: 'groupnorm', nodes: [n] });
    expect(GroupNorm.flops!(n)).toBe(spec.flops);
    expect(GroupNorm.flops!(n)).toBe((activation === 'none' ? 8 : 12) * 36);
  });
});
