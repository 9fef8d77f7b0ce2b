import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeModel, type ModelSpec, type NodeSpec } from '../../src/onnx/write.js';
import { Tensor } from '../../src/tensor.js';
import { SeededRandom } from '../../src/golden/random.js';
import { ints } from './attrs.js';

export function randomTensor(shape: number[], seed: number, scale = 1): Tensor {
  const rng = new SeededRandom(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return Tensor.from(
    'float32',
    shape,
    Array.from({ length: n }, () => rng.normal() * scale),
  );
}

/**
 * x[1,C,H,W] → Conv3x3(pad 1) → Sigmoid → Mul(x) → y: a small SiLU conv block, with every
 * name replaceable (hostile-name tests use it).
 */
export function convBlockSpec(
  names: Partial<Record<'input' | 'weight' | 'conv' | 'convOut' | 'sig' | 'sigOut' | 'mul' | 'output', string>> = {},
  c = 4,
  hw = 6,
): ModelSpec {
  const n = { input: 'x', weight: 'w', conv: 'conv', convOut: 't0', sig: 'sig', sigOut: 't1', mul: 'mul', output: 'y', ...names };
  const nodes: NodeSpec[] = [
    { op: 'Conv', name: n.conv, inputs: [n.input, n.weight], outputs: [n.convOut], attrs: { pads: ints([1, 1, 1, 1]), kernel_shape: ints([3, 3]) } },
    { op: 'Sigmoid', name: n.sig, inputs: [n.convOut], outputs: [n.sigOut] },
    { op: 'Mul', name: n.mul, inputs: [n.convOut, n.sigOut], outputs: [n.output] },
  ];
  return {
    inputs: [{ name: n.input, dtype: 'float32', dims: [1, c, hw, hw] }],
    outputs: [{ name: n.output, dtype: 'float32', dims: [1, c, hw, hw] }],
    initializers: [{ name: n.weight, tensor: randomTensor([c, c, 3, 3], 7, 0.3) }],
    nodes,
  };
}

export function writeModel(dir: string, file: string, spec: ModelSpec): string {
  const path = join(dir, file);
  writeFileSync(path, encodeModel(spec));
  return path;
}
