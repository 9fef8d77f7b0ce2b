import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { packageRoot } from '../../src/util/package_root.js';
import type { Plan } from '../plan.js';
import { engineSource } from './engine_source.js';
import { abiHeader, exportsMap, prefixedHeader } from './symbol_prefix.js';
import { kernelSource, kernelsHeader } from './kernel_source.js';
import { typedWrapperSource } from './ts_wrapper.js';
import { weightsFile, weightsPayload } from './weights_file.js';

/** What was written into a build directory (before any compiler runs). */
export interface EmittedBuild {
  readonly buildId: string;
  /** Relative paths of the kernel sources, in plan order. */
  readonly kernelFiles: readonly string[];
  readonly weightsFile: string;
}

/**
 * Write the sources of a plan: kernels/*.cu + kernels.h, engine.cu, include/ (the device
 * templates, host emulation and C ABI header), weights.bin and the typed TS wrapper engine.ts.
 * With `symbolPrefix` P, include/yhc_engine.h (and a copy named include/Pyhc_engine.h) declares
 * the prefixed names, and exports.map is the linker version script exporting only those.
 */
export function emitBuildDirectory(plan: Plan, dir: string, modelName: string, check = false, symbolPrefix?: string): EmittedBuild {
  const prefix = symbolPrefix ? { symbolPrefix } : {};
  const kernels = plan.kernels.map((k) => ({ file: `kernels/${k.id}.cu`, text: kernelSource(k) }));
  const header = kernelsHeader(plan.kernels);
  const payload = weightsPayload(plan);

  // The build id covers everything the library and weights are made from.
  const h = createHash('sha256');
  for (const k of kernels) h.update(`${k.file}\n${k.text}\n`);
  h.update(header);
  h.update(`weights ${payload.length} ${crc32(payload)}\n`);
  h.update(engineSource(plan, { buildId: '0'.repeat(32), modelName, check, ...prefix }));
  const buildId = h.digest('hex').slice(0, 32);

  mkdirSync(join(dir, 'kernels'), { recursive: true });
  for (const k of kernels) writeFileSync(join(dir, k.file), k.text);
  writeFileSync(join(dir, 'kernels', 'kernels.h'), header);
  writeFileSync(join(dir, 'engine.cu'), engineSource(plan, { buildId, modelName, check, ...prefix }));
  cpSync(join(packageRoot(), 'templates'), join(dir, 'include'), { recursive: true });
  if (symbolPrefix) {
    const header = prefixedHeader(abiHeader(), symbolPrefix);
    writeFileSync(join(dir, 'include', 'yhc_engine.h'), header);
    writeFileSync(join(dir, 'include', `${symbolPrefix}yhc_engine.h`), header);
    writeFileSync(join(dir, 'exports.map'), exportsMap(abiHeader(), symbolPrefix));
  }
  writeFileSync(join(dir, 'weights.bin'), weightsFile(payload, buildId));
  writeFileSync(join(dir, 'engine.ts'), typedWrapperSource(plan.graph));
  return { buildId, kernelFiles: kernels.map((k) => k.file), weightsFile: 'weights.bin' };
}
