import type { Graph, Node } from '../../src/ir/graph.js';
import { kernelShapeAttr, windowGeometry } from '../../src/ops/util/window.js';
import { numel } from '../../src/tensor.js';
import { THREADS_PER_BLOCK, elementType, intParam, read, typeParam, write, type KernelSpec } from '../kernel_spec.js';

/**
 * SPPF (YOLOv5–YOLO11): three chained MaxPools of 5x5, stride 1, pad 2, whose four tensors a
 * Concat joins. One sppf kernel (templates/kernels/sppf.cuh) computes the three pools from one
 * staged tile — the 5-, 9- and 13-window maxima — and, with the Concat planned as a view
 * (codegen/views.ts), writes them straight into the concat's buffer.
 */

/** A MaxPool that SPPF chains: 4-D float or 8-bit (QDQ models, max compared in float: exact), 5x5, stride 1, dilation 1, pads 2, same size, no Indices. */
function isSppfPool(node: Node): boolean {
  if (node.opType !== 'MaxPool' || node.domain !== '' || node.outputs.length !== 1) return false;
  const x = node.input(0);
  const y = node.outputs[0]!;
  if (x.shape.length !== 4 || !['float32', 'float16', 'int8', 'uint8'].includes(x.dtype)) return false;
  if (y.shape.some((d, i) => d !== x.shape[i])) return false;
  const g = windowGeometry(node, x.shape.slice(2), kernelShapeAttr(node, null));
  const all = (a: readonly number[], v: number) => a.length === 2 && a.every((d) => d === v);
  return all(g.kernel, 5) && all(g.strides, 1) && all(g.dilations, 1) && all(g.padsBegin, 2);
}

/**
 * SPPF chains by their first pool: pool → [pool, next, last], each pool's output read by the
 * next. A later pool of a chain maps to null (the first pool's kernel computes it).
 */
export function sppfChains(graph: Graph): Map<Node, readonly Node[] | null> {
  const consumers = graph.consumers();
  const chains = new Map<Node, readonly Node[] | null>();
  const next = (n: Node) => (consumers.get(n.outputs[0]!) ?? []).find((c) => isSppfPool(c) && c.input(0) === n.outputs[0]);
  for (const first of graph.nodes) {
    if (chains.has(first) || !isSppfPool(first)) continue;
    const second = next(first);
    const third = second && next(second);
    if (!second || !third || chains.has(second) || chains.has(third)) continue;
    chains.set(first, [first, second, third]);
    chains.set(second, null);
    chains.set(third, null);
  }
  return chains;
}

/** Output tile of one block: up to 16 rows of up to 32 pixels (a 20x20 plane is two tiles). */
const TILE_H = 16;
const TILE_W = 32;

export function sppfKernel(chain: readonly Node[]): KernelSpec {
  const x = chain[0]!.input(0);
  const [y5, y9, y13] = chain.map((n) => n.outputs[0]!) as [typeof x, typeof x, typeof x];
  const [batch, channels, h, w] = x.shape as [number, number, number, number];
  const tileH = Math.min(h, TILE_H);
  const tileW = Math.min(w, TILE_W);
  const tilesY = Math.ceil(h / tileH);
  const tilesX = Math.ceil(w / tileW);
  const imageBlocks = channels * tilesY * tilesX;
  const rows = tileH + 12;
  const sharedFloats = rows * (tileW + 12) + 3 * rows * tileW;
  return {
    family: 'sppf',
    template: 'sppf.cuh',
    kernel: 'yhc::sppf',
    blockFunction: 'yhc::sppf_block',
    staticSharedBytes: 4 * sharedFloats,
    params: [
      typeParam('T', elementType(x)),
      intParam('channels', channels),
      intParam('h', h),
      intParam('w', w),
      intParam('tile_h', tileH),
      intParam('tile_w', tileW),
      intParam('tiles_x', tilesX),
      intParam('tiles_y', tilesY),
    ],
    tensors: [read('x', x), write('y5', y5), write('y9', y9), write('y13', y13)],
    callArgs: ['x', 'y5', 'y9', 'y13'],
    launch: { grid: batch * imageBlocks, block: THREADS_PER_BLOCK, sharedBytes: 0, barriers: true },
    imageBlocks,
    nodes: chain,
    // 5 + 9 + 13 comparisons a row, and as many a column, per output pixel of the three.
    flops: numel(x.shape) * 2 * 27,
    halfStorage: true,
  };
}
