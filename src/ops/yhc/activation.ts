import { attrString } from '../../ir/attributes.js';
import { describeNode, type Node } from '../../ir/graph.js';
import { YhcError } from '../../errors.js';
import type { TensorData } from '../../tensor.js';

/**
 * Activations a yhc op can apply to its result (attribute `activation`), so that the
 * canonicalize pass can absorb `x * Sigmoid(x)` (SiLU) and friends into their producer.
 */
export const ACTIVATIONS = ['none', 'silu', 'relu', 'sigmoid'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

/** The activation attribute `name` of a yhc op (default none), checked. */
export function activationOf(node: Node, name = 'activation'): Activation {
  const a = attrString(node, name, 'none');
  if (!(ACTIVATIONS as readonly string[]).includes(a)) {
    throw new YhcError('UNSUPPORTED_ATTRIBUTE', `${describeNode(node)}: ${name} ${JSON.stringify(a)} is not one of ${ACTIVATIONS.join(', ')}`);
  }
  return a as Activation;
}

/** y = act(y), element by element (float64 math; the caller rounds into the dtype). */
export function applyActivation(data: TensorData, act: Activation): void {
  switch (act) {
    case 'none':
      return;
    case 'silu':
      for (let i = 0; i < data.length; i++) data[i] = data[i]! / (1 + Math.exp(-data[i]!));
      return;
    case 'relu':
      for (let i = 0; i < data.length; i++) if (data[i]! < 0) data[i] = 0;
      return;
    case 'sigmoid':
      for (let i = 0; i < data.length; i++) data[i] = 1 / (1 + Math.exp(-data[i]!));
      return;
  }
}

/** The device functor of each activation (templates/kernels/yhc_common.cuh, namespace yhc::act). */
export const ACTIVATION_FUNCTOR: Record<Activation, string> = {
  none: 'yhc::act::None',
  silu: 'yhc::act::Silu',
  relu: 'yhc::act::Relu',
  sigmoid: 'yhc::act::Sigmoid',
};
