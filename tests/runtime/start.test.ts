/** startFunction: takes requests while the embedded store opens, and stops the process if it cannot. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EmbeddedDocumentStore } from '../../shared/adapters/documents/embedded.js';
import type { DocumentStore } from '../../shared/ports/documents.js';
import { loadPlatformConfig } from '../../shared/runtime/config.js';
import type { VigilFunction } from '../../shared/runtime/function.js';
import { startFunction } from '../../shared/runtime/start.js';
import { TEST_SECRET } from '../support/platform.js';

/** An embedded store whose `ping` (the platform's "open" check) settles only when the test says. */
async function openingStore() {
  const inner = await EmbeddedDocumentStore.open();
  let settle = (_error?: Error) => {};
  const opened = new Promise<void>((resolve, reject) => {
    settle = (error) => (error ? reject(error) : resolve());
  });
  const store: DocumentStore = {
    kind: 'embedded',
    collection: (name) => inner.collection(name),
    ping: () => opened,
    close: () => inner.close(),
  };
  return { store, settle };
}

const echo: VigilFunction = {
  name: 'echo',
  summary: 'answers GET /',
  async create() {
    return { fetch: () => new Response('ok') };
  },
};

const signals = () => ({ term: process.listeners('SIGTERM'), int: process.listeners('SIGINT') });
let before = signals();
let dataDir: string | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  // startFunction stops the process on SIGTERM/SIGINT; the test runner's process keeps its own.
  const now = signals();
  for (const l of now.term.filter((x) => !before.term.includes(x))) process.off('SIGTERM', l);
  for (const l of now.int.filter((x) => !before.int.includes(x))) process.off('SIGINT', l);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function start() {
  before = signals();
  dataDir = await mkdtemp(join(tmpdir(), 'vigil-start-'));
  const config = loadPlatformConfig({
    VIGIL_DATA_DIR: dataDir,
    VIGIL_JWT_SECRET: TEST_SECRET,
    VIGIL_LOG_LEVEL: 'ERROR',
  });
  const { store, settle } = await openingStore();
  const exits: (number | undefined)[] = [];
  vi.spyOn(process, 'exit').mockImplementation(((code?: number) => {
    exits.push(code);
  }) as typeof process.exit);
  const app = await startFunction(echo, {}, { config, documents: Promise.resolve(store) });
  return { app, settle, exits };
}

describe('startFunction', () => {
  it('answers before the embedded store is open, and keeps running once it is', async () => {
    const { app, settle, exits } = await start();
    expect(await (await app.fetch(new Request('http://x/'))).text()).toBe('ok');
    settle();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(exits).toEqual([]);
    await app.platform.close();
  });

  it('exits with status 1 when the store then fails to open', async () => {
    const { app, settle, exits } = await start();
    settle(new Error('the data dir is corrupt'));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(exits).toEqual([1]);
    await app.platform.close().catch(() => undefined);
  });
});
