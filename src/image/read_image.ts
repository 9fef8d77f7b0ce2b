import { readFileSync } from 'node:fs';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { YhcError, q } from '../errors.js';
import { exifOrientation, orient } from './exif_orientation.js';
import type { RgbImage } from './rgb_image.js';

/** What the file's first bytes say it is. */
function formatOf(bytes: Uint8Array): 'png' | 'jpeg' | null {
  if (bytes.length >= 8 && Buffer.from(bytes.subarray(0, 8)).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return null;
}

/** The largest image yhc decodes (jpeg-js's own limit): 100 megapixels. */
const MAX_MEGAPIXELS = 100;

/**
 * Read a PNG or JPEG file (told apart by its signature, not its name) as 8-bit RGB, as
 * cv2.imread(path, IMREAD_COLOR) sees it: alpha dropped (not composited), grey expanded to three
 * channels, 16-bit PNG samples scaled to 8 bits, and a JPEG's EXIF orientation applied. Decoding is
 * pure JavaScript (jpeg-js, pngjs), so pixel values of a JPEG may differ from libjpeg's by a few
 * levels (IDCT and chroma upsampling). Errors name the file: error[IO] when it cannot be read,
 * error[INPUT] when it is not a PNG or JPEG or does not decode.
 */
export function readImage(path: string): RgbImage {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new YhcError(
      'IO',
      `cannot read image ${q(path)}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (code ?? (e as Error).message)}`,
    );
  }
  const format = formatOf(bytes);
  if (!format) throw new YhcError('INPUT', `${q(path)} is not a PNG or JPEG image (unrecognized signature); yhc detect reads PNG and JPEG`);
  try {
    return format === 'png' ? decodePng(bytes) : decodeJpeg(bytes);
  } catch (e) {
    if (e instanceof YhcError) throw new YhcError(e.code, `${q(path)}: ${e.message}`);
    throw new YhcError('INPUT', `cannot decode ${format === 'png' ? 'PNG' : 'JPEG'} image ${q(path)}: ${(e as Error)?.message ?? String(e)}`);
  }
}

function decodePng(bytes: Buffer): RgbImage {
  const png = PNG.sync.read(bytes);
  const { width, height } = png;
  const rgba = png.data;
  if (rgba.length !== width * height * 4) throw new YhcError('INPUT', `the PNG decodes to ${rgba.length} bytes, not ${width}x${height} RGBA`);
  const data = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; i < data.length; i += 3, j += 4) {
    data[i] = rgba[j]!;
    data[i + 1] = rgba[j + 1]!;
    data[i + 2] = rgba[j + 2]!;
  }
  return { width, height, data };
}

function decodeJpeg(bytes: Buffer): RgbImage {
  const decoded = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, maxResolutionInMP: MAX_MEGAPIXELS }) as ReturnType<typeof jpeg.decode> & {
    exifBuffer?: Uint8Array;
  };
  const { width, height, data } = decoded;
  if (!(width > 0 && height > 0) || data.length !== width * height * 3) throw new YhcError('INPUT', `the JPEG decodes to an empty or malformed image`);
  return orient({ width, height, data }, decoded.exifBuffer ? exifOrientation(decoded.exifBuffer) : 1);
}
