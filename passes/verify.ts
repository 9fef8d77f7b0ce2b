import { checkOutput, type OutputCheck } from '../src/golden/check_output.js';
import { randomInputs } from '../src/golden/random_inputs.js';
import type { Graph } from '../src/ir/graph.js';
import { tensorInfo } from '../src/ir/tensor_info.js';
import { runGraph } from '../src/interp/interpreter.js';
import { tensorFromTypedArray, typedArrayOf } from '../src/typed_arrays.js';
import type { Tensor } from '../src/tensor.js';

/**
 * Translation validation: the interpreter runs the graph before and after a pass on the same
 * seeded random inputs, and every output must agree by the golden rules (dense within 1e-4 of
 * max(1, max|ref|); detections row by row, near-ties and cut-off rows excepted).
 */
export function seededGraphInputs(graph: Graph, seed: number): Record<string, Tensor> {
  const infos = graph.inputs.map(tensorInfo);
  const arrays = randomInputs(infos, seed);
  return Object.fromEntries(infos.map((i) => [i.name, tensorFromTypedArray(i.dtype as Tensor['dtype'], i.shape, arrays[i.name]!)]));
}

export function evaluate(graph: Graph, inputs: Record<string, Tensor>): Record<string, Tensor> {
  return runGraph(graph, inputs);
}

/** Compare the outputs of two stages of the same graph (outputs matched by position). */
export function compareStages(graph: Graph, before: Record<string, Tensor>, after: Record<string, Tensor>, beforeNames: readonly string[]): OutputCheck[] {
  return graph.outputs.map((v, i) => {
    const got = after[v.name]!;
    const ref = before[beforeNames[i]!]!;
    return checkOutput(tensorInfo(v), typedArrayOf(got), { dims: ref.shape, data: typedArrayOf(ref) });
  });
}
