/**
 * `npm run models:pull [-- --mirror <folder>] [--only <name>] [--optional]`: fills the model cache with
 * the public backbones of `models/backbones.json`, each checked against its pinned size and sha256.
 * Files already cached and intact are kept; `--mirror` copies from a folder laid out as `<name>/<file>`
 * (offline, CI) and falls back to the upstream URL when the folder lacks a file. `--optional` (used by
 * `npm start` and `npm test`) reports failures but exits 0: what needs a missing backbone says so itself.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadPlatformConfig } from '../shared/runtime/config.js';
import { cachedPath, readCatalog, sha256Hex } from '../shared/vision/backbones.js';

const { values } = parseArgs({
  options: {
    mirror: { type: 'string' },
    only: { type: 'string' },
    optional: { type: 'boolean' },
    help: { type: 'boolean' },
  },
});
if (values.help) {
  console.log('usage: npm run models:pull [-- --mirror <folder>] [--only <backbone>] [--optional]');
  process.exit(0);
}

const config = loadPlatformConfig(process.env);
const catalog = await readCatalog(config.modelsDir);
const wanted = values.only ? catalog.filter((b) => b.name === values.only) : catalog;
if (wanted.length === 0) {
  console.error(`no backbone named "${values.only}" in the catalog`);
  process.exit(2);
}

let failures = 0;
for (const spec of wanted) {
  for (const file of Object.values(spec.files)) {
    const target = cachedPath(config.modelCacheDir, spec, file);
    const label = `${spec.name}/${file.file}`;
    if (await intact(target, file.sha256, file.bytes)) {
      console.log(`✓ ${label} (cached)`);
      continue;
    }
    try {
      const mirrored = values.mirror ? join(values.mirror, spec.name, file.file) : undefined;
      const fromMirror = mirrored !== undefined && existsSync(mirrored);
      const source = fromMirror ? mirrored : file.url;
      const bytes = fromMirror ? await readFile(mirrored) : await download(file.url);
      const sha256 = sha256Hex(bytes);
      if (bytes.length !== file.bytes || sha256 !== file.sha256)
        throw new Error(
          `got ${bytes.length} bytes with sha256 ${sha256}, expected ${file.bytes} / ${file.sha256}`,
        );
      await mkdir(dirname(target), { recursive: true });
      await writeFile(`${target}.part`, bytes);
      await rename(`${target}.part`, target);
      console.log(`✓ ${label} ← ${source} (${bytes.length} bytes, sha256 ok)`);
    } catch (error) {
      failures++;
      console.error(`✗ ${label}: ${error instanceof Error ? error.message : error}`);
    }
  }
}
console.log(`model cache: ${config.modelCacheDir}`);
if (failures > 0) {
  console.error(`${failures} file(s) failed; offline, pass --mirror <folder> (e.g. ../shared/models)`);
  if (!values.optional) process.exit(1);
  console.error('(--optional: continuing; functions that need these files will say so at start)');
}

async function intact(path: string, sha256: string, bytes: number): Promise<boolean> {
  try {
    const data = await readFile(path);
    return data.length === bytes && sha256Hex(data) === sha256;
  } catch {
    return false;
  }
}

async function download(url: string): Promise<Buffer> {
  const response = await fetch(url, { signal: AbortSignal.timeout(120_000) });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}
