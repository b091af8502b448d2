/**
 * A new data dir that cannot be renamed into place (a mount point, another filesystem than its parent)
 * is created in place instead. `rename` is made to fail the way it does there (EXDEV); the rest is real.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const refused = vi.hoisted(() => [] as string[]);

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...real,
    rename: async (from: string, to: string) => {
      if (String(to).endsWith('mounted')) {
        refused.push(String(to));
        throw Object.assign(new Error(`EXDEV: cross-device link not permitted, rename '${from}'`), {
          code: 'EXDEV',
        });
      }
      return real.rename(from, to);
    },
  };
});

const { EmbeddedDocumentStore } = await import('../../shared/adapters/documents/embedded.js');

let root: string;
let template: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'vigil-in-place-'));
  template = join(root, 'template');
  await EmbeddedDocumentStore.makeTemplate(template);
}, 60_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('a data dir that cannot be renamed into place', () => {
  it('is seeded in place from the template, and the staging copy is removed', async () => {
    const dataDir = join(root, 'mounted');
    const store = await EmbeddedDocumentStore.open({ dataDir, templateDir: template });
    try {
      await store.collection('x').set('a', { n: 1 });
      expect(await store.collection('x').get('a')).toEqual({ n: 1 });
    } finally {
      await store.close();
    }
    expect(refused).toEqual([dataDir]);
    expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(true);
    expect(existsSync(`${dataDir}.init`)).toBe(false);
  });
});
