/**
 * Safe image decoding with sharp: byte and pixel limits are checked on the header before any pixel is
 * decoded, so a decompression bomb (a tiny PNG declaring 50,000 × 50,000) costs a header read; only
 * JPEG, PNG, WebP and GIF (first frame) are accepted; EXIF orientation is applied.
 */
import sharp, { type Metadata } from 'sharp';
import { meanBrightness, type PreprocessSpec, planResize } from './preprocess.js';

export const SUPPORTED_FORMATS = ['jpeg', 'png', 'webp', 'gif'] as const;
export type ImageFormat = (typeof SUPPORTED_FORMATS)[number];

export interface ImageLimits {
  maxBytes: number;
  maxPixels: number;
}

export type ImageProblem = 'too_many_bytes' | 'too_many_pixels' | 'unsupported_format' | 'corrupt' | 'empty';

/** A client error about an uploaded image; the message names limits and formats, never the content. */
export class ImageInputError extends Error {
  override name = 'ImageInputError';
  constructor(
    readonly problem: ImageProblem,
    message: string,
  ) {
    super(message);
  }
  /** 413 for size limits, 415 for formats, 422 for files that claim a format but cannot be decoded. */
  get status(): 413 | 415 | 422 {
    if (this.problem === 'too_many_bytes' || this.problem === 'too_many_pixels') return 413;
    return this.problem === 'unsupported_format' ? 415 : 422;
  }
}

/** What the header says, with width and height after EXIF orientation. */
export interface ImageInfo {
  format: ImageFormat;
  width: number;
  height: number;
  bytes: number;
  /** EXIF orientation (1 = upright, 2–8 need a flip or rotation). */
  orientation: number;
}

export interface DecodedImage {
  info: ImageInfo;
  /** Interleaved 8-bit RGB of the spec's output size (alpha flattened onto white). */
  rgb: Uint8Array;
  /** Mean luma of `rgb` in [0, 1], for drift statistics. */
  brightness: number;
}

const SUPPORTED = new Set<string>(SUPPORTED_FORMATS);
const KERNELS = { nearest: 'nearest', bilinear: 'linear', bicubic: 'cubic', lanczos3: 'lanczos3' } as const;

/** Reads only the header: format, size, orientation. Rejects what `decodeForModel` would refuse. */
export async function inspectImage(bytes: Uint8Array, limits: ImageLimits): Promise<ImageInfo> {
  if (bytes.length === 0) throw new ImageInputError('empty', 'the image file is empty');
  if (bytes.length > limits.maxBytes)
    throw new ImageInputError(
      'too_many_bytes',
      `the image is ${bytes.length} bytes; the limit is ${limits.maxBytes} bytes`,
    );
  let meta: Metadata;
  try {
    // Header only: no pixels are decoded here, so sharp's own pixel limit is off and ours applies below.
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw classify(error);
  }
  if (!meta.format || !SUPPORTED.has(meta.format))
    throw new ImageInputError(
      'unsupported_format',
      `unsupported image format${meta.format ? ` "${meta.format}"` : ''}; send ${SUPPORTED_FORMATS.join(', ')}`,
    );
  // A multi-frame GIF/WebP reports the whole strip; the first frame is `pageHeight` tall.
  const frameHeight = meta.pageHeight ?? meta.height;
  if (!meta.width || !frameHeight) throw new ImageInputError('corrupt', 'the image header has no size');
  const pixels = meta.width * frameHeight;
  if (pixels > limits.maxPixels)
    throw new ImageInputError(
      'too_many_pixels',
      `the image is ${meta.width}×${frameHeight} (${pixels} pixels); the limit is ${limits.maxPixels} pixels`,
    );
  const orientation = meta.orientation ?? 1;
  const swapped = orientation >= 5; // EXIF 5–8 rotate by 90°
  return {
    format: meta.format as ImageFormat,
    width: swapped ? frameHeight : meta.width,
    height: swapped ? meta.width : frameHeight,
    bytes: bytes.length,
    orientation,
  };
}

/** Checks the header, then decodes the first frame straight to the spec's size as RGB. */
export async function decodeForModel(
  bytes: Uint8Array,
  limits: ImageLimits,
  spec: PreprocessSpec,
): Promise<DecodedImage> {
  const info = await inspectImage(bytes, limits);
  const plan = planResize(info.width, info.height, spec);
  let data: Buffer;
  let channels: number;
  try {
    const image = sharp(bytes, { limitInputPixels: limits.maxPixels, pages: 1, failOn: 'warning' });
    // EXIF orientation; skipped when upright, as it costs about a millisecond even then.
    if (info.orientation !== 1) image.rotate();
    const result = await image
      .resize(plan.resizeWidth, plan.resizeHeight, { fit: 'fill', kernel: KERNELS[spec.interpolation] })
      .extract(plan.crop)
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    data = result.data;
    channels = result.info.channels;
    if (result.info.width !== plan.crop.width || result.info.height !== plan.crop.height)
      throw new Error(`sharp returned ${result.info.width}×${result.info.height}`);
  } catch (error) {
    throw classify(error);
  }
  const rgb =
    channels === 3 ? new Uint8Array(data.buffer, data.byteOffset, data.length) : toRgb(data, channels);
  return { info, rgb, brightness: meanBrightness(rgb) };
}

function toRgb(data: Buffer, channels: number): Uint8Array {
  const pixels = data.length / channels;
  const rgb = new Uint8Array(pixels * 3);
  for (let p = 0; p < pixels; p++) {
    const v = data[p * channels] as number;
    rgb[p * 3] = v;
    rgb[p * 3 + 1] = channels >= 3 ? (data[p * channels + 1] as number) : v;
    rgb[p * 3 + 2] = channels >= 3 ? (data[p * channels + 2] as number) : v;
  }
  return rgb;
}

function classify(error: unknown): ImageInputError {
  if (error instanceof ImageInputError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/unsupported image format/i.test(message))
    return new ImageInputError(
      'unsupported_format',
      `unsupported image format; send ${SUPPORTED_FORMATS.join(', ')}`,
    );
  if (/pixel limit/i.test(message))
    return new ImageInputError('too_many_pixels', 'the image exceeds the pixel limit');
  // libvips messages can quote file internals but never the caller's content; keep only the first line.
  return new ImageInputError('corrupt', `the image could not be decoded (${firstLine(message)})`);
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? '').slice(0, 200);
}
