import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { YhcError } from '../../src/errors.js';
import { onnx } from '../../src/onnx/proto.js';
import { loadModel } from '../../src/onnx/load.js';
import type { ModelSpec } from '../../src/onnx/write.js';
import { tensorBytes } from '../../src/tensor_bytes.js';
import { Tensor } from '../../src/tensor.js';
import { convBlockSpec, randomTensor, writeModel } from '../helpers/models.js';
import { fixture, tempDir } from '../helpers/paths.js';
import { int, ints } from '../helpers/attrs.js';

const { dir, cleanup } = tempDir('yhc-load-');
afterAll(cleanup);

/** Expect a YhcError with this code whose message matches. */
function expectError(fn: () => unknown, code: string, message: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected an error').toBeInstanceOf(YhcError);
  expect((caught as YhcError).code).toBe(code);
  expect((caught as YhcError).message).toMatch(message);
}

const identityModel = (extra: Partial<ModelSpec> = {}): ModelSpec => ({
  inputs: [{ name: 'x', dtype: 'float32', dims: [1, 4] }],
  outputs: [{ name: 'y', dtype: 'float32', dims: [1, 4] }],
  nodes: [{ op: 'Add', name: 'add', inputs: ['x', 'b'], outputs: ['y'] }],
  initializers: [{ name: 'b', tensor: Tensor.from('float32', [4], [1, 2, 3, 4]) }],
  ...extra,
});

describe('decoding', () => {
  it('rejects_truncated_file', () => {
    const bytes = readFileSync(fixture('tiny_head'));
    const path = join(dir, 'truncated.onnx');
    writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length / 2)));
    expectError(() => loadModel(path), 'ONNX_DECODE', /truncated\.onnx.*not a valid ONNX model/);
  });

  it('rejects_garbage', () => {
    const path = join(dir, 'garbage.onnx');
    writeFileSync(path, Buffer.from('this is not a protobuf at all \xff\xff\xff\xff'));
    expectError(() => loadModel(path), 'ONNX_DECODE', /garbage\.onnx/);
  });

  it('rejects_missing_file', () => {
    expectError(() => loadModel(join(dir, 'nope.onnx')), 'IO', /nope\.onnx.*ENOENT/);
  });

  it('loads_every_fixture_with_static_shapes', () => {
    for (const name of ['v10head_n', 'v10head_n_unfused', 'improved_head_s', 'tiny_head', 'tiny_head_raw', 'v10head_n_dynbatch']) {
      const g = loadModel(fixture(name));
      expect(g.outputs.length).toBe(1);
      for (const v of g.values()) expect(v.shape.every((d) => Number.isInteger(d) && d >= 0)).toBe(true);
      // Shape arithmetic is folded away at import.
      expect(g.nodes.some((n) => n.opType === 'Shape' || n.opType === 'ConstantOfShape')).toBe(false);
    }
  });

  it('binds_the_symbolic_batch', () => {
    const g2 = loadModel(fixture('v10head_n_dynbatch'), { batch: 2 });
    expect(g2.inputs.map((v) => v.shape[0])).toEqual([2, 2, 2]);
    expect(g2.outputs[0]!.shape).toEqual([2, 300, 6]);
    expect(loadModel(fixture('v10head_n_dynbatch')).outputs[0]!.shape).toEqual([1, 300, 6]);
  });

  it('rebatches_a_static_batch_1_model', () => {
    // tiny_head is exported with a static batch 1 (hard-coded GroupNorm/decoder Reshapes): see test/onnx/rebatch.test.ts.
    const g = loadModel(fixture('tiny_head'), { batch: 2 });
    expect(g.inputs.map((v) => v.shape[0])).toEqual([2, 2, 2]);
    expect(g.outputs[0]!.shape).toEqual([2, 20, 6]);
    expect(g.staticBatch).toBe(1);
    expect(loadModel(fixture('v10head_n_dynbatch'), { batch: 2 }).staticBatch).toBeNull();
  });
});

describe('validation', () => {
  it('rejects_unknown_op_naming_node_op_domain_opset', () => {
    const path = writeModel(
      dir,
      'unknown_op.onnx',
      identityModel({
        nodes: [{ op: 'FancyAttention', name: 'attn/0', inputs: ['x', 'b'], outputs: ['y'] }],
      }),
    );
    expectError(() => loadModel(path), 'UNSUPPORTED_OP', /node "attn\/0" \(FancyAttention\).*"FancyAttention".*"ai\.onnx".*opset 17/);
  });

  it('rejects_op_of_unknown_domain', () => {
    const path = writeModel(
      dir,
      'custom_domain.onnx',
      identityModel({
        extraOpsets: { 'com.example': 1 },
        nodes: [{ op: 'Add', domain: 'com.example', name: 'add', inputs: ['x', 'b'], outputs: ['y'] }],
      }),
    );
    expectError(() => loadModel(path), 'UNSUPPORTED_OP', /"com\.example"/);
  });

  it('rejects_dangling_input', () => {
    const path = writeModel(
      dir,
      'dangling.onnx',
      identityModel({
        nodes: [{ op: 'Add', name: 'add', inputs: ['x', 'nowhere'], outputs: ['y'] }],
      }),
    );
    expectError(() => loadModel(path), 'DANGLING_INPUT', /node "add" \(Add\) reads "nowhere"/);
  });

  it('rejects_cycle', () => {
    const path = writeModel(
      dir,
      'cycle.onnx',
      identityModel({
        nodes: [
          { op: 'Add', name: 'a', inputs: ['x', 'c'], outputs: ['b2'] },
          { op: 'Add', name: 'b', inputs: ['b2', 'b'], outputs: ['c'] },
          { op: 'Add', name: 'out', inputs: ['c', 'b'], outputs: ['y'] },
        ],
      }),
    );
    expectError(() => loadModel(path), 'GRAPH_CYCLE', /cycle through node "a"/);
  });

  it('rejects_redefined_value', () => {
    const path = writeModel(
      dir,
      'ssa.onnx',
      identityModel({
        nodes: [
          { op: 'Add', name: 'a', inputs: ['x', 'b'], outputs: ['y'] },
          { op: 'Add', name: 'b2', inputs: ['x', 'b'], outputs: ['y'] },
        ],
      }),
    );
    expectError(() => loadModel(path), 'ONNX_INVALID', /redefines the value "y"/);
  });

  it('rejects_old_opset', () => {
    const path = writeModel(dir, 'opset11.onnx', identityModel({ opset: 11 }));
    expectError(() => loadModel(path), 'UNSUPPORTED_OPSET', /opset 11; yhc supports opsets 13 to/);
  });

  it('rejects_huge_input_dimension_without_allocating', () => {
    const path = writeModel(
      dir,
      'huge.onnx',
      identityModel({
        inputs: [{ name: 'x', dtype: 'float32', dims: [1, 3, 2000000000, 4] }],
      }),
    );
    const started = performance.now();
    expectError(() => loadModel(path), 'TENSOR_TOO_LARGE', /input "x" with shape \[1, 3, 2000000000, 4\] is larger than the limit/);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('rejects_initializer_whose_bytes_do_not_match_dims', () => {
    const spec = identityModel();
    const path = writeModel(dir, 'short_init.onnx', {
      ...spec,
      initializers: [{ name: 'b', tensor: Tensor.from('float32', [4], [1, 2, 3, 4]) }],
    });
    // Re-encode with dims claiming 5 elements but 16 bytes of data.
    const model = readFileSync(path);
    const m = onnx.ModelProto.decode(model);
    m.graph!.initializer![0]!.dims = [5];
    writeFileSync(path, onnx.ModelProto.encode(m).finish());
    expectError(() => loadModel(path), 'TENSOR_SIZE', /initializer "b" has 16 bytes of raw_data, but shape \[5\] of float32 needs 20/);
  });

  it('rejects_initializer_dims_that_overflow', () => {
    const path = writeModel(dir, 'overflow.onnx', identityModel());
    const m = onnx.ModelProto.decode(readFileSync(path));
    m.graph!.initializer![0]!.dims = [2 ** 40, 2 ** 40, 2 ** 40];
    writeFileSync(path, onnx.ModelProto.encode(m).finish());
    expectError(() => loadModel(path), 'TENSOR_TOO_LARGE', /initializer "b"/);
  });

  it('rejects_unsupported_dtype', () => {
    const path = writeModel(dir, 'string_input.onnx', identityModel());
    const m = onnx.ModelProto.decode(readFileSync(path));
    m.graph!.input![0]!.type!.tensorType!.elemType = 8; // STRING
    writeFileSync(path, onnx.ModelProto.encode(m).finish());
    expectError(() => loadModel(path), 'UNSUPPORTED_DTYPE', /input "x" has data type STRING/);
  });

  it('rejects_symbolic_non_batch_dimension', () => {
    const path = writeModel(
      dir,
      'sym_hw.onnx',
      identityModel({
        inputs: [{ name: 'x', dtype: 'float32', dims: [1, 'width'] }],
      }),
    );
    expectError(() => loadModel(path), 'DYNAMIC_SHAPE', /input "x" dimension 1 is symbolic/);
  });
});

describe('initializer forms', () => {
  it('decodes_typed_fields_float16_and_int64', () => {
    const path = writeModel(dir, 'typed.onnx', identityModel());
    const m = onnx.ModelProto.decode(readFileSync(path));
    const b = m.graph!.initializer![0]!;
    b.rawData = new Uint8Array();
    b.floatData = [0.5, -1, 2, 1e-3];
    // float16 initializer in int32_data: 1.0 = 0x3c00, -2.0 = 0xc000
    m.graph!.initializer!.push(onnx.TensorProto.create({ name: 'h', dataType: 10, dims: [2], int32Data: [0x3c00, 0xc000] }));
    m.graph!.initializer!.push(onnx.TensorProto.create({ name: 'shape', dataType: 7, dims: [2], int64Data: [1, 4] }));
    m.graph!.node!.push(onnx.NodeProto.create({ opType: 'Reshape', name: 'r', input: ['y0', 'shape'], output: ['y'] }));
    m.graph!.node![0]!.output = ['y0'];
    writeFileSync(path, onnx.ModelProto.encode(m).finish());
    const g = loadModel(path);
    const add = g.nodes.find((n) => n.opType === 'Add')!;
    expect(Array.from(add.inputs[1]!.constant!.data)).toEqual([0.5, -1, 2, Math.fround(1e-3)]);
    expect(g.nodes.map((n) => n.opType)).toEqual(['Add', 'Reshape']);
  });

  it('folds_constant_nodes_and_shape_chains', () => {
    const path = writeModel(dir, 'constants.onnx', {
      inputs: [{ name: 'x', dtype: 'float32', dims: [2, 3, 4] }],
      outputs: [{ name: 'y', dtype: 'float32', dims: [2, 12] }],
      nodes: [
        { op: 'Shape', name: 's', inputs: ['x'], outputs: ['shape'] },
        { op: 'Constant', name: 'c0', inputs: [], outputs: ['zero'], attrs: { value_ints: ints([0]) } },
        { op: 'Gather', name: 'g', inputs: ['shape', 'zero'], outputs: ['batch'], attrs: { axis: int(0) } },
        { op: 'Constant', name: 'c1', inputs: [], outputs: ['minus1'], attrs: { value_ints: ints([-1]) } },
        { op: 'Concat', name: 'cat', inputs: ['batch', 'minus1'], outputs: ['newshape'], attrs: { axis: int(0) } },
        { op: 'Reshape', name: 'r', inputs: ['x', 'newshape'], outputs: ['y'] },
      ],
    });
    const g = loadModel(path);
    expect(g.nodes.map((n) => n.opType)).toEqual(['Reshape']);
    expect(Array.from(g.nodes[0]!.inputs[1]!.constant!.data)).toEqual([2, -1]);
    expect(g.outputs[0]!.shape).toEqual([2, 12]);
  });
});

describe('constants', () => {
  it('keeps_int64_max_from_value_ints', () => {
    // torch writes `x[:, 1:]` as Slice(ends = INT64_MAX) through a Constant's value_ints.
    const path = writeModel(dir, 'int64max.onnx', {
      inputs: [{ name: 'x', dtype: 'float32', dims: [2, 5] }],
      outputs: [{ name: 'y', dtype: 'float32', dims: [2, 4] }],
      nodes: [
        { op: 'Constant', name: 's', inputs: [], outputs: ['starts'], attrs: { value_ints: ints([1]) } },
        { op: 'Constant', name: 'e', inputs: [], outputs: ['ends'], attrs: { value_ints: ints([Number.MAX_SAFE_INTEGER * 1024]) } },
        { op: 'Constant', name: 'a', inputs: [], outputs: ['axes'], attrs: { value_int: int(1) } },
        { op: 'Unsqueeze', name: 'u', inputs: ['axes', 'zero'], outputs: ['axes1'] },
        { op: 'Slice', name: 'slice', inputs: ['x', 'starts', 'ends', 'axes1'], outputs: ['y'] },
      ],
      initializers: [{ name: 'zero', tensor: Tensor.from('int64', [1], [0]) }],
    });
    const g = loadModel(path);
    expect(g.outputs[0]!.shape).toEqual([2, 4]);
  });
});

describe('external data', () => {
  const weights = randomTensor([4, 4, 3, 3], 3);
  const bytes = tensorBytes(weights);

  function externalModel(sub: string, location: string, offset?: number, length?: number): string {
    const d = join(dir, sub);
    mkdirSync(d, { recursive: true });
    const spec = convBlockSpec();
    return writeModel(d, 'model.onnx', {
      ...spec,
      initializers: [
        { name: 'w', tensor: weights, external: { location, ...(offset !== undefined ? { offset } : {}), ...(length !== undefined ? { length } : {}) } },
      ],
    });
  }

  it('reads_external_data_beside_the_model', () => {
    const path = externalModel('ext_ok', 'model.onnx.data', 16, bytes.length);
    writeFileSync(join(dir, 'ext_ok', 'model.onnx.data'), Buffer.concat([Buffer.alloc(16), bytes]));
    const g = loadModel(path);
    expect(Array.from(g.nodes[0]!.inputs[1]!.constant!.data)).toEqual(Array.from(weights.data));
  });

  it('rejects_location_with_dotdot', () => {
    writeFileSync(join(dir, 'secret.bin'), bytes);
    const path = externalModel('ext_dotdot', '../secret.bin');
    expectError(() => loadModel(path), 'EXTERNAL_DATA', /"\.\.\/secret\.bin" climbs out of the model directory/);
  });

  it('rejects_absolute_location', () => {
    const path = externalModel('ext_abs', join(dir, 'secret.bin'));
    expectError(() => loadModel(path), 'EXTERNAL_DATA', /is an absolute path/);
  });

  it('rejects_symlink_location', () => {
    const path = externalModel('ext_link', 'link.bin');
    symlinkSync(join(dir, 'secret.bin'), join(dir, 'ext_link', 'link.bin'));
    expectError(() => loadModel(path), 'EXTERNAL_DATA', /"link\.bin" is a symbolic link/);
  });

  it('rejects_symlinked_directory_on_the_way', () => {
    mkdirSync(join(dir, 'outside'), { recursive: true });
    writeFileSync(join(dir, 'outside', 'w.bin'), bytes);
    const path = externalModel('ext_dirlink', 'sub/w.bin');
    symlinkSync(join(dir, 'outside'), join(dir, 'ext_dirlink', 'sub'));
    expectError(() => loadModel(path), 'EXTERNAL_DATA', /resolves outside the model directory/);
  });

  it('rejects_range_past_end_of_file', () => {
    const path = externalModel('ext_range', 'data.bin', 8, bytes.length);
    writeFileSync(join(dir, 'ext_range', 'data.bin'), bytes);
    expectError(() => loadModel(path), 'EXTERNAL_DATA', /range \[8, \d+\) lies outside "data\.bin"/);
  });

  it('rejects_length_that_does_not_match_the_tensor', () => {
    const path = externalModel('ext_len', 'data.bin', 0, 12);
    writeFileSync(join(dir, 'ext_len', 'data.bin'), bytes);
    expectError(() => loadModel(path), 'TENSOR_SIZE', /holds 12 bytes/);
  });

  it('rejects_directory_as_location', () => {
    const path = externalModel('ext_dir', 'adir');
    mkdirSync(join(dir, 'ext_dir', 'adir'));
    expectError(() => loadModel(path), 'EXTERNAL_DATA', /is not a regular file/);
  });
});
