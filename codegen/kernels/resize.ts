import type { Node } from '../../src/ir/graph.js';
import { resizeIndexMaps } from '../../src/ops/resize.js';
import { numel, stridesOf, Tensor } from '../../src/tensor.js';
import {
  boolParam,
  elementType,
  imageMajorThreads,
  oneThreadPerElement,
  int64Array,
  intParam,
  read,
  typeParam,
  write,
  type KernelSpec,
} from '../kernel_spec.js';
import type { LoweringContext } from './lowering.js';

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** num/den (lowest terms) when map[c] = ⌊c · num / den⌋ for every c, with num/den = in/out. */
function rationalMap(map: Int32Array, lenIn: number): [number, number] | null {
  const g = gcd(lenIn, map.length) || 1;
  const [num, den] = [lenIn / g, map.length / g];
  return map.every((src, c) => src === Math.floor((c * num) / den)) ? [num, den] : null;
}

/**
 * Resize (nearest) → resize_nearest (templates/kernels/resize_nearest.cuh). The index map of
 * every axis comes from the interpreter (src/ops/resize.ts: scales or sizes, coordinate
 * transformation, nearest mode, clamping); when each is ⌊c · in / out⌋ — asymmetric + floor
 * upsampling by whole factors, identity axes — the kernel computes it, otherwise it reads the
 * maps as a table of int32 constants. Other modes (linear, cubic) fail in the interpreter's
 * checks with an error naming the node.
 */
export function resizeKernel(node: Node, ctx: LoweringContext): KernelSpec {
  const x = node.input(0);
  const y = node.outputs[0]!;
  const maps = resizeIndexMaps(node, ctx.opset, x.shape);
  const rationals = maps.map((m, d) => rationalMap(m, x.shape[d]!));
  const useTable = rationals.some((r) => r === null);
  const begins = maps.map((_, d) => maps.slice(0, d).reduce((n, m) => n + m.length, 0));
  const table = useTable
    ? ctx.constant(
        Tensor.from(
          'int32',
          [begins.at(-1)! + maps.at(-1)!.length],
          maps.flatMap((m) => [...m]),
        ),
      )
    : null;
  // Image-major when the batch axis is copied as is; otherwise one fixed grid over every element.
  const imageMajor = x.shape.length > 1 && y.shape[0]! > 0 && maps[0]!.every((src, c) => src === c);
  const perImage = imageMajor ? numel(y.shape) / y.shape[0]! : numel(y.shape);
  const rank = x.shape.length;
  return {
    family: 'resize',
    template: 'resize_nearest.cuh',
    kernel: 'yhc::resize_nearest',
    params: [typeParam('T', elementType(x)), intParam('per_image', perImage), intParam('rank', rank), boolParam('use_table', useTable)],
    tensors: [read('x', x), write('y', y), ...(table ? [read('table', table)] : [])],
    locals: [
      { cType: `yhc::Dims<${rank}>`, name: 'out_dims', init: int64Array(y.shape) },
      { cType: `yhc::Strides<${rank}>`, name: 'in_strides', init: int64Array(stridesOf(x.shape)) },
      { cType: `yhc::Dims<${rank}>`, name: 'num', init: int64Array(rationals.map((r) => r?.[0] ?? 0)) },
      { cType: `yhc::Dims<${rank}>`, name: 'den', init: int64Array(rationals.map((r) => r?.[1] ?? 1)) },
      { cType: `yhc::Dims<${rank}>`, name: 'table_begin', init: int64Array(begins) },
    ],
    callArgs: ['x', 'y', 'out_dims', 'in_strides', 'num', 'den', table ? 'table' : 'nullptr', 'table_begin'],
    ...(imageMajor ? imageMajorThreads(y.shape[0]!, perImage) : { launch: oneThreadPerElement(perImage) }),
    nodes: [node],
    flops: 0,
    halfStorage: true,
  };
}
