/** SIGTERM while requests are in flight: every request answered 200 keeps its history row. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedDocumentStore } from '../../shared/adapters/documents/embedded.js';
import { COLLECTIONS } from '../../shared/ports/collections.js';
import { type RunningServer, startServer } from '../support/process.js';

const KEY = 'shutdown-test-key-0123456789abcdefghijkl';
let dataDir: string;
let server: RunningServer;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'vigil-shutdown-'));
  server = await startServer('dist/server/serve.js', ['toxicity'], {
    VIGIL_DATA_DIR: dataDir,
    VIGIL_BOOTSTRAP_API_KEY: KEY,
    VIGIL_RATE_LIMIT_PER_MINUTE: '1000000',
    VIGIL_RATE_LIMIT_BURST: '1000000',
  });
});
afterAll(async () => {
  await server?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('shutdown', () => {
  it('lets admitted requests finish and keeps their history; later ones get 503 or no connection', async () => {
    const predict = () =>
      fetch(`${server.base}/predict`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-API-Key': KEY },
        body: JSON.stringify({ text: 'You are wrong about this, and your last edit was a stupid mistake.' }),
      }).then(async (res) => ({ status: res.status, body: await res.text() }));
    // Thirty-two clients send one request after another, before, during and after the SIGTERM.
    const answered: { status: number; body: string }[] = [];
    const client = async () => {
      for (;;) {
        try {
          const res = await predict();
          answered.push(res);
          if (res.status !== 200) return;
        } catch {
          return; // the server has closed the connection or exited
        }
      }
    };
    const clients = Array.from({ length: 32 }, client);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await server.stop();
    await Promise.all(clients);

    const ok = answered.filter((r) => r.status === 200).length;
    expect(ok).toBeGreaterThan(0);
    for (const r of answered.filter((a) => a.status !== 200)) {
      expect(r.status).toBe(503);
      expect(JSON.parse(r.body).error.code).toBe('unavailable');
    }
    expect(server.output()).not.toContain('history write failed');
    const store = await EmbeddedDocumentStore.open({ dataDir: join(dataDir, 'documents') });
    try {
      expect(await store.collection(COLLECTIONS.predictions).count()).toBeGreaterThanOrEqual(ok);
    } finally {
      await store.close();
    }
  });
});
