/** The same function through its deployable entries: the Functions Framework and the local runtime. */

import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../functions/registry.js';
import { hashPassword } from '../../shared/auth/passwords.js';
import { loadPlatformConfig } from '../../shared/runtime/config.js';
import { createLocalRuntime } from '../../shared/runtime/local.js';

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'vigil-entries-'));
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

describe('Functions Framework entry (functions/auth/index.ts)', () => {
  it('registers "auth" and serves the password grant through Express', async () => {
    process.env.VIGIL_DATA_DIR = join(dataDir, 'ff');
    process.env.VIGIL_USERS = JSON.stringify([
      { username: 'ops', passwordHash: await hashPassword('pw-for-ops'), scopes: ['admin'] },
    ]);
    process.env.VIGIL_LOG_LEVEL = 'ERROR';
    await import('../../functions/auth/index.js');
    const { getTestServer } = await import('@google-cloud/functions-framework/testing');
    const server = getTestServer('auth');
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const token = await fetch(`${base}/token`, {
        method: 'POST',
        body: new URLSearchParams({ username: 'ops', password: 'pw-for-ops' }),
      });
      expect(token.status).toBe(200);
      const { access_token } = (await token.json()) as { access_token: string };
      const keys = await fetch(`${base}/v1/keys`, { headers: { Authorization: `Bearer ${access_token}` } });
      expect(keys.status).toBe(200);
      const malformed = await fetch(`${base}/v1/keys`, {
        method: 'POST',
        body: '{"name":',
        headers: { Authorization: `Bearer ${access_token}`, 'Content-Type': 'application/json' },
      });
      // Express's body-parser inside the Functions Framework rejects malformed JSON before any function
      // code runs (an HTML 400); the lean server entry answers with the JSON envelope (see below).
      expect(malformed.status).toBe(400);
      const wrongType = await fetch(`${base}/v1/keys`, {
        method: 'POST',
        body: 'name=x',
        headers: { Authorization: `Bearer ${access_token}`, 'Content-Type': 'text/plain' },
      });
      expect(wrongType.status).toBe(415);
      expect(((await wrongType.json()) as { error: { code: string } }).error.code).toBe(
        'unsupported_media_type',
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('local runtime (npm start)', () => {
  it('mounts every function under /<name>/, prints dev credentials once, and they work', async () => {
    const config = loadPlatformConfig({ VIGIL_DATA_DIR: join(dataDir, 'local'), VIGIL_LOG_LEVEL: 'ERROR' });
    const first = await createLocalRuntime(config, FUNCTIONS);
    try {
      const creds = first.credentials!;
      expect(creds.password.length).toBeGreaterThanOrEqual(16);
      const get = (path: string, init?: RequestInit) =>
        first.fetch(new Request(`http://localhost${path}`, init));

      expect(await (await get('/')).text()).toContain('href="/auth/docs"');
      expect((await get('/auth/docs')).status).toBe(200);
      expect((await get('/auth/metrics')).status).toBe(200);
      expect((await get('/auth/docs/assets/swagger-ui.css')).status).toBe(200);
      expect((await get('/nope')).status).toBe(404);

      const token = await get('/auth/token', {
        method: 'POST',
        body: new URLSearchParams({ username: creds.username, password: creds.password }),
      });
      expect(token.status).toBe(200);
      expect((await get('/auth/v1/keys', { headers: { 'X-API-Key': creds.apiKey } })).status).toBe(200);

      // A signed local blob URL is served by the runtime and refuses tampering.
      await first.platform.blobs.put('reports/r.json', Buffer.from('{"ok":true}'), {
        contentType: 'application/json',
      });
      const url = new URL(
        await first.platform.blobs.signedUrl('reports/r.json', { action: 'read', expiresInSeconds: 60 }),
      );
      expect(await (await get(`${url.pathname}${url.search}`)).text()).toBe('{"ok":true}');
      const signature = url.searchParams.get('X-Vigil-Signature') ?? '';
      // Change the first character to a different one, whatever it was.
      url.searchParams.set(
        'X-Vigil-Signature',
        `${signature.startsWith('0') ? '1' : '0'}${signature.slice(1)}`,
      );
      expect((await get(`${url.pathname}${url.search}`)).status).toBe(403);
    } finally {
      await first.platform.close();
    }
    const second = await createLocalRuntime(config, FUNCTIONS);
    expect(second.credentials).toBeNull();
    await second.platform.close();
  });
});
