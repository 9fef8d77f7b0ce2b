import { attrInts, attrString } from '../../ir/attributes.js';
import type { Node } from '../../ir/graph.js';
import { int } from './axes.js';
import { attributeError, shapeError, shapeStr } from './errors.js';

/**
 * Sliding-window geometry shared by Conv and MaxPool: kernel, strides, dilations, begin/end pads
 * (explicit or from auto_pad) and the output spatial size, plus per-tap valid output ranges so
 * kernels can loop over contiguous rows without bounds checks.
 */
export interface WindowGeometry {
  readonly inSize: readonly number[];
  readonly kernel: readonly number[];
  readonly strides: readonly number[];
  readonly dilations: readonly number[];
  readonly padsBegin: readonly number[];
  readonly padsEnd: readonly number[];
  readonly outSize: readonly number[];
}

export interface WindowOptions {
  /** MaxPool's ceil_mode. */
  readonly ceilMode?: boolean;
}

function positiveInts(node: Node, name: string, n: number): number[] {
  if (!node.attrs.has(name)) return new Array<number>(n).fill(1);
  const v = attrInts(node, name);
  if (v.length !== n) throw shapeError(node, `attribute "${name}" has ${v.length} values for ${n} spatial dims`);
  if (v.some((x) => x < 1)) throw shapeError(node, `attribute "${name}" ${shapeStr(v)} must be positive`);
  return [...v];
}

const AUTO_PADS = ['NOTSET', 'VALID', 'SAME_UPPER', 'SAME_LOWER'] as const;
export type AutoPad = (typeof AUTO_PADS)[number];

/** The auto_pad attribute of a Conv or MaxPool (default NOTSET). */
export function autoPadOf(node: Node): AutoPad {
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  if (!(AUTO_PADS as readonly string[]).includes(autoPad)) {
    throw attributeError(node, `auto_pad ${JSON.stringify(autoPad)} is not one of ${AUTO_PADS.join(', ')}`);
  }
  return autoPad as AutoPad;
}

/** The explicit pads attribute (begin pads, then end pads); [] when absent. */
export function explicitPads(node: Node): readonly number[] {
  return attrInts(node, 'pads', []);
}

export function windowGeometry(node: Node, inSize: readonly number[], kernel: readonly number[], opts: WindowOptions = {}): WindowGeometry {
  const n = inSize.length;
  if (kernel.length !== n) throw shapeError(node, `kernel ${shapeStr(kernel)} does not match ${n} spatial dims`);
  if (kernel.some((k) => k < 1)) throw shapeError(node, `kernel ${shapeStr(kernel)} must be positive`);
  const strides = positiveInts(node, 'strides', n);
  const dilations = positiveInts(node, 'dilations', n);
  const autoPad = autoPadOf(node);
  const ceil = opts.ceilMode ?? false;
  const padsBegin = new Array<number>(n).fill(0);
  const padsEnd = new Array<number>(n).fill(0);
  const outSize = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    const dk = (kernel[i]! - 1) * dilations[i]! + 1;
    const s = strides[i]!;
    const len = inSize[i]!;
    switch (autoPad) {
      case 'NOTSET':
      case 'VALID': {
        if (autoPad === 'NOTSET' && node.attrs.has('pads')) {
          const pads = explicitPads(node);
          if (pads.length !== 2 * n) throw shapeError(node, `attribute "pads" has ${pads.length} values for ${n} spatial dims`);
          if (pads.some((p) => p < 0)) throw shapeError(node, `attribute "pads" ${shapeStr(pads)} must not be negative`);
          padsBegin[i] = pads[i]!;
          padsEnd[i] = pads[i + n]!;
        }
        const span = len + padsBegin[i]! + padsEnd[i]! - dk;
        if (span < 0) {
          throw shapeError(node, `the window (${dk} wide with dilation) is larger than the padded input ${shapeStr(inSize)} on spatial axis ${i}`);
        }
        let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
        // A window may not start inside the end padding only (ORT/PyTorch ceil_mode rule).
        if (ceil && (out - 1) * s >= len + padsBegin[i]!) out--;
        outSize[i] = out;
        break;
      }
      case 'SAME_UPPER':
      case 'SAME_LOWER': {
        const out = Math.ceil(len / s);
        const total = Math.max(0, (out - 1) * s + dk - len);
        const small = Math.floor(total / 2);
        padsBegin[i] = autoPad === 'SAME_UPPER' ? small : total - small;
        padsEnd[i] = total - padsBegin[i]!;
        outSize[i] = out;
        break;
      }
    }
  }
  const ints = (a: readonly number[]) => a.map(int);
  return {
    inSize: ints(inSize),
    kernel: ints(kernel),
    strides: ints(strides),
    dilations: ints(dilations),
    padsBegin: ints(padsBegin),
    padsEnd: ints(padsEnd),
    outSize: ints(outSize),
  };
}

/**
 * For kernel tap `k` on spatial axis `i`: the output positions [lo, hi) whose input position
 * o·stride − padBegin + k·dilation lies inside the input.
 */
export function validRange(g: WindowGeometry, i: number, k: number): [number, number] {
  const s = g.strides[i]!;
  const off = k * g.dilations[i]! - g.padsBegin[i]!;
  const lo = Math.max(0, Math.ceil(-off / s));
  const hi = Math.min(g.outSize[i]!, Math.floor((g.inSize[i]! - 1 - off) / s) + 1);
  return [lo, Math.max(lo, hi)];
}

/** The kernel_shape attribute, checked against the shape it must agree with (if any). */
export function kernelShapeAttr(node: Node, fallback: readonly number[] | null): number[] {
  if (node.attrs.has('kernel_shape')) {
    const k = [...attrInts(node, 'kernel_shape')];
    if (fallback && (k.length !== fallback.length || k.some((v, i) => v !== fallback[i]))) {
      throw shapeError(node, `kernel_shape ${shapeStr(k)} does not match the weight's spatial shape ${shapeStr(fallback)}`);
    }
    return k;
  }
  if (!fallback) throw shapeError(node, 'attribute "kernel_shape" is required');
  return [...fallback];
}
