import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeModel, loadModel } from '../../src/onnx/load.js';
import { readTensorProtoFile } from '../../src/onnx/tensor_proto.js';
import { runGraph } from '../../src/interp/interpreter.js';
import { lookupOp } from '../../src/ops/index.js';
// The case runner is shared with the Markdown report (tools/conformance_report.mjs).
import { listCases, runCase } from '../../tools/conformance_report.mjs';
import { EXPECTED_UNSUPPORTED } from './onnx_node_tests.unsupported.js';

/**
 * ONNX's backend node tests, run through the importer and the interpreter on the recorded
 * inputs and compared with the recorded outputs (rtol 1e-3, atol 1e-7; exact for integers and
 * bools; NaN equals NaN). Every case must pass, except those listed in
 * onnx_node_tests.unsupported.ts, which must be rejected with the listed error code.
 */

const DATA = join(import.meta.dirname, '../data/onnx-node-tests');
const api = { loadModel, decodeModel, readTensorProtoFile, runGraph };
const cases: string[] = listCases(DATA);

describe('ONNX backend node conformance', () => {
  it('has the copied cases', () => {
    expect(cases.length).toBeGreaterThan(400);
  });

  it('lists only existing cases as unsupported', () => {
    for (const name of Object.keys(EXPECTED_UNSUPPORTED)) expect(cases, name).toContain(name);
  });

  for (const name of cases) {
    const expected = EXPECTED_UNSUPPORTED[name];
    it(expected ? `${name} is rejected (${expected.code}: ${expected.reason})` : name, () => {
      const r = runCase(api, DATA, name);
      if (expected) {
        expect(r.status, `${name} should be rejected with ${expected.code}, got ${r.status}: ${r.message ?? ''}`).toBe('rejected');
        expect(r.code, r.message).toBe(expected.code);
      } else {
        // A case whose ops yhc implements must pass.
        const unknown = r.ops.filter((op: string) => op !== 'Constant' && !lookupOp(op, ''));
        expect(unknown, `${name} uses ops yhc lacks`).toEqual([]);
        expect(r.status, `${name}: ${r.code ?? ''} ${r.message ?? ''}`).toBe('pass');
      }
    });
  }
});
