import { createRoute, z } from '@hono/zod-openapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApp } from '../../shared/http/app.js';
import { SECURED } from '../../shared/http/schemas.js';
import { platformHttpOptions } from '../../shared/runtime/function.js';
import { createTestPlatform, type TestPlatform } from '../support/platform.js';

const Comment = z.object({ text: z.string().min(1).max(100), lang: z.enum(['en', 'fr']).optional() });

let t: TestPlatform;
let adminKey: string;
let limitedKey: string;
let revokedKey: string;

function buildApp(env: { timeoutMs?: number; cors?: string[]; ready?: boolean } = {}) {
  const { platform } = t;
  const app = createHttpApp({
    ...platformHttpOptions(platform, 'demo'),
    bodyLimitBytes: 1024,
    ...(env.timeoutMs ? { timeoutMs: env.timeoutMs } : {}),
    corsOrigins: env.cors ?? [],
    title: 'demo',
    version: '0.0.1',
    description: 'test app',
    readiness: { model: async () => ({ ok: env.ready ?? true, detail: 'demo-model v1' }) },
  });
  const guard = platform.guardFor('demo');
  app.openapi(
    createRoute({
      method: 'post',
      path: '/score',
      security: SECURED,
      middleware: [guard(['toxicity:analyze'])],
      request: { body: { required: true, content: { 'application/json': { schema: Comment } } } },
      responses: {
        200: {
          description: 'ok',
          content: { 'application/json': { schema: z.object({ length: z.number() }) } },
        },
      },
    }),
    (c) => c.json({ length: c.req.valid('json').text.length }, 200),
  );
  app.get('/slow', async (c) => {
    await new Promise((r) => setTimeout(r, 200));
    return c.json({ done: true });
  });
  app.get('/boom', () => {
    throw new Error('secret internal detail');
  });
  return app;
}

beforeAll(async () => {
  t = await createTestPlatform({ VIGIL_RATE_LIMIT_BURST: '1000' });
  adminKey = (await t.platform.apiKeys.create({ name: 'a', scopes: ['admin'], createdBy: 'test' })).key;
  limitedKey = (
    await t.platform.apiKeys.create({
      name: 'l',
      scopes: ['toxicity:analyze'],
      rateLimitPerMinute: 2,
      createdBy: 'test',
    })
  ).key;
  const revoked = await t.platform.apiKeys.create({ name: 'r', scopes: ['admin'], createdBy: 'test' });
  revokedKey = revoked.key;
  await t.platform.apiKeys.revoke(revoked.id);
});
afterAll(() => t.cleanup());

function post(app: ReturnType<typeof buildApp>, body: string, headers: Record<string, string> = {}) {
  return app.request('/score', {
    method: 'POST',
    body,
    headers: { 'Content-Type': 'application/json', 'X-API-Key': adminKey, ...headers },
  });
}

async function expectEnvelope(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/application\/json/);
  const body = (await res.json()) as { error: { code: string; message: string; requestId: string } };
  expect(body.error.code).toBe(code);
  expect(body.error.message).toEqual(expect.any(String));
  expect(body.error.requestId).toBe(res.headers.get('x-request-id'));
  return body;
}

describe('HTTP app factory', () => {
  it('serves a valid request', async () => {
    const res = await post(buildApp(), JSON.stringify({ text: 'hello' }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ length: 5 });
  });

  describe('one error envelope', () => {
    it('for malformed JSON', async () => {
      await expectEnvelope(await post(buildApp(), '{"text": "unterminated'), 400, 'invalid_argument');
    });
    it('for the wrong content type', async () => {
      const res = await post(buildApp(), 'text=hello', { 'Content-Type': 'text/plain' });
      await expectEnvelope(res, 415, 'unsupported_media_type');
    });
    it('for an oversized body, without reading it all', async () => {
      const res = await post(buildApp(), JSON.stringify({ text: 'x'.repeat(5000) }));
      await expectEnvelope(res, 413, 'payload_too_large');
    });
    it('for a schema violation, with field paths but without echoing the input', async () => {
      const res = await post(buildApp(), JSON.stringify({ text: 42, lang: 'de-secret-value' }));
      const body = await expectEnvelope(res, 400, 'invalid_argument');
      const details = (body.error as unknown as { details: { path: string }[] }).details;
      expect(details.map((d) => d.path).sort()).toEqual(['lang', 'text']);
      expect(JSON.stringify(body)).not.toContain('de-secret-value');
    });
    it('for an unknown route', async () => {
      await expectEnvelope(await buildApp().request('/nope'), 404, 'not_found');
    });
    it('for a handler crash, hiding the internal message and logging it', async () => {
      const body = await expectEnvelope(await buildApp().request('/boom'), 500, 'internal');
      expect(body.error.message).not.toContain('secret internal detail');
      expect(
        t.logs.some((l) => l.severity === 'ERROR' && JSON.stringify(l).includes('secret internal detail')),
      ).toBe(true);
    });
    it('for a timeout', async () => {
      await expectEnvelope(await buildApp({ timeoutMs: 50 }).request('/slow'), 504, 'timeout');
    });
  });

  describe('request id and trace', () => {
    const cases: { name: string; headers: Record<string, string>; expected: RegExp }[] = [
      { name: 'a fresh id when none is sent', headers: {}, expected: /^[0-9a-f-]{36}$/ },
      {
        name: 'a valid X-Request-Id',
        headers: { 'X-Request-Id': 'req-12345678' },
        expected: /^req-12345678$/,
      },
      {
        name: 'the trace id of X-Cloud-Trace-Context',
        headers: { 'X-Cloud-Trace-Context': '105445aa7843bc8bf206b12000100000/1;o=1' },
        expected: /^105445aa7843bc8bf206b12000100000$/,
      },
      {
        name: 'the trace id of traceparent',
        headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
        expected: /^4bf92f3577b34da6a3ce929d0e0e4736$/,
      },
      {
        name: 'a fresh id instead of a malformed one',
        headers: { 'X-Request-Id': 'bad id<script>' },
        expected: /^[0-9a-f-]{36}$/,
      },
    ];
    for (const c of cases) {
      it(`uses ${c.name}`, async () => {
        const res = await buildApp().request('/health', { headers: c.headers });
        expect(res.headers.get('x-request-id')).toMatch(c.expected);
      });
    }
  });

  describe('auth guard', () => {
    it('asks for credentials with a Bearer challenge', async () => {
      const res = await post(buildApp(), '{"text":"a"}', { 'X-API-Key': '' });
      await expectEnvelope(res, 401, 'unauthenticated');
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="vigil"');
    });
    it('rejects a bad token with error="invalid_token"', async () => {
      const res = await post(buildApp(), '{"text":"a"}', {
        'X-API-Key': '',
        Authorization: 'Bearer abc.def.ghi',
      });
      await expectEnvelope(res, 401, 'unauthenticated');
      expect(res.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    });
    it('rejects a revoked API key', async () => {
      const res = await post(buildApp(), '{"text":"a"}', { 'X-API-Key': revokedKey });
      await expectEnvelope(res, 401, 'unauthenticated');
      expect(res.headers.get('www-authenticate')).toMatch(/invalid_token/);
    });
    it('accepts an API key in ?key= as Perspective clients send it', async () => {
      const res = await buildApp().request(`/score?key=${encodeURIComponent(adminKey)}`, {
        method: 'POST',
        body: '{"text":"abc"}',
        headers: { 'Content-Type': 'application/json' },
      });
      expect(res.status).toBe(200);
    });
    it('answers 403 for a missing scope', async () => {
      const { key } = await t.platform.apiKeys.create({
        name: 'm',
        scopes: ['images:analyze'],
        createdBy: 'test',
      });
      const res = await post(buildApp(), '{"text":"a"}', { 'X-API-Key': key });
      await expectEnvelope(res, 403, 'permission_denied');
      expect(res.headers.get('www-authenticate')).toMatch(/insufficient_scope/);
    });
    it('authenticates before it parses the body', async () => {
      const res = await post(buildApp(), '{broken', { 'X-API-Key': 'vk_nope' });
      expect(res.status).toBe(401);
    });
  });

  it('rate limits per key with RateLimit-* headers and Retry-After on 429', async () => {
    const app = buildApp();
    const first = await post(app, '{"text":"a"}', { 'X-API-Key': limitedKey });
    expect(first.status).toBe(200);
    expect(first.headers.get('ratelimit-limit')).toBe('1');
    expect(first.headers.get('ratelimit-remaining')).toBe('0');
    const second = await post(app, '{"text":"a"}', { 'X-API-Key': limitedKey });
    await expectEnvelope(second, 429, 'rate_limited');
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Another key is unaffected.
    expect((await post(app, '{"text":"a"}')).status).toBe(200);
  });

  it('answers CORS preflights only for configured origins', async () => {
    const app = buildApp({ cors: ['https://moderation.example'] });
    const preflight = (origin: string) =>
      app.request('/score', {
        method: 'OPTIONS',
        headers: { Origin: origin, 'Access-Control-Request-Method': 'POST' },
      });
    expect((await preflight('https://moderation.example')).headers.get('access-control-allow-origin')).toBe(
      'https://moderation.example',
    );
    expect((await preflight('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('reports liveness and readiness', async () => {
    expect(await (await buildApp().request('/health')).json()).toMatchObject({
      status: 'ok',
      function: 'demo',
    });
    const ready = await buildApp().request('/health/ready');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { model: { ok: true } } });
    const notReady = await buildApp({ ready: false }).request('/health/ready');
    expect(notReady.status).toBe(503);
  });

  it('counts requests by route pattern and status in /metrics', async () => {
    const app = buildApp();
    await post(app, '{"text":"a"}');
    await app.request('/no/such/path/12345');
    const text = await (await app.request('/metrics')).text();
    expect(text).toMatch(
      /vigil_http_requests_total\{function="demo",method="POST",route="\/score",status="200"\} \d+/,
    );
    expect(text).toContain('route="(unmatched)"');
    expect(text).not.toContain('12345');
    expect(text).toContain('vigil_http_request_duration_seconds_bucket');
  });

  it('documents its routes and security schemes in /openapi.json', async () => {
    const doc = (await (await buildApp().request('/openapi.json')).json()) as {
      paths: Record<string, unknown>;
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(Object.keys(doc.paths)).toContain('/score');
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual([
      'apiKeyHeader',
      'apiKeyQuery',
      'bearerAuth',
    ]);
  });

  it('serves Swagger UI from local assets', async () => {
    const app = buildApp();
    const html = await (await app.request('/docs')).text();
    expect(html).toContain('docs/assets/swagger-ui-bundle.js');
    const js = await app.request('/docs/assets/swagger-ui-bundle.js');
    expect(js.status).toBe(200);
    expect((await js.text()).length).toBeGreaterThan(100_000);
    expect((await app.request('/docs/assets/..%2Fpackage.json')).status).toBe(404);
    const init = await app.request('/docs/assets/init.js');
    expect(init.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await init.text()).toContain('SwaggerUIBundle');
    // No route forces Hono off its RegExpRouter onto the slower TrieRouter.
    expect(app.router.name).toBe('SmartRouter + RegExpRouter');
  });

  it('never logs request bodies or query strings', async () => {
    const app = buildApp();
    await post(app, JSON.stringify({ text: 'my email is jane@example.com' }));
    await app.request(`/score?key=${encodeURIComponent(adminKey)}`, { method: 'POST' });
    const all = JSON.stringify(t.logs);
    expect(all).not.toContain('jane@example.com');
    expect(all).not.toContain(adminKey);
  });
});
