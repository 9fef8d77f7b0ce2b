import type { Attr } from '../../../src/ir/graph.js';
import type { ModelSpec, NodeSpec, TensorSpec } from '../../../src/onnx/write.js';
import { Tensor } from '../../../src/tensor.js';
import { randomTensor } from '../../helpers/models.js';
import { float, int, ints } from '../../helpers/attrs.js';

/**
 * Small ONNX models, written the way torch exports them, whose patterns the passes turn into
 * ai.yhc.GroupNorm, SimAM and DwPw (norm_simam_dwpw_host.test.ts compiles and runs them).
 */

/** Writes ONNX nodes the way torch exports them. */
export class Model {
  readonly nodes: NodeSpec[] = [];
  readonly initializers: TensorSpec[] = [];
  private next = 0;
  private seed = 100;

  constant(t: Tensor): string {
    const name = `c${this.initializers.length}`;
    this.initializers.push({ name, tensor: t });
    return name;
  }
  random(shape: number[], scale = 0.5): string {
    return this.constant(randomTensor(shape, this.seed++, scale));
  }
  op(op: string, inputs: string[], attrs: Record<string, Attr> = {}, output = `t${this.next++}`): string {
    this.nodes.push({ op, name: `${op.toLowerCase()}_${this.nodes.length}`, inputs, outputs: [output], attrs });
    return output;
  }
  silu(v: string, output?: string): string {
    return this.op('Mul', [v, this.op('Sigmoid', [v])], {}, output);
  }
  scalar(value: number): string {
    return this.constant(Tensor.scalar('float32', value));
  }
  /** torch's nn.GroupNorm export. */
  groupNorm(v: string, shape: number[], groups: number): string {
    const [n, c, ...spatial] = shape;
    const ones = (k: number, value: number) => this.constant(Tensor.from('float32', [k], new Array<number>(k).fill(value)));
    const r = this.op('Reshape', [v, this.constant(Tensor.from('int64', [3], [0, groups, -1]))]);
    const normalized = this.op('InstanceNormalization', [r, ones(groups, 1), ones(groups, 0)], { epsilon: float(1e-5) });
    const back = this.op('Reshape', [normalized, this.constant(Tensor.from('int64', [shape.length], [n!, c!, ...spatial]))]);
    const affine = [c!, ...spatial.map(() => 1)];
    return this.op('Add', [this.op('Mul', [back, this.random(affine, 1)]), this.random(affine, 1)]);
  }
  /** SimAM, official form. */
  simam(x: string, hw: number): string {
    const mean = this.op('ReduceMean', [x], { axes: ints([2, 3]), keepdims: int(1) });
    const d = this.op('Pow', [this.op('Sub', [x, mean]), this.scalar(2)]);
    const sum = this.op('ReduceSum', [d, this.constant(Tensor.from('int64', [2], [2, 3]))], { keepdims: int(1) });
    const denominator = this.op('Mul', [this.op('Add', [this.op('Div', [sum, this.scalar(hw - 1)]), this.scalar(1e-4)]), this.scalar(4)]);
    const y = this.op('Add', [this.op('Div', [d, denominator]), this.scalar(0.5)]);
    return this.op('Mul', [x, this.op('Sigmoid', [y])]);
  }
  spec(opset: number, inputs: ModelSpec['inputs'], outputs: string[]): ModelSpec {
    return { opset, inputs, outputs: outputs.map((name) => ({ name })), initializers: this.initializers, nodes: this.nodes };
  }
}

/** The improved head's class branch in small: DW+GN+SiLU → PW+GN+SiLU → SimAM → GN+SiLU. */
export function improvedBranch(): ModelSpec {
  const m = new Model();
  const dw = m.op('Conv', ['x', m.random([8, 1, 3, 3])], { group: int(8), kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]) });
  const a1 = m.silu(m.groupNorm(dw, [1, 8, 10, 10], 2));
  const pw = m.op('Conv', [a1, m.random([12, 8, 1, 1])], { kernel_shape: ints([1, 1]) });
  const a2 = m.silu(m.groupNorm(pw, [1, 12, 10, 10], 4));
  const s = m.simam(a2, 100);
  m.silu(m.groupNorm(s, [1, 12, 10, 10], 3), 'y');
  return m.spec(17, [{ name: 'x', dtype: 'float32', dims: [1, 8, 10, 10] }], ['y']);
}

/** Opset 21: GroupNormalization → strided DW+SiLU → PW+SiLU; an InstanceNormalization beside, batch 2. */
export function stockBranch(): ModelSpec {
  const m = new Model();
  const g = m.op('GroupNormalization', ['x', m.random([6], 1), m.random([6], 1)], { num_groups: int(3), epsilon: float(1e-5) });
  const dw = m.silu(
    m.op('Conv', [g, m.random([6, 1, 3, 3]), m.random([6])], { group: int(6), kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]), strides: ints([2, 2]) }),
  );
  m.silu(m.op('Conv', [dw, m.random([10, 6, 1, 1]), m.random([10])], { kernel_shape: ints([1, 1]) }), 'y');
  m.op('InstanceNormalization', ['x', m.random([6], 1), m.random([6], 1)], { epsilon: float(1e-5) }, 'z');
  return m.spec(21, [{ name: 'x', dtype: 'float32', dims: [2, 6, 9, 9] }], ['y', 'z']);
}

/** The ONNX norms' own kernels share group_norm.cuh (with Act = None): without passes they must still work. */
export function onnxNorms(): ModelSpec {
  const m = new Model();
  m.op('GroupNormalization', ['x', m.random([6], 1), m.random([6], 1)], { num_groups: int(2), epsilon: float(1e-5) }, 'y');
  m.op('InstanceNormalization', ['x', m.random([6], 1), m.random([6], 1)], { epsilon: float(1e-5) }, 'z');
  return m.spec(21, [{ name: 'x', dtype: 'float32', dims: [2, 6, 5, 7] }], ['y', 'z']);
}
