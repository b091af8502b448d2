/**
 * Compatibility with a Perspective client nobody here wrote: perspective-api-client 3.1.0 (axios 0.18),
 * against the built lean server (`dist/server/serve.js toxicity`) running as a real process.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../support/process.js';

const BOOTSTRAP = 'operator-bootstrap-key-0123456789abcdef';
const JWT_SECRET = 'e2e-secret-that-is-at-least-32-characters-long';
const MODELS_DIR = fileURLToPath(new URL('../../models', import.meta.url));
const PERSPECTIVE_ORIGIN = 'https://commentanalyzer.googleapis.com';

interface Score {
  value: number;
  type: string;
}
interface AnalyzeResult {
  attributeScores: Record<string, { summaryScore: Score; spanScores?: unknown[] }>;
  languages: string[];
  detectedLanguages?: string[];
  clientToken?: string;
}
interface ResponseError extends Error {
  response?: { status: number; data: { error: { code: number; message: string; status: string } } };
}
interface PerspectiveClient {
  analyze(text: string | Record<string, unknown>, options?: Record<string, unknown>): Promise<AnalyzeResult>;
}
interface PerspectiveModule {
  new (options: { apiKey: string }): PerspectiveClient;
  ResponseError: new (...args: never[]) => ResponseError;
}
interface AxiosRequestConfig {
  url?: string;
  data?: unknown;
  params?: Record<string, unknown>;
}
interface Axios {
  interceptors: {
    request: {
      use(onRequest: (config: AxiosRequestConfig) => AxiosRequestConfig): number;
      eject(id: number): void;
    };
  };
}

const requireHere = createRequire(import.meta.url);
const clientPath = requireHere.resolve('perspective-api-client');
const Perspective = requireHere(clientPath) as PerspectiveModule;
// The very axios module instance the client requires (not whatever axios this repo might resolve).
const axios = createRequire(clientPath)('axios') as Axios;

let dataDir: string;
let server: RunningServer;
let interceptor: number | undefined;
/** What the client put on the wire, as seen after the base-URL rewrite. */
const sent: AxiosRequestConfig[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'vigil-perspective-'));
  server = await startServer('dist/server/serve.js', ['toxicity'], {
    VIGIL_DATA_DIR: dataDir,
    VIGIL_BOOTSTRAP_API_KEY: BOOTSTRAP,
    VIGIL_JWT_SECRET: JWT_SECRET,
    VIGIL_MODELS_DIR: MODELS_DIR,
  });
  // perspective-api-client hard-codes https://commentanalyzer.googleapis.com/v1alpha1/comments:analyze and
  // offers no option for the host: an interceptor on its own axios instance is the client's only
  // configuration point for it. Only the origin changes; path, query (?key=), headers and body are the client's.
  interceptor = axios.interceptors.request.use((config) => {
    if (config.url?.startsWith(PERSPECTIVE_ORIGIN)) {
      config.url = server.base + config.url.slice(PERSPECTIVE_ORIGIN.length);
    }
    sent.push({ ...config });
    return config;
  });
});

afterAll(async () => {
  if (interceptor !== undefined) axios.interceptors.request.eject(interceptor);
  await server?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function predictionsFor(clientToken: string): Promise<unknown[]> {
  const res = await fetch(`${server.base}/v1/predictions?clientToken=${encodeURIComponent(clientToken)}`, {
    headers: { 'X-API-Key': BOOTSTRAP },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { predictions: unknown[] }).predictions;
}

describe('perspective-api-client 3.1.0 against vigil', () => {
  const perspective = () => new Perspective({ apiKey: BOOTSTRAP });

  it('gets scores in the shape the client’s README documents', async () => {
    const before = sent.length;
    const result = await perspective().analyze('You are a stupid idiot', {
      attributes: ['toxicity', 'insult'],
    });
    // The client posted to the Perspective path, with the key as ?key= — only the origin was ours.
    const request = sent[before]!;
    expect(request.url).toBe(`${server.base}/v1alpha1/comments:analyze`);
    expect(request.params).toEqual({ key: BOOTSTRAP });
    expect(request.data).toMatchObject({
      comment: { text: 'You are a stupid idiot' },
      requestedAttributes: { TOXICITY: {}, INSULT: {} },
      doNotStore: true,
    });

    expect(Object.keys(result.attributeScores).sort()).toEqual(['INSULT', 'TOXICITY']);
    for (const name of ['TOXICITY', 'INSULT']) {
      const { summaryScore } = result.attributeScores[name]!;
      expect(summaryScore.type).toBe('PROBABILITY');
      expect(typeof summaryScore.value).toBe('number');
      expect(summaryScore.value).toBeGreaterThanOrEqual(0);
      expect(summaryScore.value).toBeLessThanOrEqual(1);
      expect(summaryScore.value).toBeGreaterThan(0.5);
    }
    expect(result.languages).toEqual(['en']);
  });

  it('scores a friendly comment low, with TOXICITY by default', async () => {
    const insult = await perspective().analyze('You are a stupid idiot');
    const friendly = await perspective().analyze('Thank you so much, this was a kind and helpful answer!');
    expect(Object.keys(friendly.attributeScores)).toEqual(['TOXICITY']);
    const value = friendly.attributeScores.TOXICITY!.summaryScore.value;
    expect(value).toBeGreaterThanOrEqual(0);
    expect(value).toBeLessThan(0.5);
    expect(value).toBeLessThan(insult.attributeScores.TOXICITY!.summaryScore.value);
  });

  it('passes an AnalyzeComment object through (scoreThreshold, clientToken)', async () => {
    const result = await perspective().analyze({
      comment: { text: 'Thank you so much, this was a kind and helpful answer!' },
      requestedAttributes: { TOXICITY: { scoreThreshold: 0.9 }, INSULT: { scoreThreshold: 0 } },
      clientToken: 'e2e-object',
    });
    expect(Object.keys(result.attributeScores)).toEqual(['INSULT']);
    expect(result.clientToken).toBe('e2e-object');
  });

  it('stores nothing under the client’s default doNotStore (true), and stores when it is false', async () => {
    const text = 'You are a stupid idiot';
    await perspective().analyze(
      { comment: { text }, clientToken: 'e2e-default' },
      { attributes: ['toxicity'] },
    );
    expect(sent.at(-1)?.data).toMatchObject({ doNotStore: true, clientToken: 'e2e-default' });
    expect(await predictionsFor('e2e-default')).toEqual([]);

    // The same check can fail: with doNotStore false the prediction is there.
    await perspective().analyze(
      { comment: { text }, clientToken: 'e2e-stored' },
      { attributes: ['toxicity'], doNotStore: false },
    );
    const stored = (await predictionsFor('e2e-stored')) as { text: string; scores: Record<string, number> }[];
    expect(stored).toHaveLength(1);
    expect(stored[0]!.text).toBe(text);
    expect(stored[0]!.scores.TOXICITY).toBeGreaterThan(0.5);
  });

  it('turns an invalid key into the client’s ResponseError with the server’s message', async () => {
    const direct = await fetch(`${server.base}/v1alpha1/comments:analyze?key=not-a-valid-key`, {
      method: 'POST',
      body: JSON.stringify({ comment: { text: 'hello' }, requestedAttributes: { TOXICITY: {} } }),
      headers: { 'Content-Type': 'application/json' },
    });
    expect(direct.status).toBe(401);
    const serverMessage = ((await direct.json()) as { error: { message: string } }).error.message;
    expect(serverMessage.length).toBeGreaterThan(0);

    const error = await new Perspective({ apiKey: 'not-a-valid-key' }).analyze('hello').then(
      () => undefined,
      (e: unknown) => e as ResponseError,
    );
    expect(error).toBeInstanceOf(Perspective.ResponseError);
    expect(error?.name).toBe('ResponseError');
    expect(error?.message).toBe(serverMessage);
    expect(error?.response?.status).toBe(401);
    expect(error?.response?.data.error).toMatchObject({ code: 401, status: 'UNAUTHENTICATED' });
  });

  it('reports an attribute vigil does not serve as a ResponseError carrying the server’s 400', async () => {
    const error = await perspective()
      .analyze('hello there', { attributes: ['spam'] })
      .then(
        () => undefined,
        (e: unknown) => e as ResponseError,
      );
    expect(error).toBeInstanceOf(Perspective.ResponseError);
    expect(error?.response?.status).toBe(400);
    expect(error?.response?.data.error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT' });
    expect(error?.message).toBe(error?.response?.data.error.message);
    expect(error?.message).toContain('SPAM');
  });
});
