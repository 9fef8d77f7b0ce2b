import type { StridedView } from '../../src/ops/util/strided.js';

/**
 * The strided views of src/ops/util/strided.ts as kernel arguments: rank-0 views become one
 * unit dim (C++ has no zero-length arrays). The device side is `yhc::offset_of` in
 * templates/kernels/yhc_common.cuh.
 */
export function kernelView(view: StridedView): StridedView {
  return view.shape.length > 0 ? view : { shape: [1], strides: [0], base: view.base };
}
