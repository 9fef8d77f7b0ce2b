import type { Node } from '../../ir/graph.js';
import { numel } from '../../tensor.js';

/** Data movement does no arithmetic. */
export const noFlops = (): number => 0;

/** One operation per element of input 0 (reductions, normalizations per pass). */
export function perInputElement(node: Node, passes = 1): number {
  const x = node.inputs[0];
  return x ? passes * numel(x.shape) : 0;
}
