import { generateKeyPairSync } from 'node:crypto';
import { createLocalJWKSet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authFunction } from '../../functions/auth/module.js';
import { hashPassword } from '../../shared/auth/passwords.js';
import { createTokenVerifier } from '../../shared/auth/tokens.js';
import type { FetchApp } from '../../shared/runtime/function.js';
import { createTestPlatform, type TestPlatform } from '../support/platform.js';

const BOOTSTRAP = 'bootstrap-key-from-the-operator-0123456789';

async function usersEnv() {
  return JSON.stringify([
    { username: 'alice', passwordHash: await hashPassword('correct horse'), scopes: ['admin'] },
    { username: 'bob', passwordHash: await hashPassword('battery staple'), scopes: ['toxicity:analyze'] },
  ]);
}

function form(fields: Record<string, string>, headers: Record<string, string> = {}): RequestInit {
  return {
    method: 'POST',
    body: new URLSearchParams(fields).toString(),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
  };
}

describe('auth function', () => {
  let t: TestPlatform;
  let app: FetchApp;
  const request = (path: string, init?: RequestInit) => app.fetch(new Request(`http://local${path}`, init));

  async function token(username: string, password: string, scope?: string): Promise<string> {
    const res = await request('/token', form({ username, password, ...(scope ? { scope } : {}) }));
    expect(res.status).toBe(200);
    return ((await res.json()) as { access_token: string }).access_token;
  }

  beforeAll(async () => {
    t = await createTestPlatform({ VIGIL_USERS: await usersEnv(), VIGIL_BOOTSTRAP_API_KEY: BOOTSTRAP });
    app = await authFunction.create(t.platform);
  });
  afterAll(() => t.cleanup());

  describe('POST /token', () => {
    it('issues a bearer JWT for the password grant (seed 000 form body)', async () => {
      const res = await request('/token', form({ username: 'alice', password: 'correct horse' }));
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const body = (await res.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ token_type: 'bearer', expires_in: 3600, scope: 'admin' });
      const principal = await t.platform.verifier.verify(body.access_token as string);
      expect(principal.subject).toBe('alice');
    });

    it('accepts multipart form bodies too', async () => {
      const fd = new FormData();
      fd.set('username', 'bob');
      fd.set('password', 'battery staple');
      expect((await request('/token', { method: 'POST', body: fd })).status).toBe(200);
    });

    const refusals = [
      { name: 'a wrong password', fields: { username: 'alice', password: 'wrong' } },
      { name: 'an unknown user', fields: { username: 'nobody', password: 'whatever' } },
      {
        name: "the seed's default admin/admin (there is none)",
        fields: { username: 'admin', password: 'admin' },
      },
    ];
    for (const r of refusals) {
      it(`refuses ${r.name} with 401`, async () => {
        const res = await request(
          '/token',
          form(r.fields, { 'X-Forwarded-For': `10.0.0.${refusals.indexOf(r)}` }),
        );
        expect(res.status).toBe(401);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthenticated');
      });
    }

    it('narrows scopes on request and refuses scopes the user lacks', async () => {
      const narrowed = await t.platform.verifier.verify(
        await token('alice', 'correct horse', 'toxicity:analyze'),
      );
      expect([...narrowed.scopes]).toEqual(['toxicity:analyze']);
      const res = await request(
        '/token',
        form({ username: 'bob', password: 'battery staple', scope: 'admin' }),
      );
      expect(res.status).toBe(400);
    });

    it('rejects JSON bodies with 415 and missing fields with 400', async () => {
      const json = await request('/token', {
        method: 'POST',
        body: JSON.stringify({ username: 'alice', password: 'correct horse' }),
        headers: { 'Content-Type': 'application/json' },
      });
      expect(json.status).toBe(415);
      expect((await request('/token', form({ username: 'alice' }))).status).toBe(400);
    });

    it('slows password guessing per client address with 429', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) {
        const res = await request(
          '/token',
          form({ username: 'alice', password: `guess${i}` }, { 'X-Forwarded-For': '203.0.113.9' }),
        );
        statuses.push(res.status);
      }
      expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
      expect(statuses.slice(10)).toEqual([429, 429]);
    });

    it('keys the login limit on the address Google appends, not on a forged first entry', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) {
        const forged = `198.51.100.${i}, 203.0.113.77`;
        const res = await request(
          '/token',
          form({ username: 'alice', password: `guess${i}` }, { 'X-Forwarded-For': forged }),
        );
        statuses.push(res.status);
      }
      expect(statuses.slice(10)).toEqual([429, 429]);
    });
  });

  describe('API keys', () => {
    it('lets an admin create, list and revoke keys; the key is shown once and works until revoked', async () => {
      const admin = { Authorization: `Bearer ${await token('alice', 'correct horse')}` };
      const created = await request('/v1/keys', {
        method: 'POST',
        body: JSON.stringify({
          name: 'worker',
          scopes: ['toxicity:analyze', 'admin'],
          rateLimitPerMinute: 120,
        }),
        headers: { 'Content-Type': 'application/json', ...admin },
      });
      expect(created.status).toBe(201);
      const key = (await created.json()) as {
        id: string;
        key: string;
        prefix: string;
        rateLimitPerMinute: number;
      };
      expect(key.key).toMatch(/^vk_[a-z2-7]{16}_/);
      expect(key.key.startsWith(key.prefix)).toBe(true);
      expect(key.rateLimitPerMinute).toBe(120);

      const listed = await request('/v1/keys', { headers: { 'X-API-Key': key.key } });
      expect(listed.status).toBe(200);
      const text = await listed.text();
      expect(text).toContain(key.id);
      expect(text).not.toContain(key.key);
      expect(text).not.toContain('hash');

      expect((await request(`/v1/keys/${key.id}`, { method: 'DELETE', headers: admin })).status).toBe(204);
      const after = await request('/v1/keys', { headers: { 'X-API-Key': key.key } });
      expect(after.status).toBe(401);
      const revoked = (
        (await (await request('/v1/keys', { headers: admin })).json()) as {
          keys: { id: string; revokedAt: string }[];
        }
      ).keys.find((k) => k.id === key.id);
      expect(revoked?.revokedAt).toBe(t.now.value.toISOString());
    });

    it('stores only a hash of each key', async () => {
      const { key, id } = await t.platform.apiKeys.create({
        name: 'x',
        scopes: ['admin'],
        createdBy: 'test',
      });
      const stored = await t.platform.documents.collection<Record<string, unknown>>('apiKeys').get(id);
      // The secret is base64url and may itself contain '_': take everything after the id.
      const secret = /^vk_[a-z2-7]{16}_(.+)$/.exec(key)?.[1] ?? '';
      expect(secret).toHaveLength(43);
      expect(JSON.stringify(stored)).not.toContain(secret);
      expect(stored?.hash).toMatch(/^[0-9a-f]{64}$/);
    });

    it('forbids non-admins (403) and validates input (400)', async () => {
      const bob = { Authorization: `Bearer ${await token('bob', 'battery staple')}` };
      expect((await request('/v1/keys', { headers: bob })).status).toBe(403);
      const admin = { 'X-API-Key': BOOTSTRAP };
      const bad = await request('/v1/keys', {
        method: 'POST',
        body: JSON.stringify({ name: 'x', scopes: ['root'] }),
        headers: { 'Content-Type': 'application/json', ...admin },
      });
      expect(bad.status).toBe(400);
      expect((await request('/v1/keys/abcdefghijklmnop', { method: 'DELETE', headers: admin })).status).toBe(
        404,
      );
      expect((await request('/v1/keys/..%2F..', { method: 'DELETE', headers: admin })).status).toBe(400);
    });

    it('accepts the operator bootstrap key as admin', async () => {
      expect((await request('/v1/keys', { headers: { 'X-API-Key': BOOTSTRAP } })).status).toBe(200);
      expect((await request('/v1/keys', { headers: { 'X-API-Key': `${BOOTSTRAP}x` } })).status).toBe(401);
    });
  });

  it('has no JWKS while signing with a shared secret', async () => {
    expect((await request('/.well-known/jwks.json')).status).toBe(404);
  });

  it('serves /health, /docs, /openapi.json and /metrics', async () => {
    expect((await request('/health')).status).toBe(200);
    expect((await request('/health/ready')).status).toBe(200);
    expect(await (await request('/docs')).text()).toContain('swagger-ui');
    const doc = (await (await request('/openapi.json')).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/.well-known/jwks.json',
      '/token',
      '/v1/keys',
      '/v1/keys/{id}',
    ]);
    expect(await (await request('/metrics')).text()).toContain('vigil_http_requests_total');
  });
});

describe('auth function with an asymmetric signing key', () => {
  it('publishes a JWKS that verifies the tokens it issues', async () => {
    const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
      format: 'pem',
      type: 'pkcs8',
    }) as string;
    const t = await createTestPlatform({
      VIGIL_JWT_PRIVATE_KEY: pem,
      VIGIL_JWT_ALGORITHMS: 'ES256',
      VIGIL_USERS: await usersEnv(),
    });
    try {
      const app = await authFunction.create(t.platform);
      const jwks = await (await app.fetch(new Request('http://local/.well-known/jwks.json'))).json();
      const res = await app.fetch(
        new Request('http://local/token', form({ username: 'bob', password: 'battery staple' })),
      );
      const { access_token } = (await res.json()) as { access_token: string };
      const verifier = createTokenVerifier({
        algorithms: ['ES256'],
        issuer: 'vigil',
        audience: 'vigil',
        jwks: createLocalJWKSet(jwks as { keys: [] }),
        now: () => t.now.value,
      });
      expect((await verifier.verify(access_token)).subject).toBe('bob');
      expect(JSON.stringify(jwks)).not.toContain('"d"');
    } finally {
      await t.cleanup();
    }
  });

  it('refuses to start with its own auth disabled', async () => {
    const t = await createTestPlatform({ VIGIL_AUTH_DISABLED: 'auth' });
    try {
      await expect(authFunction.create(t.platform)).rejects.toThrow(/cannot be disabled/);
    } finally {
      await t.cleanup();
    }
  });
});
