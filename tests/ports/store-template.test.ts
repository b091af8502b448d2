/** The embedded store's template data dir: made once, copied into new empty data dirs, ignored when stale. */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedDocumentStore } from '../../shared/adapters/documents/embedded.js';
import {
  pgliteVersion,
  seedDataDir,
  TEMPLATE_FORMAT,
  templateDataDir,
  templateUsable,
} from '../../shared/adapters/documents/template.js';
import { storeTemplateDir, ThreadedDocumentStore } from '../../shared/adapters/documents/threaded.js';
import { DocumentStoreError } from '../../shared/ports/documents.js';

/** The compiled worker entry: the test runner executes TypeScript sources, a worker thread cannot. */
const WORKER_URL = new URL('../../dist/shared/adapters/documents/embedded-worker.js', import.meta.url);

let root: string;
let template: string;
/** A template as the build makes it: no documents. */
let emptyTemplate: string;

/** Reads the marker document the template was given, from a store opened on `dataDir`. */
async function marker(store: EmbeddedDocumentStore | ThreadedDocumentStore) {
  return store.collection<{ from: string }>('marks').get('template');
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'vigil-template-'));
  template = join(root, 'template');
  expect(await EmbeddedDocumentStore.makeTemplate(template)).toBe(true);
  // A document only the template holds: a data dir that has it was copied, not initialised.
  const store = await EmbeddedDocumentStore.open({ dataDir: templateDataDir(template) });
  await store.collection('marks').set('template', { from: 'template' });
  await store.close();
  emptyTemplate = join(root, 'empty-template');
  expect(await EmbeddedDocumentStore.makeTemplate(emptyTemplate)).toBe(true);
}, 90_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('store template', () => {
  it('is stamped with the installed PGlite and kept by a second make', async () => {
    const stamp = JSON.parse(await readFile(join(template, 'template.json'), 'utf8'));
    expect(stamp).toEqual({ pglite: pgliteVersion(), format: TEMPLATE_FORMAT });
    expect(pgliteVersion()).toMatch(/^\d+\.\d+\.\d+/);
    expect(templateUsable(template)).toBe(true);
    expect(await EmbeddedDocumentStore.makeTemplate(template)).toBe(false);
    expect(existsSync(`${template}.tmp-${process.pid}`)).toBe(false);
  });

  it('holds only the database PGlite serves: template0 and template1 are dropped, a third of the files', async () => {
    // One directory per database under base/; a data dir made by initdb has three.
    expect(await readdir(join(templateDataDir(template), 'base'))).toHaveLength(1);
    const initdb = join(root, 'initdb');
    await (await EmbeddedDocumentStore.open({ dataDir: initdb })).close();
    expect(await readdir(join(initdb, 'base'))).toHaveLength(3);
  }, 30_000);

  it('seeds a new data dir, which then opens with the template database', async () => {
    const dataDir = join(root, 'fresh');
    const store = await EmbeddedDocumentStore.open({ dataDir, templateDir: template });
    try {
      expect(await marker(store)).toEqual({ from: 'template' });
      await store.collection('marks').set('own', { from: 'fresh' });
    } finally {
      await store.close();
    }
    // The copy is independent: the template did not get the new document.
    const again = await EmbeddedDocumentStore.open({ dataDir: templateDataDir(template) });
    try {
      expect(await again.collection('marks').get('own')).toBeNull();
    } finally {
      await again.close();
    }
  });

  it.each([
    ['the compiled tree', 'threaded', WORKER_URL],
    [
      'the server bundle (dist/server, scripts/build-server.ts)',
      'bundled',
      new URL('../../dist/server/embedded-worker.js', import.meta.url),
    ],
  ])(
    'seeds through the store thread of %s too, and refuses a template that holds documents',
    async (_, dir, workerUrl) => {
      // The thread answers reads of a new data dir as empty until it writes, so a copy that holds a
      // document (here the marker) is refused, naming the cause.
      await expect(
        ThreadedDocumentStore.open({ dataDir: join(root, dir), workerUrl, templateDir: template }),
      ).rejects.toThrow(/seeded from a store template that holds documents/);
      // The marked copy is what the thread found: it seeded from the template.
      const copied = await EmbeddedDocumentStore.open({ dataDir: join(root, dir) });
      try {
        expect(await marker(copied)).toEqual({ from: 'template' });
      } finally {
        await copied.close();
      }
      // From a template as the build makes it: one database under base/ (initdb makes three).
      const dataDir = join(root, `${dir}-from-empty`);
      const store = await ThreadedDocumentStore.open({ dataDir, workerUrl, templateDir: emptyTemplate });
      try {
        expect(await readdir(join(dataDir, 'base'))).toHaveLength(1);
        await store.collection('marks').set('own', { from: dir });
        expect(await store.collection('marks').get('own')).toEqual({ from: dir });
      } finally {
        await store.close();
      }
    },
    30_000,
  );

  it("is found from the server bundle and from the compiled tree, each at the build's dist/store-template", async () => {
    const dist = join(root, 'layout', 'dist');
    const compiled = pathToFileURL(join(dist, 'shared/adapters/documents/threaded.js')).href;
    const bundled = pathToFileURL(join(dist, 'server/threaded-abc123.js')).href;
    // Before the build made the template, the compiled tree's place (where store-template.js makes it).
    expect(storeTemplateDir(compiled)).toBe(join(dist, 'store-template'));
    await mkdir(join(dist, 'store-template'), { recursive: true });
    expect(storeTemplateDir(compiled)).toBe(join(dist, 'store-template'));
    expect(storeTemplateDir(bundled)).toBe(join(dist, 'store-template'));
  });

  it('leaves a data dir that holds anything alone', async () => {
    const dataDir = join(root, 'existing');
    const first = await EmbeddedDocumentStore.open({ dataDir });
    await first.collection('marks').set('own', { from: 'existing' });
    await first.close();
    expect(seedDataDir(dataDir, template)).toBe(false);
    const store = await EmbeddedDocumentStore.open({ dataDir, templateDir: template });
    try {
      expect(await marker(store)).toBeNull();
      expect(await store.collection('marks').get('own')).toEqual({ from: 'existing' });
    } finally {
      await store.close();
    }
  }, 30_000);

  it('discards a half-made first start (<dataDir>.init) and creates the data dir whole', async () => {
    const dataDir = join(root, 'interrupted');
    // What a process killed during its first start leaves: an empty data dir and a partial copy.
    await mkdir(dataDir);
    await mkdir(join(`${dataDir}.init`, 'global'), { recursive: true });
    await writeFile(join(`${dataDir}.init`, 'PG_VERSION'), '17\n');
    const store = await EmbeddedDocumentStore.open({ dataDir, templateDir: template });
    try {
      expect(await marker(store)).toEqual({ from: 'template' });
    } finally {
      await store.close();
    }
    expect(existsSync(`${dataDir}.init`)).toBe(false);
  });

  it('names the data dir and the way out when a database cannot be opened', async () => {
    const dataDir = join(root, 'broken');
    await mkdir(join(dataDir, 'global'), { recursive: true });
    await writeFile(join(dataDir, 'PG_VERSION'), '17\n');
    const opening = EmbeddedDocumentStore.open({ dataDir, templateDir: template });
    await expect(opening).rejects.toThrow(DocumentStoreError);
    await expect(opening).rejects.toThrow(/broken could not be opened .*delete it/);
  }, 30_000);

  it('ignores a template made by another PGlite version, or a missing one', async () => {
    const stale = join(root, 'stale');
    await mkdir(stale);
    await writeFile(
      join(stale, 'template.json'),
      JSON.stringify({ pglite: '0.0.0', format: TEMPLATE_FORMAT }),
    );
    expect(templateUsable(stale)).toBe(false);
    // The right PGlite but an older format (format 1 had no field and kept all three databases).
    const older = join(root, 'older');
    await mkdir(join(older, 'data'), { recursive: true });
    await writeFile(join(older, 'data', 'PG_VERSION'), '17\n');
    await writeFile(join(older, 'template.json'), JSON.stringify({ pglite: pgliteVersion() }));
    expect(templateUsable(older)).toBe(false);
    await writeFile(
      join(older, 'template.json'),
      JSON.stringify({ pglite: pgliteVersion(), format: TEMPLATE_FORMAT }),
    );
    expect(templateUsable(older)).toBe(true);
    expect(templateUsable(join(root, 'missing'))).toBe(false);
    const empty = join(root, 'empty');
    await mkdir(empty);
    expect(seedDataDir(empty, stale)).toBe(false);
    expect(seedDataDir(empty, join(root, 'missing'))).toBe(false);
    const store = await EmbeddedDocumentStore.open({ dataDir: empty, templateDir: stale });
    try {
      // initdb ran: a working, empty database.
      expect(await marker(store)).toBeNull();
    } finally {
      await store.close();
    }
  }, 30_000);
});
