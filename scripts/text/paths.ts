/** Where the text-model CLIs find the repository and ../shared/data, from sources or from dist/. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function repoRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return path.basename(path.resolve(here, '../..')) === 'dist'
    ? path.resolve(here, '../../..')
    : path.resolve(here, '../..');
}

export const REPO_ROOT = repoRoot();
export const DATA_ROOT = path.resolve(process.env.VIGIL_DATA_DIR ?? path.join(REPO_ROOT, '../shared/data'));
export const modelDir = (name: string, version: string) => path.join(REPO_ROOT, 'models', name, version);
