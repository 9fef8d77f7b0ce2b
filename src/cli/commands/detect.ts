import { writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { YhcError } from '../../errors.js';
import { annotate, encodePng } from '../../image/annotate.js';
import { detectImages } from '../../image/detect.js';
import { Engine } from '../../runtime/engine.js';
import { ioError, makeDirectory } from '../../util/output_dir.js';
import { parse } from '../args.js';
import type { Command } from '../command.js';
import { fileStems } from '../file_names.js';
import { progressBar } from '../progress.js';

const OPTIONS = {
  out: { type: 'string' },
  conf: { type: 'string' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean' },
} as const;

const DEFAULT_OUT = 'detections';
/** ultralytics' predict default. */
const DEFAULT_CONF = 0.25;

function confValue(text: string | undefined): number {
  if (text === undefined) return DEFAULT_CONF;
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || v < 0 || v > 1)
    throw new YhcError('USAGE', `--conf must be a number between 0 and 1, got ${JSON.stringify(text)}`);
  return v;
}

function write(path: string, data: string | Uint8Array): void {
  try {
    writeFileSync(path, data);
  } catch (e) {
    throw ioError('write', path, e);
  }
}

export const detectCommand: Command = {
  name: 'detect',
  summary: 'run a built engine on PNG/JPEG images: annotated PNGs and a JSON of boxes',
  options: OPTIONS,
  help: `Usage: yhc detect BUILD_DIR IMAGE... [options]

Runs the engine of a build directory (from yhc compile) on PNG or JPEG images. Each image is
decoded (pure JavaScript: jpeg-js, pngjs; a JPEG's EXIF orientation is applied, alpha is dropped),
letterboxed on the CPU into the network input as ultralytics' predict does (keep aspect, pad 114,
bilinear, RGB, /255), and run as many at a time as the build's batch; boxes are mapped back to
the image's own pixels (padding and scale undone, clipped). The build must output detections [B, K, 6]
(with num_dets) or TensorRT EfficientNMS's four tensors; a raw head needs a decoder appended at
compile time (yhc compile's decode flag: nms or yolov10).

Writes DIR/NAME.png per image (boxes, class names from the model's names metadata or class ids,
scores) and one JSON document, DIR/detections.json (stdout with --json):
  {"build", "conf", "images": [{"file", "width", "height", "annotated",
    "detections": [{"box": [x1, y1, x2, y2], "score", "class_id", "class_name"}]}]}

Options:
  --out DIR   where the annotated images (and detections.json) go (default ${DEFAULT_OUT}/)
  --conf T    keep detections scoring at least T, 0..1 (default ${DEFAULT_CONF})
  --json      print the JSON document on stdout instead of writing DIR/detections.json
  --quiet     print nothing but errors (and --json's document)
`,
  async run(args, io) {
    const { values, positionals } = parse(args, OPTIONS, 'detect');
    const [dir, ...files] = positionals;
    if (!dir || files.length === 0)
      throw new YhcError(
        'USAGE',
        `yhc detect takes a build directory and at least one image, got ${positionals.length === 0 ? 'none' : positionals.join(' ')}`,
      );
    const conf = confValue(values.conf);
    const out = values.out ?? DEFAULT_OUT;
    const quiet = Boolean(values.quiet || values.json);
    const stems = fileStems(
      files.map((f) => basename(f, extname(f))),
      (i) => `image${i + 1}`,
    );
    const engine = Engine.load(dir);
    try {
      makeDirectory(out);
      const bar = progressBar(io, quiet);
      const annotated: string[] = [];
      const results = detectImages(engine, files, {
        conf,
        onImage: (i, image, result) => {
          const path = join(out, `${stems[i]}.png`);
          write(path, encodePng(annotate(image, result.detections)));
          annotated.push(path);
          const n = result.detections.length;
          bar.update('detecting', i + 1, files.length, `${basename(result.file)}: ${n} detection${n === 1 ? '' : 's'}`);
        },
      });
      bar.end();
      const images = results.map((r, i) => ({ file: r.file, width: r.width, height: r.height, annotated: annotated[i]!, detections: r.detections }));
      const doc = `${JSON.stringify({ build: dir, conf, images }, null, 2)}\n`;
      if (values.json) {
        io.out(doc);
        return 0;
      }
      const jsonPath = join(out, 'detections.json');
      write(jsonPath, doc);
      if (!values.quiet) {
        const total = results.reduce((n, r) => n + r.detections.length, 0);
        io.out(
          `${results.length} image${results.length === 1 ? '' : 's'}, ${total} detection${total === 1 ? '' : 's'} (conf ≥ ${conf}): ${out}/*.png, ${jsonPath}\n`,
        );
      }
      return 0;
    } finally {
      engine.dispose();
    }
  },
};
