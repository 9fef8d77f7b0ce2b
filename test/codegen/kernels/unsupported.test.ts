import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileModel } from '../../../src/compile.js';
import { YhcError } from '../../../src/errors.js';
import { Tensor } from '../../../src/tensor.js';
import { GraphBuilder } from '../../helpers/graph_builder.js';
import { ints } from '../../helpers/attrs.js';
import { writeModel } from '../../helpers/models.js';
import { tempDir } from '../../helpers/paths.js';

/** An op without a kernel, or a mode a kernel does not take, is a one-line error naming the node. */
const { dir, cleanup } = tempDir('yhc-unsupported-');
afterAll(cleanup);

async function compileError(name: string, b: GraphBuilder): Promise<YhcError> {
  const model = writeModel(dir, `${name}.onnx`, b.spec());
  const e = await compileModel(model, { outDir: join(dir, name), build: false, passes: false }).catch((err: unknown) => err);
  expect(e).toBeInstanceOf(YhcError);
  return e as YhcError;
}

describe('ops and modes without a kernel', () => {
  it('an op with no kernel fails with CODEGEN naming the node', async () => {
    const b = new GraphBuilder(18);
    b.output(b.op('Round', [b.input('x', 'float32', [1, 4])], {}, { name: 'the_round' }));
    const e = await compileError('round', b);
    expect(e.code).toBe('CODEGEN');
    expect(e.message).toBe('node "the_round" (Round): yhc has no CUDA kernel for this op yet');
  });

  it('Resize in linear mode fails naming the node', async () => {
    const b = new GraphBuilder(18);
    const scales = b.constant(Tensor.from('float32', [4], [1, 1, 2, 2]));
    b.output(b.op('Resize', [b.input('x', 'float32', [1, 2, 3, 3]), '', scales], { mode: { type: 'string', value: 'linear' } }, { name: 'the_upsample' }));
    const e = await compileError('resize_linear', b);
    expect(e.message).toMatch(/node "the_upsample" \(Resize\).*mode "linear" is not supported/);
  });

  it('MaxPool over 4 spatial dims fails with CODEGEN naming the node', async () => {
    const b = new GraphBuilder(18);
    b.output(b.op('MaxPool', [b.input('x', 'float32', [1, 1, 3, 3, 3, 3])], { kernel_shape: ints([2, 2, 2, 2]) }, { name: 'the_pool' }));
    const e = await compileError('pool_4d', b);
    expect(e.code).toBe('CODEGEN');
    expect(e.message).toMatch(/^node "the_pool" \(MaxPool\): the MaxPool kernel pools 1 to 3 spatial dims/);
  });
});
