/** The lean Cloud Run entry (dist/scripts/serve.js) as a real process. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../support/process.js';

const BOOTSTRAP = 'operator-bootstrap-key-0123456789abcdef';
let dataDir: string;
let server: RunningServer;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'vigil-serve-'));
  server = await startServer('dist/scripts/serve.js', ['auth'], {
    VIGIL_DATA_DIR: dataDir,
    VIGIL_BOOTSTRAP_API_KEY: BOOTSTRAP,
  });
});
afterAll(async () => {
  await server?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('lean server entry', () => {
  it('answers malformed JSON, wrong types and oversized bodies with the JSON envelope', async () => {
    const post = (body: string, type: string) =>
      fetch(`${server.base}/v1/keys`, {
        method: 'POST',
        body,
        headers: { 'Content-Type': type, 'X-API-Key': BOOTSTRAP },
      });
    const cases = [
      { body: '{"name": ', type: 'application/json', status: 400, code: 'invalid_argument' },
      { body: 'name=x', type: 'text/plain', status: 415, code: 'unsupported_media_type' },
      {
        body: JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) }),
        type: 'application/json',
        status: 413,
        code: 'payload_too_large',
      },
    ];
    for (const c of cases) {
      const res = await post(c.body, c.type);
      expect(res.status).toBe(c.status);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(c.code);
    }
  });

  it('accepts the bootstrap key and logs Cloud Logging JSON without secrets', async () => {
    const res = await fetch(`${server.base}/v1/keys`, { headers: { 'X-API-Key': BOOTSTRAP } });
    expect(res.status).toBe(200);
    const lines = server
      .output()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(
      lines.some((l) => l.message === 'request' && l.route === '/v1/keys' && l.severity === 'INFO'),
    ).toBe(true);
    expect(server.output()).not.toContain(BOOTSTRAP);
  });

  it('refuses to start on a bad config, naming the variable', async () => {
    await expect(
      startServer('dist/scripts/serve.js', ['auth'], { PORT: '1', VIGIL_JWT_SECRET: 'short' }),
    ).rejects.toThrow(/VIGIL_JWT_SECRET/);
  });
});
