import type { Attr, Graph, Value } from './graph.js';

/**
 * The IR as text, one line per node — what `--print-after PASS` shows:
 *   t12 = ai.yhc.Conv(t3, c7[64,16,3,3], c8[64]) {activation="silu", pads=[1,1,1,1]} : float32[1,64,20,20]  # "conv/Conv"
 * Values are t<id> (computed) or c<id> (constant); names are JSON-quoted comments.
 */
export function printGraph(g: Graph): string {
  const ref = (v: Value | null): string => (v ? `${v.constant ? 'c' : 't'}${v.id}${v.constant ? `[${v.shape.join(',')}]` : ''}` : '_');
  const type = (v: Value) => `${v.dtype}[${v.shape.join(',')}]`;
  const attr = (a: Attr): string => {
    switch (a.type) {
      case 'tensor':
        return `tensor ${a.value.dtype}[${a.value.shape.join(',')}]`;
      case 'string':
        return JSON.stringify(a.value);
      case 'ints':
      case 'floats':
        return `[${a.value.join(',')}]`;
      case 'strings':
        return JSON.stringify(a.value);
      default:
        return String(a.value);
    }
  };
  const lines = [`graph ${JSON.stringify(g.name)}`];
  for (const v of g.inputs) lines.push(`  input  ${ref(v)} : ${type(v)}  # ${JSON.stringify(v.name)}`);
  for (const n of g.nodes) {
    const op = n.domain ? `${n.domain}.${n.opType}` : n.opType;
    const attrs = [...n.attrs].sort(([a], [b]) => a.localeCompare(b)).map(([k, a]) => `${k}=${attr(a)}`);
    const outs = n.outputs.map(ref).join(', ');
    lines.push(
      `  ${outs} = ${op}(${n.inputs.map(ref).join(', ')})${attrs.length ? ` {${attrs.join(', ')}}` : ''} : ${n.outputs.map(type).join(', ')}  # ${JSON.stringify(n.name)}`,
    );
  }
  for (const v of g.outputs) lines.push(`  output ${ref(v)} : ${type(v)}  # ${JSON.stringify(v.name)}`);
  return `${lines.join('\n')}\n`;
}

/** Op counts, `domain.Op` for non-ONNX domains, sorted by name. */
export function opCounts(g: Graph): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const n of g.nodes) {
    const op = n.domain ? `${n.domain}.${n.opType}` : n.opType;
    counts[op] = (counts[op] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}
