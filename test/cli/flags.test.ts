import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderOutputCheck } from '../../src/cli/commands/check.js';
import { checkCommand } from '../../src/cli/commands/check.js';
import { compileCommand } from '../../src/cli/commands/compile.js';
import { inspectCommand } from '../../src/cli/commands/inspect.js';
import { runCommand } from '../../src/cli/commands/run.js';
import { readNpy, writeNpy } from '../../src/runtime/npy.js';
import { convBlockSpec, randomTensor, writeModel } from '../helpers/models.js';
import { fixture, tempDir } from '../helpers/paths.js';
import { yhcHere } from './run_in_process.js';

/** A flag a command accepts does what its help says; a flag its help names, it accepts. */
const { dir, cleanup } = tempDir('yhc-cli-flags-');
afterAll(cleanup);

describe('yhc flags', () => {
  it.each([compileCommand, inspectCommand, runCommand, checkCommand])('$name --help documents exactly the flags it accepts', (command) => {
    const accepted = new Set(Object.keys(command.options).map((o) => `--${o}`));
    const documented = new Set(command.help.match(/(?<![\w-])--[a-z][a-z0-9-]*/g));
    for (const flag of accepted) expect(documented, `${command.name} accepts ${flag} but its help does not say so`).toContain(flag);
    for (const flag of documented) expect(accepted, `${command.name} --help names ${flag}, which it rejects`).toContain(flag);
  });

  it('inspect_decode_nms_and_conf_shape_the_graph_as_compile_does', async () => {
    const args = [fixture('tiny_head_raw'), '--decode', 'nms', '--conf', '0.3', '--max-det', '25'];
    const inspected = await yhcHere('inspect', ...args, '--cost', '--json');
    expect(inspected.status, inspected.stderr).toBe(0);
    const summary = JSON.parse(inspected.stdout);
    expect(summary.outputs.map((o: { name: string }) => o.name)).toEqual(['detections', 'num_dets']);
    expect(summary.optimizedOps['ai.yhc.YoloNms']).toBe(1);
    const compiled = await yhcHere('compile', ...args, '--no-build', '--json', '-o', join(dir, 'nms'));
    expect(compiled.status, compiled.stderr).toBe(0);
    const manifest = JSON.parse(compiled.stdout);
    expect(summary.cost.plan.launches).toBe(manifest.kernels.length);
    expect(manifest.decode.conf).toBeCloseTo(0.3);
  });

  it('inspect_conf_adds_num_dets_like_compile', async () => {
    const r = await yhcHere('inspect', fixture('tiny_head'), '--conf', '0.5', '--json');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).outputs.map((o: { name: string }) => o.name)).toEqual(['detections', 'num_dets']);
  });

  it('inspect_refuses_model_flags_on_a_build_directory', async () => {
    const r = await yhcHere('inspect', dir, '--decode', 'nms');
    expect(r.stderr).toMatch(/^yhc: error\[USAGE\]: --decode takes a model file; ".*" is a build directory\n$/);
  });

  it('compile_quiet_prints_nothing_on_success', async () => {
    const r = await yhcHere('compile', fixture('tiny_head'), '--no-build', '--quiet', '-o', join(dir, 'quiet'));
    expect(r).toEqual({ status: 0, stdout: '', stderr: '' });
  });

  it('check_leads_a_detections_row_with_what_its_verdict_rests_on', () => {
    const line = renderOutputCheck({
      name: 'detections',
      dtype: 'float32',
      shape: [1, 300, 6],
      rule: 'detections',
      maxAbs: 750,
      maxRel: 0.798,
      tolerance: 0.01,
      ok: true,
      detail: '300/300 rows matched; max score diff 2.10e-3, max box diff 4.00e-2',
    });
    expect(line).toMatch(
      /^ +"detections" +detections +ok +300\/300 rows matched; max score diff 2\.10e-3, max box diff 4\.00e-2; position by position \(not the rule: rows may swap\) max abs 7\.50e\+2, max rel 7\.98e-1$/,
    );
  });

  it('run_batch_runs_the_first_n_images_of_a_larger_engine', async () => {
    const spec = convBlockSpec();
    const model = writeModel(dir, 'dyn.onnx', {
      ...spec,
      inputs: [{ ...spec.inputs[0]!, dims: ['N', 4, 6, 6] }],
      outputs: [{ ...spec.outputs[0]!, dims: ['N', 4, 6, 6] }],
    });
    const build = join(dir, 'dyn_b3');
    const compiled = await yhcHere('compile', model, '--target', 'host', '--batch', '3', '-o', build, '--json');
    expect(compiled.status, compiled.stderr).toBe(0);
    expect(JSON.parse(compiled.stdout).dynamicBatch).toBe(true);
    const images = randomTensor([2, 4, 6, 6], 9).data as Float32Array;
    writeFileSync(join(dir, 'two.npy'), writeNpy('float32', [2, 4, 6, 6], images));
    writeFileSync(join(dir, 'second.npy'), writeNpy('float32', [1, 4, 6, 6], images.slice(144)));
    const two = await yhcHere('run', build, '--batch', '2', '--input', `x=${join(dir, 'two.npy')}`, '--save', join(dir, 'out2'), '--json');
    expect(two.status, two.stderr).toBe(0);
    expect(JSON.parse(two.stdout).outputs[0].shape).toEqual([2, 4, 6, 6]);
    const one = await yhcHere('run', build, '--batch', '1', '--input', `x=${join(dir, 'second.npy')}`, '--save', join(dir, 'out1'));
    expect(one.status, one.stderr).toBe(0);
    const y2 = readNpy(readFileSync(join(dir, 'out2', 'y.npy')), 'y2').data as Float32Array;
    const y1 = readNpy(readFileSync(join(dir, 'out1', 'y.npy')), 'y1').data as Float32Array;
    expect(Array.from(y2.slice(144))).toEqual(Array.from(y1));
    const wrongCount = await yhcHere('run', build, '--batch', '1', '--input', `x=${join(dir, 'two.npy')}`);
    expect(wrongCount.stderr).toMatch(/has shape \[2, 4, 6, 6\], the model takes \[1, 4, 6, 6\]/);
    expect((await yhcHere('run', build, '--batch', '4', '--input', `x=${join(dir, 'two.npy')}`)).stderr).toMatch(/batch 4 is outside 1\.\.3/);
  });
});
