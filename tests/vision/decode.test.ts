/** Safe decoding: byte and pixel limits on the header (bombs never decoded), formats, corrupt files, EXIF. */
import sharp from 'sharp';
import { describe, expect, it, vi } from 'vitest';
import { decodeForModel, ImageInputError, inspectImage } from '../../shared/vision/decode.js';
import type { PreprocessSpec } from '../../shared/vision/preprocess.js';
import { bombPng, IMAGENET_SPEC, solidImage } from '../support/vision.js';

const LIMITS = { maxBytes: 10 * 2 ** 20, maxPixels: 25_000_000 };
const SPEC = IMAGENET_SPEC;

async function problemOf(
  promise: Promise<unknown>,
): Promise<{ problem: string; status: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ImageInputError);
    const e = error as ImageInputError;
    return { problem: e.problem, status: e.status, message: e.message };
  }
  throw new Error('expected an ImageInputError');
}

describe('decodeForModel', () => {
  it.each(['jpeg', 'png', 'webp', 'gif'] as const)('decodes %s to 224×224 RGB', async (format) => {
    const bytes = await solidImage(400, 300, format, '#336699');
    const { info, rgb } = await decodeForModel(bytes, LIMITS, SPEC);
    expect(info).toEqual({ format, width: 400, height: 300, bytes: bytes.length, orientation: 1 });
    expect(rgb.length).toBe(224 * 224 * 3);
    // A flat colour stays that colour through resize and crop (within codec rounding).
    expect(Math.abs((rgb[0] as number) - 0x33)).toBeLessThanOrEqual(3);
    expect(Math.abs((rgb[1] as number) - 0x66)).toBeLessThanOrEqual(3);
    expect(Math.abs((rgb[2] as number) - 0x99)).toBeLessThanOrEqual(3);
  });

  it('flattens transparency onto white and expands greyscale to three channels', async () => {
    const clear = await sharp({
      create: { width: 50, height: 50, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
    })
      .png()
      .toBuffer();
    const white = await decodeForModel(clear, LIMITS, SPEC);
    expect(white.rgb.every((v) => v === 255)).toBe(true);
    expect(white.brightness).toBeCloseTo(1, 6);
    const grey = await sharp(await solidImage(60, 40, 'png', '#404040'))
      .toColourspace('b-w')
      .png()
      .toBuffer();
    expect((await sharp(grey).metadata()).channels).toBe(1);
    const decoded = await decodeForModel(grey, LIMITS, SPEC);
    expect(decoded.rgb.length).toBe(224 * 224 * 3);
    expect([decoded.rgb[0], decoded.rgb[1], decoded.rgb[2]]).toEqual([0x40, 0x40, 0x40]);
  });

  it('applies EXIF orientation: sizes are swapped and pixels rotated', async () => {
    // Left half red, right half blue; orientation 6 means "rotate 90° clockwise to display".
    const raw = Buffer.alloc(40 * 20 * 3);
    for (let y = 0; y < 20; y++)
      for (let x = 0; x < 40; x++) raw.set(x < 20 ? [255, 0, 0] : [0, 0, 255], (y * 40 + x) * 3);
    const jpeg = await sharp(raw, { raw: { width: 40, height: 20, channels: 3 } })
      .jpeg({ quality: 100 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const info = await inspectImage(jpeg, LIMITS);
    expect([info.width, info.height]).toEqual([20, 40]);
    const stretch: PreprocessSpec = { ...SPEC, resize: { mode: 'stretch', width: 1, height: 2 } };
    const { rgb } = await decodeForModel(jpeg, LIMITS, stretch);
    // Displayed upright, the former left (red) half is on top.
    expect(rgb[0]).toBeGreaterThan(200);
    expect(rgb[2]).toBeLessThan(60);
    expect(rgb[3]).toBeLessThan(60);
    expect(rgb[5]).toBeGreaterThan(200);
  });

  it('rejects a decompression bomb from its header, without decoding it', async () => {
    const bomb = bombPng(50_000, 50_000);
    expect(bomb.length).toBeLessThan(2000);
    const small = await solidImage(40, 30, 'png');
    const decode = vi.spyOn(sharp.prototype, 'toBuffer');
    try {
      const r = await problemOf(decodeForModel(bomb, LIMITS, SPEC));
      expect(r).toMatchObject({ problem: 'too_many_pixels', status: 413 });
      expect(r.message).toContain('50000×50000');
      expect(r.message).toContain('25000000');
      expect(decode).not.toHaveBeenCalled();
      // The spy does see a real decode, so its silence above means the bomb's pixels were never read.
      await decodeForModel(small, LIMITS, SPEC);
      expect(decode).toHaveBeenCalledTimes(1);
    } finally {
      decode.mockRestore();
    }
  });

  it('holds real images to the configured pixel and byte limits', async () => {
    const image = await solidImage(200, 100, 'jpeg');
    expect(await problemOf(decodeForModel(image, { ...LIMITS, maxPixels: 19_999 }, SPEC))).toMatchObject({
      problem: 'too_many_pixels',
      status: 413,
    });
    await expect(decodeForModel(image, { ...LIMITS, maxPixels: 20_000 }, SPEC)).resolves.toBeDefined();
    expect(
      await problemOf(decodeForModel(image, { ...LIMITS, maxBytes: image.length - 1 }, SPEC)),
    ).toMatchObject({
      problem: 'too_many_bytes',
      status: 413,
    });
    // An animated GIF is held to its first frame's size, not the whole strip.
    const frames = await sharp(await solidImage(100, 300, 'png'))
      .gif()
      .toBuffer();
    await expect(inspectImage(frames, LIMITS)).resolves.toMatchObject({ format: 'gif' });
  });

  it('answers 415 for other formats and for non-images, 422 for corrupt files', async () => {
    expect(await problemOf(decodeForModel(await solidImage(20, 20, 'tiff'), LIMITS, SPEC))).toMatchObject({
      problem: 'unsupported_format',
      status: 415,
    });
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>');
    expect((await problemOf(decodeForModel(svg, LIMITS, SPEC))).status).toBe(415);
    expect((await problemOf(decodeForModel(Buffer.from('not an image at all'), LIMITS, SPEC))).status).toBe(
      415,
    );
    expect(await problemOf(decodeForModel(new Uint8Array(0), LIMITS, SPEC))).toMatchObject({
      problem: 'empty',
      status: 422,
    });

    const jpeg = await sharp({ create: { width: 300, height: 300, channels: 3, background: '#123456' } })
      .jpeg()
      .toBuffer();
    const truncated = jpeg.subarray(0, Math.floor(jpeg.length / 2));
    expect(await problemOf(decodeForModel(truncated, LIMITS, SPEC))).toMatchObject({
      problem: 'corrupt',
      status: 422,
    });
    const headerOnly = jpeg.subarray(0, 20);
    expect((await problemOf(decodeForModel(headerOnly, LIMITS, SPEC))).status).toBe(422);
  });
});
