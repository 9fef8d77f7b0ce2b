import type { Graph } from '../src/ir/graph.js';

/**
 * A graph pass: one rewrite rule, applied everywhere it matches. Passes rewrite the graph in
 * place, keep the Values of graph outputs (their names are the engine's contract), and leave it
 * topologically ordered. What fired is counted; what matched partially and was left alone is
 * noted with the reason — the pass report of `yhc inspect`.
 */
export interface Pass {
  /** Kebab-case name, as --print-after takes it. */
  readonly name: string;
  /** The rewrite rule in one readable line. */
  readonly rule: string;
  run(graph: Graph, log: PassLog): void;
}

export class PassLog {
  readonly fired = new Map<string, number>();
  readonly notes: string[] = [];

  /** Count one application of a rule (or `n`). */
  count(what: string, n = 1): void {
    this.fired.set(what, (this.fired.get(what) ?? 0) + n);
  }

  /** Say why a near-match was left alone. */
  note(message: string): void {
    this.notes.push(message);
  }

  total(): number {
    let n = 0;
    for (const v of this.fired.values()) n += v;
    return n;
  }
}
