/**
 * Where the vision tests find the backbone (the model cache `npm test` fills from ../shared/models) and
 * the labelled photos (../shared/data, read in place, never copied); and synthetic images made with sharp.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { PreprocessSpec } from '../../shared/vision/preprocess.js';

export const MODEL_CACHE = path.resolve(process.env.VIGIL_MODEL_CACHE_DIR ?? '.models-cache');
export const BACKBONE_READY = existsSync(
  path.join(MODEL_CACHE, 'mobilenetv2-12-int8', 'mobilenetv2-12-int8.onnx'),
);
if (!BACKBONE_READY)
  console.error(
    `\n!!! no MobileNetV2 backbone in ${MODEL_CACHE}: tests that run it are SKIPPED (npm run models:pull -- --mirror ../shared/models) !!!\n`,
  );

const DATA = path.resolve(process.env.VIGIL_CORPORA_DIR ?? '../shared/data');
export const CATS_VS_DOGS = path.join(DATA, 'cats-vs-dogs');
export const PHOTOS_READY = existsSync(path.join(CATS_VS_DOGS, 'test', 'cat'));

/** The first `n` test photos of a class (sorted), as paths. */
export function testPhotos(label: 'cat' | 'dog', n: number): string[] {
  const dir = path.join(CATS_VS_DOGS, 'test', label);
  return readdirSync(dir)
    .sort()
    .slice(0, n)
    .map((f) => path.join(dir, f));
}

/** A solid-colour image in the given format. */
export function solidImage(
  width: number,
  height: number,
  format: 'jpeg' | 'png' | 'webp' | 'gif' | 'tiff',
  colour = '#808080',
): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: colour } })
    .toFormat(format)
    .toBuffer();
}

export { bombPng } from '../../scripts/bench/support.js';

/** MobileNetV2's preprocessing as the catalog declares it (torchvision's evaluation transform). */
export const IMAGENET_SPEC: PreprocessSpec = {
  resize: { mode: 'shorter-side-center-crop', shorterSide: 256, crop: 224 },
  interpolation: 'bilinear',
  scale: 255,
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
  channelOrder: 'RGB',
  layout: 'NCHW',
};
