import type { Node, Origin } from '../../src/ir/graph.js';
import { opLabel, shortName, wrapped } from './source_text.js';

/** An original node in a comment: its escaped name, or its op when it has none. */
const originText = (o: Origin): string => (o.name ? shortName(o.name) : `(unnamed ${opLabel(o)})`);

/** Whether `n` is an original node of the model, unchanged in kind (its only origin is itself). */
function isOriginal(n: Node): boolean {
  const o = n.origins;
  return o.length === 1 && o[0]!.name === n.name && o[0]!.opType === n.opType && o[0]!.domain === n.domain;
}

/** `ai.yhc.YoloDecode "/Concat_6"`: a node in a comment. */
export const nodeText = (n: Node): string => `${opLabel(n)} ${n.name ? shortName(n.name) : '(unnamed)'}`;

/**
 * Comment lines naming `nodes` and, for each, the original ONNX nodes it replaces (provenance,
 * Node.origins):
 *   //   ai.yhc.Conv "/m/conv/Conv"
 *   //     replaces ONNX nodes: "/m/conv/Conv", "/m/act/Sigmoid", "/m/act/Mul"
 */
export function provenanceLines(nodes: readonly Node[], prefix = '//   '): string[] {
  const lines: string[] = [];
  for (const n of nodes) {
    if (isOriginal(n)) {
      lines.push(`${prefix}${nodeText(n)} (ONNX node)`);
    } else if (n.origins.length === 0) {
      lines.push(`${prefix}${nodeText(n)} (added by yhc; replaces no ONNX node)`);
    } else {
      lines.push(`${prefix}${nodeText(n)}`);
      const s = n.origins.length === 1 ? '' : 's';
      lines.push(...wrapped(`${prefix}  replaces ONNX node${s}: `, `${prefix}    `, n.origins.map(originText)));
    }
  }
  return lines;
}
