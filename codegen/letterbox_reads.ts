import type { Graph, Node, Value } from '../src/ir/graph.js';
import { YHC_DOMAIN } from '../src/ir/graph.js';
import { convGroups } from '../src/ops/conv.js';
import { RESIDUAL } from '../src/ops/yhc/conv.js';
import { letterboxAttrs, type ChannelOrder } from '../src/ops/yhc/letterbox.js';
import type { Handoffs } from './norm_handoff.js';

/**
 * The letterbox at no memory cost (--input-format rgb8|bgr8, passes/letterbox_input.ts). The
 * ai.yhc.Letterbox node's output — the float [B, 3, S, S] network input — is read only by the
 * stem conv; instead of a kernel writing it and the conv reading it back, the conv reads the
 * uint8 frames and computes each letterboxed pixel as it loads it (conv2d_tiled_letterbox,
 * LetterboxInput in templates/kernels/letterbox.cuh), like a nearest x2 Resize read through by
 * its conv (upsample_views.ts). The Letterbox runs no kernel and its output has no storage.
 *
 * Only where every reader is a dense conv reading it as its input, with no residual and no
 * statistics handed across; otherwise the Letterbox runs as its own kernel (kernels/letterbox.ts).
 */
export interface LetterboxHandoff {
  readonly kind: 'letterbox';
  /** uint8 [B, H, W, 3], the largest frame. */
  readonly frames: Value;
  /** int32 [B, 2]: each image's width and height. */
  readonly frameSize: Value;
  readonly order: ChannelOrder;
  /** The Letterbox node (provenance of the conv reading through it). */
  readonly node: Node;
}

export interface LetterboxReads {
  /** By the Letterbox's output, what its conv readers read through. */
  readonly inputs: ReadonlyMap<Value, LetterboxHandoff>;
  /** Letterbox nodes that run no kernel. */
  readonly elided: ReadonlySet<Node>;
}

const isDenseConv = (n: Node) => n.opType === 'Conv' && (n.domain === '' || n.domain === YHC_DOMAIN) && convGroups(n) === 1;

export function planLetterboxReads(graph: Graph, handoffs: Handoffs): LetterboxReads {
  const readers = graph.consumers();
  const outputs = new Set(graph.outputs);
  const inputs = new Map<Value, LetterboxHandoff>();
  const elided = new Set<Node>();
  for (const node of graph.nodes) {
    if (node.opType !== 'Letterbox' || node.domain !== YHC_DOMAIN) continue;
    const y = node.outputs[0]!;
    const convs = readers.get(y) ?? [];
    const readsAsInput = (n: Node) =>
      isDenseConv(n) && n.input(0) === y && !n.inputs.slice(1).includes(y) && !n.inputs[RESIDUAL] && !handoffs.planeStats.has(n.outputs[0]!);
    if (outputs.has(y) || handoffs.inputs.has(y) || convs.length === 0 || !convs.every(readsAsInput)) continue;
    inputs.set(y, { kind: 'letterbox', frames: node.input(0), frameSize: node.input(1), order: letterboxAttrs(node).order, node });
    elided.add(node);
  }
  return { inputs, elided };
}
