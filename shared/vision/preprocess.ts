/**
 * Image preprocessing as a model manifest declares it: the resize/crop geometry and the pixel → tensor
 * step are pure functions over numbers and typed arrays (golden-tested); `decode.ts` runs the geometry
 * with sharp.
 */
import { z } from 'zod';

const Rgb = z.tuple([z.number(), z.number(), z.number()]);

export const PreprocessSpecSchema = z
  .object({
    resize: z.discriminatedUnion('mode', [
      // torchvision's Resize(shorterSide) + CenterCrop(crop): the usual ImageNet evaluation transform.
      z.object({
        mode: z.literal('shorter-side-center-crop'),
        shorterSide: z.number().int().min(1).max(4096),
        crop: z.number().int().min(1).max(4096),
      }),
      // Both sides to a fixed size, aspect ratio not kept (detectors trained that way, e.g. UltraFace).
      z.object({
        mode: z.literal('stretch'),
        width: z.number().int().min(1).max(4096),
        height: z.number().int().min(1).max(4096),
      }),
    ]),
    /** Resampling filter of the resize; torchvision's default is bilinear (antialiased when shrinking). */
    interpolation: z.enum(['nearest', 'bilinear', 'bicubic', 'lanczos3']),
    /** Pixels (0–255) are divided by this before mean/std: 255 for [0, 1] inputs, 1 for raw. */
    scale: z.number().positive(),
    mean: Rgb,
    std: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]),
    channelOrder: z.enum(['RGB', 'BGR']),
    layout: z.enum(['NCHW', 'NHWC']),
  })
  .refine((s) => s.resize.mode !== 'shorter-side-center-crop' || s.resize.crop <= s.resize.shorterSide, {
    message: 'crop must not exceed shorterSide',
    path: ['resize', 'crop'],
  });

export type PreprocessSpec = z.infer<typeof PreprocessSpecSchema>;

export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** What to do to an image of the given (EXIF-oriented) size: resize to this size, then extract `crop`. */
export interface ResizePlan {
  resizeWidth: number;
  resizeHeight: number;
  crop: Rect;
}

/** The output size of a spec: the tensor's height and width. */
export function outputSize(spec: PreprocessSpec): { width: number; height: number } {
  const r = spec.resize;
  return r.mode === 'stretch' ? { width: r.width, height: r.height } : { width: r.crop, height: r.crop };
}

/** Values per image in the tensor (3 × height × width). */
export function tensorLength(spec: PreprocessSpec): number {
  const { width, height } = outputSize(spec);
  return 3 * width * height;
}

export function planResize(width: number, height: number, spec: PreprocessSpec): ResizePlan {
  if (!(width >= 1 && height >= 1)) throw new RangeError(`image size ${width}×${height} is empty`);
  const r = spec.resize;
  if (r.mode === 'stretch') {
    return {
      resizeWidth: r.width,
      resizeHeight: r.height,
      crop: { left: 0, top: 0, width: r.width, height: r.height },
    };
  }
  // As torchvision: the shorter side becomes `shorterSide`, the longer one keeps the aspect ratio
  // (truncated), never below the crop; then a centred crop, offsets rounded half to even (Python's round).
  const landscape = width >= height;
  const long = Math.max(
    r.crop,
    Math.trunc((r.shorterSide * (landscape ? width : height)) / (landscape ? height : width)),
  );
  const resizeWidth = landscape ? long : r.shorterSide;
  const resizeHeight = landscape ? r.shorterSide : long;
  return {
    resizeWidth,
    resizeHeight,
    crop: {
      left: roundHalfEven((resizeWidth - r.crop) / 2),
      top: roundHalfEven((resizeHeight - r.crop) / 2),
      width: r.crop,
      height: r.crop,
    },
  };
}

function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff !== 0.5) return Math.round(x);
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * Writes one image into a batch tensor at `offset` (in values): `rgb` is interleaved 8-bit RGB of the
 * spec's output size; each value becomes (pixel / scale − mean) / std in the spec's channel order and layout.
 */
export function writeTensor(rgb: Uint8Array, spec: PreprocessSpec, out: Float32Array, offset = 0): void {
  const { width, height } = outputSize(spec);
  const plane = width * height;
  if (rgb.length !== plane * 3)
    throw new RangeError(`expected ${plane * 3} RGB bytes for ${width}×${height}, got ${rgb.length}`);
  if (offset < 0 || offset + plane * 3 > out.length) throw new RangeError('tensor offset out of range');
  // Source channel per output channel, and value = pixel · a + b with a = 1/(scale·std), b = −mean/std.
  const source = spec.channelOrder === 'RGB' ? [0, 1, 2] : [2, 1, 0];
  const a = source.map((c) => 1 / (spec.scale * (spec.std[c] as number)));
  const b = source.map((c) => -(spec.mean[c] as number) / (spec.std[c] as number));
  const [s0, s1, s2] = source as [number, number, number];
  const [a0, a1, a2] = a as [number, number, number];
  const [b0, b1, b2] = b as [number, number, number];
  if (spec.layout === 'NCHW') {
    for (let p = 0, i = 0; p < plane; p++, i += 3) {
      out[offset + p] = (rgb[i + s0] as number) * a0 + b0;
      out[offset + plane + p] = (rgb[i + s1] as number) * a1 + b1;
      out[offset + 2 * plane + p] = (rgb[i + s2] as number) * a2 + b2;
    }
  } else {
    for (let i = 0; i < plane * 3; i += 3) {
      out[offset + i] = (rgb[i + s0] as number) * a0 + b0;
      out[offset + i + 1] = (rgb[i + s1] as number) * a1 + b1;
      out[offset + i + 2] = (rgb[i + s2] as number) * a2 + b2;
    }
  }
}

/** Mean luma (Rec. 601) of interleaved RGB in [0, 1]: an input statistic for drift checks. */
export function meanBrightness(rgb: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < rgb.length; i += 3)
    sum += 0.299 * (rgb[i] as number) + 0.587 * (rgb[i + 1] as number) + 0.114 * (rgb[i + 2] as number);
  return rgb.length === 0 ? 0 : sum / (rgb.length / 3) / 255;
}
