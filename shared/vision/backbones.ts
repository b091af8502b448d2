/**
 * The catalog of public backbones (`models/backbones.json`): where each file comes from, its checksum,
 * its I/O names and the preprocessing its inputs need. Files live in a local cache filled by
 * `npm run models:pull`; nothing here downloads.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { PreprocessSpecSchema } from './preprocess.js';

export const CATALOG_FILE = 'backbones.json';

const FileSchema = z.object({
  file: z.string().regex(/^[\w.-]+$/, 'a plain file name'),
  url: z.url(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().positive(),
});

export const BackboneSpecSchema = z.object({
  name: z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/),
  description: z.string(),
  license: z.string(),
  files: z.object({ model: FileSchema }).catchall(FileSchema),
  input: z.object({
    name: z.string(),
    layout: z.enum(['NCHW', 'NHWC']),
    channels: z.literal(3),
    height: z.number().int().positive(),
    width: z.number().int().positive(),
  }),
  outputs: z.record(z.string(), z.string()),
  /** An inner tensor exposed as an extra float output (see `withFeatureOutput`). */
  features: z
    .object({
      name: z.string(),
      dimension: z.number().int().positive(),
      quantized: z.string(),
      scale: z.string(),
      zeroPoint: z.string(),
    })
    .optional(),
  preprocess: PreprocessSpecSchema,
});

export type BackboneSpec = z.infer<typeof BackboneSpecSchema>;
export type BackboneFile = z.infer<typeof FileSchema>;

const CatalogSchema = z.object({ backbones: z.array(BackboneSpecSchema).min(1) });

export async function readCatalog(modelsDir: string): Promise<BackboneSpec[]> {
  const path = join(modelsDir, CATALOG_FILE);
  const parsed = CatalogSchema.safeParse(JSON.parse(await readFile(path, 'utf8')));
  if (!parsed.success) throw new Error(`${path}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  return parsed.data.backbones;
}

export async function backboneSpec(modelsDir: string, name: string): Promise<BackboneSpec> {
  const spec = (await readCatalog(modelsDir)).find((b) => b.name === name);
  if (!spec) throw new Error(`no backbone "${name}" in ${join(modelsDir, CATALOG_FILE)}`);
  return spec;
}

export function cachedPath(cacheDir: string, spec: BackboneSpec, file: BackboneFile): string {
  return join(cacheDir, spec.name, file.file);
}

/** A backbone file that is absent from the cache: the message says how to get it. */
export class BackboneMissingError extends Error {
  override name = 'BackboneMissingError';
  constructor(path: string) {
    super(
      `${path} is missing: run \`npm run models:pull\` (or \`npm run models:pull -- --mirror <folder>\` ` +
        'offline) to fetch the public backbones into the model cache',
    );
  }
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Reads a cached backbone file and refuses one whose size or checksum differs from the catalog. */
export async function readVerified(
  cacheDir: string,
  spec: BackboneSpec,
  file: BackboneFile,
): Promise<Buffer> {
  const path = cachedPath(cacheDir, spec, file);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new BackboneMissingError(path);
    throw error;
  }
  const sha256 = sha256Hex(bytes);
  if (bytes.length !== file.bytes || sha256 !== file.sha256)
    throw new Error(
      `${path} is ${bytes.length} bytes with sha256 ${sha256}, but the catalog expects ${file.bytes} bytes ` +
        `with sha256 ${file.sha256}: delete it and run \`npm run models:pull\` again`,
    );
  return bytes;
}
