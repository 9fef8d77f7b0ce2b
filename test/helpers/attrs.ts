import type { Attr } from '../../src/ir/graph.js';

/** Typed attribute values for nodes built in tests (a float stays float even when integral). */
export const int = (value: number): Attr => ({ type: 'int', value });
export const ints = (value: readonly number[]): Attr => ({ type: 'ints', value });
export const float = (value: number): Attr => ({ type: 'float', value });
export const floats = (value: readonly number[]): Attr => ({ type: 'floats', value });
export const str = (value: string): Attr => ({ type: 'string', value });
