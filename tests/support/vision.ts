/**
 * Where the vision tests find the backbone (the model cache `npm test` fills from ../shared/models) and
 * the labelled photos (../shared/data, read in place, never copied); and synthetic images made with sharp.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';

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

function crc32(bytes: Buffer): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/**
 * A decompression bomb: a valid PNG header declaring `width × height` 1-bit grey pixels whose IDAT holds
 * the first `rows` rows of zeros (a real bomb would carry all of them; the header alone is what a safe
 * decoder must refuse). A few hundred bytes on the wire.
 */
export function bombPng(width: number, height: number, rows = 64): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 0; // greyscale
  const scanline = 1 + Math.ceil(width / 8);
  const idat = deflateSync(Buffer.alloc(scanline * rows), { level: 9 });
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', idat),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
