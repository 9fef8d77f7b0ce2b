import { afterAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_MESSAGE_CHARS } from '../../src/errors.js';
import { onnx, type onnxTypes } from '../../src/onnx/proto.js';
import { encodeModel, modelProto, type ModelSpec } from '../../src/onnx/write.js';
import { Tensor } from '../../src/tensor.js';
import { int, ints } from '../helpers/attrs.js';
import { tempDir } from '../helpers/paths.js';
import { yhcHere } from './run_in_process.js';

/**
 * Models with absurd sizes (issue 12): each ends in success or one short typed error line,
 * within seconds, without a stack overflow or megabytes on stderr.
 */
const { dir, cleanup } = tempDir('yhc-adversarial-');
afterAll(cleanup);

const f32 = (name: string, dims: number[]) => ({ name, dtype: 'float32' as const, dims });
const MILLION = 1_000_000;

function write(name: string, spec: ModelSpec | Uint8Array): string {
  const path = join(dir, `${name}.onnx`);
  writeFileSync(path, spec instanceof Uint8Array ? spec : encodeModel(spec));
  return path;
}

/** `yhc compile --no-build`: the whole front end, passes, plan and emission. */
async function compile(name: string, spec: ModelSpec | Uint8Array) {
  const path = write(name, spec);
  return yhcHere('compile', path, '--no-build', '--quiet', '-o', join(dir, `${name}.out`));
}

/** The one line of a failed compile, checked for its shape and length. */
async function failure(name: string, spec: ModelSpec | Uint8Array): Promise<string> {
  const r = await compile(name, spec);
  expect(r.status).toBe(2);
  expect(r.stderr.endsWith('\n')).toBe(true);
  const line = r.stderr.slice(0, -1);
  expect(line).not.toContain('\n');
  expect(line.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS + 'yhc: error[UNSUPPORTED_ATTRIBUTE]: '.length);
  return line;
}

/** If nodes nested `depth` deep through their then branches. */
function nestedIf(depth: number): Uint8Array {
  const m = modelProto({ inputs: [f32('x', [1]), { name: 'c', dtype: 'bool', dims: [] }], outputs: [f32('y', [1])], nodes: [] });
  const leaf: onnxTypes.IGraphProto = { name: 'leaf', node: [{ opType: 'Identity', input: ['x'], output: ['z0'] }], output: [{ name: 'z0' }] };
  const ifNode = (g: onnxTypes.IGraphProto, out: string): onnxTypes.INodeProto => ({
    opType: 'If',
    name: out,
    input: ['c'],
    output: [out],
    attribute: [
      { name: 'then_branch', type: onnx.AttributeProto.AttributeType.GRAPH, g },
      { name: 'else_branch', type: onnx.AttributeProto.AttributeType.GRAPH, g: leaf },
    ],
  });
  let g = leaf;
  for (let d = 1; d < depth; d++) g = { name: `g${d}`, node: [ifNode(g, `z${d}`)], output: [{ name: `z${d}` }] };
  m.graph!.node = [ifNode(g, 'y')];
  return onnx.ModelProto.encode(m).finish();
}

describe('models of adversarial size', () => {
  it('name_a_reshape_to_a_million_element_shape_with_the_list_elided', async () => {
    const shape = Tensor.from('int64', [MILLION], new Array<number>(MILLION).fill(1));
    const line = await failure('reshape', {
      inputs: [f32('x', [1, 4])],
      outputs: [f32('y', [1, 4])],
      initializers: [{ name: 's', tensor: shape }],
      nodes: [{ op: 'Reshape', name: 'r', inputs: ['x', 's'], outputs: ['y'] }],
    });
    expect(line).toBe('yhc: error[SHAPE]: node "r" (Reshape): cannot reshape [1,4] (4 elements) to [1,1,1,1,1,1,…,1,1] (1000000 values)');
  });

  it('name_a_transpose_with_a_million_entry_perm_with_the_list_elided', async () => {
    const perm = Array.from({ length: MILLION }, (_, i) => i);
    const line = await failure('transpose', {
      inputs: [f32('x', [1, 4])],
      outputs: [f32('y', [4, 1])],
      nodes: [{ op: 'Transpose', name: 't', inputs: ['x'], outputs: ['y'], attrs: { perm: ints(perm) } }],
    });
    expect(line).toBe('yhc: error[SHAPE]: node "t" (Transpose): perm [0,1,2,3,4,5,…,999998,999999] (1000000 values) has 1000000 entries for rank 2');
  });

  it('reject_a_conv_attribute_with_a_million_ints_in_one_line', async () => {
    const line = await failure('pads', {
      inputs: [f32('x', [1, 1, 4, 4])],
      outputs: [f32('y', [1, 1, 4, 4])],
      initializers: [{ name: 'w', tensor: Tensor.from('float32', [1, 1, 1, 1], [1]) }],
      nodes: [{ op: 'Conv', name: 'c', inputs: ['x', 'w'], outputs: ['y'], attrs: { pads: ints(new Array<number>(MILLION).fill(0)) } }],
    });
    expect(line).toBe('yhc: error[SHAPE]: node "c" (Conv): attribute "pads" has 1000000 values for 2 spatial dims');
  });

  it('reject_control_flow_nested_a_hundred_deep_without_recursing_into_it', async () => {
    const line = await failure('nested_if', nestedIf(100));
    expect(line).toBe('yhc: error[UNSUPPORTED_ATTRIBUTE]: node "y" (If), attribute "then_branch" is a subgraph; yhc does not support control flow');
  });

  it('compile_a_ten_thousand_way_concat', async () => {
    const k = 10_000;
    const r = await compile('concat', {
      inputs: [f32('x', [1, 2])],
      outputs: [f32('y', [1, 2 * k])],
      nodes: [{ op: 'Concat', name: 'cat', inputs: new Array<string>(k).fill('x'), outputs: ['y'], attrs: { axis: int(1) } }],
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('give_a_one_line_error_for_a_node_name_of_a_megabyte', async () => {
    const name = 'n'.repeat(MILLION);
    const line = await failure('long_name', {
      inputs: [f32('x', [1, 4])],
      outputs: [f32('y', [1, 4])],
      nodes: [{ op: 'NoSuchOp', name, inputs: ['x'], outputs: ['y'] }],
    });
    expect(line.startsWith('yhc: error[UNSUPPORTED_OP]: ')).toBe(true);
  });
});
