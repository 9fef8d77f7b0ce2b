import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { yhc } from '../helpers/cli.js';
import { FIXTURES, fixture, tempDir } from '../helpers/paths.js';

/** `--decode yolov10 --max-det N` on compile, check and inspect, through the real CLI (node bin/yhc.js). */

const { dir, cleanup } = tempDir('yhc-cli-decode-');
afterAll(cleanup);
const DECODE = ['--decode', 'yolov10', '--max-det', '20'];

describe('yhc --decode', () => {
  it('documents_the_flags_on_compile_check_and_inspect', () => {
    for (const command of ['compile', 'check', 'inspect']) {
      const help = yhc(command, '--help').stdout;
      expect(help, command).toContain('--decode yolov10');
      expect(help, command).toContain('--max-det N');
    }
  });

  it('inspect_shows_the_extended_model_folded_into_one_yolo_decode', () => {
    const r = yhc('inspect', fixture('tiny_head_raw'), ...DECODE, '--json');
    expect(r.status, r.stderr).toBe(0);
    const m = JSON.parse(r.stdout);
    expect(m.outputs).toEqual([{ name: 'detections', dtype: 'float32', shape: [1, 20, 6] }]);
    expect(m.fileOps.TopK).toBe(2);
    expect(m.optimizedOps['ai.yhc.YoloDecode']).toBe(1);
    expect(m.optimizedOps.TopK).toBeUndefined();
    expect(m.passes.passes.find((p: { name: string }) => p.name === 'recognize-decoder').fired).toEqual({
      'YOLOv10 decoder (DFL, dist2bbox, sigmoid, two-stage top-k) → ai.yhc.YoloDecode': 1,
    });
  });

  it('compile_emits_an_engine_that_outputs_detections', () => {
    const out = join(dir, 'raw_decoded');
    const r = yhc('compile', fixture('tiny_head_raw'), '-o', out, ...DECODE, '--no-build', '--json');
    expect(r.status, r.stderr).toBe(0);
    const manifest = JSON.parse(r.stdout);
    expect(manifest.outputs).toEqual([{ name: 'detections', dtype: 'float32', shape: [1, 20, 6], bytes: 480 }]);
    expect(manifest.decode).toEqual({ format: 'yolov10', maxDet: 20 });
    const decoder = manifest.kernels.filter((k: { template: string }) => k.template === 'yolo_decode.cuh');
    expect(decoder).toHaveLength(3);
    expect(readFileSync(join(out, decoder[0].file), 'utf8')).toContain('yhc::yolo_decode_anchors');
    expect(existsSync(join(out, 'include', 'kernels', 'yolo_decode.cuh'))).toBe(true);
  });

  // `check --decode yolov10` on the recorded inputs is test/golden/decode.test.ts's build and comparison;
  // the CLI's check path with --decode runs in the two tests below.
  it('check_conf_thresholds_both_sides_and_compares_num_dets', () => {
    const r = yhc('check', fixture('tiny_head_raw'), '--decode', 'yolov10', '--max-det', '20', '--conf', '0.5', '--inputs', FIXTURES);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/"num_dets" +dense .* ok +counts match/);
  });

  it('check_decode_nms_compares_with_onnxruntime_non_max_suppression', () => {
    const r = yhc('check', fixture('tiny_head_raw'), '--decode', 'nms', '--iou', '0.6', '--conf', '0.3', '--max-det', '25', '--inputs', FIXTURES);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/"detections" +detections .* ok/);
    expect(r.stdout).toMatch(/"num_dets" +dense .* ok/);
  });

  it('rejects_what_it_cannot_decode_with_usage_errors', () => {
    const usage = (args: string[], message: RegExp) => {
      const r = yhc(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^yhc: error\[USAGE\]: /);
      expect(r.stderr).toMatch(message);
    };
    const out = ['-o', join(dir, 'never'), '--no-build'];
    usage(['compile', fixture('tiny_head'), '--decode', 'yolov10', ...out], /already ends in detections \(output "detections" \[1, 20, 6\]\)/);
    usage(['check', fixture('v10head_n'), '--decode', 'yolov10'], /already ends in detections/);
    usage(['compile', fixture('tiny_head_raw'), '--decode', 'yolov10', '--max-det', '526', ...out], /--max-det 526 is larger than the model's 525 anchors/);
    usage(['inspect', fixture('tiny_head_raw'), '--max-det', '20'], /--max-det takes effect only with --decode/);
    usage(['compile', fixture('tiny_head_raw'), '--decode', 'yolov8', ...out], /--decode must be yolov10 or nms, got "yolov8"/);
    usage(['compile', fixture('tiny_head_raw'), '--decode', 'yolov10', '--max-det', '0', ...out], /--max-det must be a positive integer/);
    usage(['compile', fixture('tiny_head'), '--conf', '1.5', ...out], /--conf must be a number between 0 and 1, got "1.5"/);
    usage(['compile', fixture('tiny_head_raw'), '--decode', 'yolov10', '--iou', '0.5', ...out], /--iou takes effect only with --decode nms/);
    usage(['compile', fixture('tiny_head_raw'), '--decode', 'nms', '--boxes', 'cxcywh', ...out], /--boxes must be xyxy or xywh, got "cxcywh"/);
    usage(['compile', fixture('tiny_head_raw'), '--decode', 'nms', '--iou', '2', ...out], /--iou must be a number between 0 and 1, got "2"/);
    usage(['compile', fixture('tiny_head'), '--conf', '0.5', '--no-passes', ...out], /--conf needs the YOLOv10 decoder/);
    usage(['compile', fixture('tiny_head_raw'), '--conf', '0.5', ...out], /--conf needs the YOLOv10 decoder: .* or a raw head with --decode yolov10/);
    expect(existsSync(join(dir, 'never'))).toBe(false);
  });

  it('defaults_to_300_detections', () => {
    const r = yhc('inspect', fixture('tiny_head_raw'), '--decode', 'yolov10', '--json', '--no-passes');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).outputs[0].shape).toEqual([1, 300, 6]);
  });
});
