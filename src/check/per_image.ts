import { YhcError, q } from '../errors.js';
import type { TypedArray } from '../typed_arrays.js';
import type { ReferenceTensor } from '../golden/check_output.js';
import type { ReferenceInput } from './oracle.js';

/**
 * The reference of a re-batched static export (`--batch N` on a batch-1 model): onnxruntime
 * cannot run the original model on N images at once, so `run` gets each image alone (every
 * input's image b, shape [1, ...]) and the outputs are stacked back into [N, ...].
 */
export async function perImageReference(
  feeds: Record<string, ReferenceInput>,
  batch: number,
  run: (feeds: Record<string, ReferenceInput>) => Promise<Record<string, ReferenceTensor>>,
): Promise<Record<string, ReferenceTensor>> {
  const images: Record<string, ReferenceTensor>[] = [];
  for (let b = 0; b < batch; b++) {
    const one: Record<string, ReferenceInput> = {};
    for (const [name, f] of Object.entries(feeds)) {
      const per = f.data.length / batch;
      one[name] = { dtype: f.dtype, shape: [1, ...f.shape.slice(1)], data: f.data.subarray(b * per, (b + 1) * per) as TypedArray };
    }
    images.push(await run(one));
  }
  const out: Record<string, ReferenceTensor> = {};
  for (const [name, first] of Object.entries(images[0]!)) {
    if (first.dims[0] !== 1) throw new YhcError('RUNTIME', `onnxruntime output ${q(name)} of one image has shape [${first.dims.join(', ')}], not [1, ...]`);
    const Ctor = first.data.constructor as new (n: number) => TypedArray;
    const data = new Ctor(first.data.length * batch);
    images.forEach((img, b) => (data as Float32Array).set(img[name]!.data as Float32Array, b * first.data.length));
    out[name] = { dims: [batch, ...first.dims.slice(1)], data };
  }
  return out;
}
