/** Preprocessing goldens: torchvision's resize + centre-crop geometry and the pixel → tensor arithmetic. */
import { describe, expect, it } from 'vitest';
import { backboneSpec } from '../../shared/vision/backbones.js';
import {
  meanBrightness,
  outputSize,
  type PreprocessSpec,
  PreprocessSpecSchema,
  planResize,
  tensorLength,
  writeTensor,
} from '../../shared/vision/preprocess.js';
import { MODELS_DIR } from '../support/platform.js';
import { IMAGENET_SPEC } from '../support/vision.js';

const IMAGENET = IMAGENET_SPEC;

it('is the preprocessing the backbone catalog declares', async () => {
  expect((await backboneSpec(MODELS_DIR, 'mobilenetv2-12-int8')).preprocess).toEqual(IMAGENET);
});

describe('planResize', () => {
  it.each([
    // [width, height] → [resizeW, resizeH, left, top]; values worked out by hand from torchvision's rules
    [1000, 800, 320, 256, 48, 16],
    [800, 1000, 256, 320, 16, 48],
    [498, 415, 307, 256, 42, 16], // (307 − 224) / 2 = 41.5 rounds half to even → 42
    [305, 256, 305, 256, 40, 16], // 40.5 → 40, as Python's round()
    [256, 256, 256, 256, 16, 16],
    [50, 40, 320, 256, 48, 16], // upscaled small images follow the same rule
    [2000, 100, 5120, 256, 2448, 16],
  ])('%i×%i → resize %i×%i, crop at (%i, %i)', (w, h, rw, rh, left, top) => {
    expect(planResize(w, h, IMAGENET)).toEqual({
      resizeWidth: rw,
      resizeHeight: rh,
      crop: { left, top, width: 224, height: 224 },
    });
  });

  it('stretches to a fixed size when the spec says so', () => {
    const spec = { ...IMAGENET, resize: { mode: 'stretch' as const, width: 320, height: 240 } };
    expect(planResize(1000, 800, spec)).toEqual({
      resizeWidth: 320,
      resizeHeight: 240,
      crop: { left: 0, top: 0, width: 320, height: 240 },
    });
    expect(outputSize(spec)).toEqual({ width: 320, height: 240 });
    expect(tensorLength(spec)).toBe(3 * 320 * 240);
  });

  it('refuses empty images and specs whose crop exceeds the resize', () => {
    expect(() => planResize(0, 10, IMAGENET)).toThrow(RangeError);
    expect(
      PreprocessSpecSchema.safeParse({
        ...IMAGENET,
        resize: { mode: 'shorter-side-center-crop', shorterSide: 200, crop: 224 },
      }).success,
    ).toBe(false);
    expect(PreprocessSpecSchema.safeParse(IMAGENET).success).toBe(true);
  });
});

describe('writeTensor', () => {
  const tiny = (overrides: Partial<PreprocessSpec>): PreprocessSpec => ({
    ...IMAGENET,
    resize: { mode: 'stretch', width: 2, height: 1 },
    ...overrides,
  });
  // Two pixels: pure red, then (0, 128, 255).
  const rgb = Uint8Array.from([255, 0, 0, 0, 128, 255]);
  const norm = (v: number, c: number) =>
    (v / 255 - (IMAGENET.mean[c] as number)) / (IMAGENET.std[c] as number);

  it('normalises into planar NCHW, RGB', () => {
    const out = new Float32Array(6);
    writeTensor(rgb, tiny({}), out);
    const expected = [norm(255, 0), norm(0, 0), norm(0, 1), norm(128, 1), norm(0, 2), norm(255, 2)];
    for (const [i, v] of expected.entries()) expect(out[i]).toBeCloseTo(v, 5);
    expect(out[0]).toBeCloseTo(2.2489083, 5); // (1 − 0.485) / 0.229
  });

  it('interleaves for NHWC and swaps channels for BGR', () => {
    const nhwc = new Float32Array(6);
    writeTensor(rgb, tiny({ layout: 'NHWC' }), nhwc);
    expect(Array.from(nhwc, (v) => Number(v.toFixed(5)))).toEqual(
      [norm(255, 0), norm(0, 1), norm(0, 2), norm(0, 0), norm(128, 1), norm(255, 2)].map((v) =>
        Number(v.toFixed(5)),
      ),
    );
    const bgr = new Float32Array(6);
    writeTensor(rgb, tiny({ layout: 'NHWC', channelOrder: 'BGR' }), bgr);
    // Channel 0 is now blue, normalised with blue's mean/std.
    expect(bgr[0]).toBeCloseTo(norm(0, 2), 5);
    expect(bgr[2]).toBeCloseTo(norm(255, 0), 5);
    expect(bgr[3]).toBeCloseTo(norm(255, 2), 5);
  });

  it('uses raw scale and per-channel mean/std (UltraFace: (p − 127) / 128)', () => {
    const out = new Float32Array(6);
    writeTensor(rgb, tiny({ scale: 1, mean: [127, 127, 127], std: [128, 128, 128] }), out);
    expect(Array.from(out)).toEqual([1, -127 / 128, -127 / 128, 1 / 128, -127 / 128, 1]);
  });

  it('writes at an offset inside a batch and refuses sizes that do not match', () => {
    const batch = new Float32Array(12).fill(99);
    writeTensor(rgb, tiny({}), batch, 6);
    expect(batch.slice(0, 6).every((v) => v === 99)).toBe(true);
    expect(batch[6]).toBeCloseTo(norm(255, 0), 5);
    expect(() => writeTensor(rgb.subarray(0, 3), tiny({}), batch)).toThrow(RangeError);
    expect(() => writeTensor(rgb, tiny({}), batch, 7)).toThrow(RangeError);
  });
});

describe('meanBrightness', () => {
  it('is Rec. 601 luma in [0, 1]', () => {
    expect(meanBrightness(Uint8Array.from([255, 255, 255, 0, 0, 0]))).toBeCloseTo(0.5, 6);
    expect(meanBrightness(Uint8Array.from([255, 0, 0]))).toBeCloseTo(0.299, 6);
    expect(meanBrightness(new Uint8Array(0))).toBe(0);
  });
});
