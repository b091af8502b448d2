/** The lean Cloud Run entry (dist/server/serve.js) as a real process. */
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../functions/registry.js';
import { type RunningServer, startServer } from '../support/process.js';
import { BACKBONE_READY } from '../support/vision.js';

const BOOTSTRAP = 'operator-bootstrap-key-0123456789abcdef';
let dataDir: string;
let server: RunningServer;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'vigil-serve-'));
  server = await startServer('dist/server/serve.js', ['auth'], {
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

  it('reads JSON bodies sent in chunks without a length, and holds them to the body limit', async () => {
    // A stream body has no Content-Length: the server counts bytes as they arrive.
    const streamed = (parts: string[]) =>
      fetch(`${server.base}/v1/keys`, {
        method: 'POST',
        body: new ReadableStream({
          start(controller) {
            for (const part of parts) controller.enqueue(Buffer.from(part, 'utf8'));
            controller.close();
          },
        }),
        duplex: 'half',
        headers: { 'Content-Type': 'application/json', 'X-API-Key': BOOTSTRAP },
      } as RequestInit);
    // A multi-byte character split across two chunks must survive.
    const euro = Buffer.from('€', 'utf8');
    const res = await fetch(`${server.base}/v1/keys`, {
      method: 'POST',
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(Buffer.concat([Buffer.from('{"name": "prix '), euro.subarray(0, 2)]));
          controller.enqueue(
            Buffer.concat([euro.subarray(2), Buffer.from(' key", "scopes": ["toxicity:analyze"]}')]),
          );
          controller.close();
        },
      }),
      duplex: 'half',
      headers: { 'Content-Type': 'application/json', 'X-API-Key': BOOTSTRAP },
    } as RequestInit);
    expect(res.status).toBe(201);
    expect(((await res.json()) as { name: string }).name).toBe('prix € key');
    const big = await streamed(['{"name": "', 'x'.repeat(1024 * 1024), 'y'.repeat(1024 * 1024), '"}']);
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
  });

  it('survives clients that hang up halfway through a body, and keeps serving', async () => {
    const { port } = new URL(server.base);
    for (let i = 0; i < 5; i++) {
      const socket = connect(Number(port), '127.0.0.1');
      await once(socket, 'connect');
      socket.write(
        `POST /v1/keys HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-API-Key: ${BOOTSTRAP}\r\n` +
          'Content-Length: 1000\r\n\r\n{"name": "half',
      );
      await new Promise((r) => setTimeout(r, 20));
      socket.destroy();
    }
    const res = await fetch(`${server.base}/v1/keys`, {
      method: 'POST',
      body: JSON.stringify({ name: 'after aborts', scopes: ['toxicity:analyze'] }),
      headers: { 'Content-Type': 'application/json', 'X-API-Key': BOOTSTRAP },
    });
    expect(res.status).toBe(201);
    expect(server.output()).not.toMatch(/uncaught|unhandled/i);
    // None of the aborted requests is left waiting for the rest of its body.
    const metrics = await (
      await fetch(`${server.base}/metrics`, { headers: { 'X-API-Key': BOOTSTRAP } })
    ).text();
    expect(metrics).toMatch(/^vigil_http_requests_in_progress\{function="auth"\} 1$/m);
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

  it('refuses to start on a bad config, naming the variable, and leaves a data dir the next start opens', async () => {
    // serve.js starts creating the embedded store before it parses the config; exiting on the bad
    // config mid-creation must not leave a half-made database behind.
    const dir = join(dataDir, 'bad-config');
    await expect(
      startServer('dist/server/serve.js', ['auth'], {
        PORT: '1',
        VIGIL_JWT_SECRET: 'short',
        VIGIL_DATA_DIR: dir,
      }),
    ).rejects.toThrow(/VIGIL_JWT_SECRET/);
    const next = await startServer('dist/server/serve.js', ['auth'], {
      VIGIL_DATA_DIR: dir,
      VIGIL_LOG_LEVEL: 'ERROR',
    });
    try {
      expect((await fetch(`${next.base}/health`)).status).toBe(200);
    } finally {
      await next.stop();
    }
  });
});

// The container runs every HTTP function from the bundle: each one's chunks, models and docs must load.
const BUNDLED = Object.keys(FUNCTIONS).filter((name) => name !== 'image-classifier' || BACKBONE_READY);
// A scoring call for the text functions: their models run through the bundled code too.
const SCORING: Record<string, { path: string; body: object }> = {
  toxicity: { path: '/predict', body: { text: 'you are a complete idiot' } },
  'hate-speech': { path: '/api/v1/hatecomment/detect', body: { text: 'je vous respecte tous' } },
};

describe('server bundle (dist/server/serve.js)', () => {
  it.each(BUNDLED)(
    'starts %s, which serves its health check, metrics, OpenAPI document and docs page',
    async (name) => {
      const dir = await mkdtemp(join(tmpdir(), `vigil-bundle-${name}-`));
      const running = await startServer('dist/server/serve.js', [name], {
        VIGIL_DATA_DIR: dir,
        VIGIL_BOOTSTRAP_API_KEY: BOOTSTRAP,
      });
      try {
        expect((await fetch(`${running.base}/health`)).status).toBe(200);
        const metrics = await fetch(`${running.base}/metrics`);
        expect(await metrics.text()).toContain('vigil_http_requests_total');
        const doc = (await (await fetch(`${running.base}/openapi.json`)).json()) as {
          paths: Record<string, unknown>;
        };
        expect(Object.keys(doc.paths).length).toBeGreaterThan(2);
        // The page and the Swagger UI files it loads from swagger-ui-dist (resolved from the bundle).
        const page = await (await fetch(`${running.base}/docs`)).text();
        expect(page).toContain('docs/assets/swagger-ui-bundle.js');
        const script = await fetch(`${running.base}/docs/assets/swagger-ui-bundle.js`);
        expect(script.status).toBe(200);
        expect((await script.arrayBuffer()).byteLength).toBeGreaterThan(100_000);
        expect(await (await fetch(`${running.base}/docs/assets/init.js`)).text()).toContain('openapi.json');
        const scoring = SCORING[name];
        if (scoring) {
          const res = await fetch(`${running.base}${scoring.path}`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', 'X-API-Key': BOOTSTRAP },
            body: JSON.stringify(scoring.body),
          });
          expect(res.status, await res.clone().text()).toBe(200);
        }
      } finally {
        await running.stop();
        await rm(dir, { recursive: true, force: true });
      }
    },
    60_000,
  );
});
