/**
 * ptxas resource usage, from `nvcc -Xptxas -v` output. CUDA 13 prints, per kernel and arch:
 *   ptxas info    : Compiling entry function '_ZN3yhc...' for 'sm_90'
 *   ptxas info    : Function properties for _ZN3yhc...
 *       0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
 *   ptxas info    : Used 32 registers, used 1 barriers, 1024 bytes smem, 400 bytes cmem[0]
 */
export interface PtxasReport {
  /** Mangled kernel name. */
  readonly function: string;
  readonly arch: string;
  readonly registers: number;
  readonly sharedBytes: number;
  readonly stackBytes: number;
  readonly spillStoreBytes: number;
  readonly spillLoadBytes: number;
}

export function parsePtxas(log: string): PtxasReport[] {
  const reports: PtxasReport[] = [];
  let current: { function: string; arch: string; stack: number; spillStores: number; spillLoads: number } | null = null;
  for (const line of log.split('\n')) {
    const entry = /Compiling entry function '([^']+)' for '([^']+)'/.exec(line);
    if (entry) {
      current = { function: entry[1]!, arch: entry[2]!, stack: 0, spillStores: 0, spillLoads: 0 };
      continue;
    }
    if (!current) continue;
    const props = /(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads/.exec(line);
    if (props) {
      current.stack = Number(props[1]);
      current.spillStores = Number(props[2]);
      current.spillLoads = Number(props[3]);
      continue;
    }
    const used = /Used (\d+) registers(.*)/.exec(line);
    if (used) {
      const smem = /(\d+) bytes smem/.exec(used[2]!);
      reports.push({
        function: current.function,
        arch: current.arch,
        registers: Number(used[1]),
        sharedBytes: smem ? Number(smem[1]) : 0,
        stackBytes: current.stack,
        spillStoreBytes: current.spillStores,
        spillLoadBytes: current.spillLoads,
      });
      current = null;
    }
  }
  return reports;
}

/**
 * The yhc kernel id (k07_conv) a mangled kernel name belongs to: every kernel template is
 * instantiated with `<id>::Params`, and a horizontally fused kernel is `<id>::kernel`, which
 * Itanium mangling spells as length-prefixed names.
 */
export function kernelIdOf(mangled: string): string | null {
  for (const m of mangled.matchAll(/(\d+)(k\d{2,}_[a-z0-9]+?)(?:6ParamsE|6kernelE)/g)) {
    const [, digits, id] = m as unknown as [string, string, string];
    // The digits may include the tail of a preceding token: the length prefix is a suffix of them.
    for (let cut = 0; cut < digits.length; cut++) if (Number(digits.slice(cut)) === id.length) return id;
  }
  return null;
}
