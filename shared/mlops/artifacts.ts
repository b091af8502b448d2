/**
 * Model artifacts in the blobs store: a trained version's folder is uploaded under
 * `models/<name>/<version>/`, and a serving instance unpacks it into its retrained-models folder,
 * checking every file's sha256 against the registry record before the registry may list it.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BlobStore } from '../ports/blobs.js';
import type { ArtifactRef } from './versions.js';

export const artifactPrefix = (name: string, version: string) => `models/${name}/${version}`;

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Uploads every file of `dir` (flat) and returns the reference a version record keeps. */
export async function publishModelFolder(
  blobs: BlobStore,
  dir: string,
  name: string,
  version: string,
): Promise<ArtifactRef> {
  const location = artifactPrefix(name, version);
  const files: Record<string, string> = {};
  for (const file of (await readdir(dir)).sort()) {
    if (!(await stat(join(dir, file))).isFile()) continue;
    const bytes = await readFile(join(dir, file));
    files[file] = sha256(bytes);
    await blobs.put(`${location}/${file}`, bytes, {
      contentType: file.endsWith('.json') ? 'application/json' : 'application/octet-stream',
      metadata: { sha256: files[file] },
    });
  }
  const model = files['model.onnx'];
  if (!model) throw new Error(`${dir} holds no model.onnx`);
  return { location, files, sha256: model };
}

/**
 * Makes `<root>/<name>/<version>/` hold the artifact: fetched into a temporary folder, verified, then
 * renamed into place, so the registry never lists a half-written version. Returns false when it was
 * already there.
 */
export async function materializeVersion(
  blobs: BlobStore,
  root: string,
  name: string,
  version: string,
  artifact: ArtifactRef,
): Promise<boolean> {
  const target = join(root, name, version);
  if (await exists(join(target, 'manifest.json'))) return false;
  const temp = join(root, name, `.${version}.${randomUUID()}`);
  await mkdir(temp, { recursive: true });
  try {
    for (const [file, expected] of Object.entries(artifact.files)) {
      if (file.includes('/') || file.startsWith('.')) throw new Error(`unexpected artifact file ${file}`);
      const blob = await blobs.get(`${artifact.location}/${file}`);
      if (!blob) throw new Error(`artifact ${artifact.location}/${file} is missing`);
      if (sha256(blob.data) !== expected)
        throw new Error(`artifact ${artifact.location}/${file}: checksum mismatch`);
      await writeFile(join(temp, file), blob.data);
    }
    await rm(target, { recursive: true, force: true });
    await rename(temp, target);
    return true;
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
