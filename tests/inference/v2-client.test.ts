/** The V2 inference client against a real local V2 server, and against crafted responses for protocol faults. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createV2TextClassifier,
  type V2ClientOptions,
  V2InferenceError,
} from '../../shared/inference/v2-client.js';
import { startV2Server, type V2TestServer } from '../support/v2-server.js';

const LABELS = ['none', 'offensive', 'hate'];
// Distinct per text and per label, so a swapped row or column changes the result.
const score = (text: string): number[] => {
  const hate = (text.length % 7) / 10;
  return [0.9 - hate, 0.1, hate];
};

let server: V2TestServer;
let closedUrl: string;

beforeAll(async () => {
  server = await startV2Server({
    models: {
      'hate-bert': { labels: LABELS, score, versions: ['1', '2'] },
      renamed: { labels: LABELS, score, inputName: 'input_text', outputName: 'scores' },
      warming: { labels: LABELS, score, ready: false },
      slow: { labels: LABELS, score, delayMs: 3_000 },
      broken: { labels: LABELS, score, failWith: { status: 500, error: 'CUDA error: out of memory' } },
      verbose: { labels: LABELS, score, failWith: { status: 400, error: `bad input: ${'x'.repeat(1_000)}` } },
    },
  });
  const closed = await startV2Server({ models: {} });
  closedUrl = closed.url;
  await closed.close();
});

afterAll(() => server?.close());

const client = (overrides: Partial<V2ClientOptions> = {}) =>
  createV2TextClassifier({
    baseUrl: server.url,
    model: 'hate-bert',
    timeoutMs: 2_000,
    labels: LABELS,
    ...overrides,
  });

async function failure(promise: Promise<unknown>): Promise<V2InferenceError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(V2InferenceError);
  return error as V2InferenceError;
}

describe('classify against a V2 server', () => {
  it('scores a batch in one request, preserving text and label order', async () => {
    const texts = ['short', 'a somewhat longer text', 'mid length'];
    const before = server.requests.length;
    const results = await client().classify(texts);

    expect(results).toEqual(texts.map((t) => Object.fromEntries(LABELS.map((l, j) => [l, score(t)[j]]))));
    expect(server.requests.length - before).toBe(1);
    expect(server.requests.at(-1)).toMatchObject({
      inputs: [{ name: 'text', datatype: 'BYTES', shape: [3], data: texts }],
      outputs: [{ name: 'probabilities' }],
    });
  });

  it('returns an empty list for an empty batch without calling the server', async () => {
    const before = server.requests.length;
    expect(await client().classify([])).toEqual([]);
    expect(server.requests.length).toBe(before);
  });

  it('uses the configured input and output names and sends the configured headers', async () => {
    const seen: Headers[] = [];
    const spy: typeof fetch = (input, init) => {
      seen.push(new Headers(init?.headers));
      return fetch(input, init);
    };
    const renamed = client({
      model: 'renamed',
      inputName: 'input_text',
      outputName: 'scores',
      headers: { Authorization: 'Bearer token-123' },
      fetch: spy,
    });
    const [result] = await renamed.classify(['hello']);
    expect(result?.hate).toBe(score('hello')[2]);
    expect(seen[0]?.get('authorization')).toBe('Bearer token-123');
    expect(seen[0]?.get('content-type')).toBe('application/json');
  });

  it('addresses the configured model version', async () => {
    const v2 = client({ version: '2' });
    expect(v2.version).toBe('2');
    expect(await v2.ready()).toBe(true);
    expect(await v2.classify(['x'])).toHaveLength(1);

    const missing = client({ version: '9' });
    expect(await missing.ready()).toBe(false);
    const error = await failure(missing.classify(['x']));
    expect(error.kind).toBe('http');
    expect(error.status).toBe(404);
    expect(error.message).toContain("no version '9'");
  });

  it('reports HTTP errors with the status and the server message', async () => {
    const error = await failure(client({ model: 'broken' }).classify(['a', 'b']));
    expect(error.kind).toBe('http');
    expect(error.status).toBe(500);
    expect(error.message).toContain('CUDA error: out of memory');
  });

  it('truncates long server error messages', async () => {
    const error = await failure(client({ model: 'verbose' }).classify(['a']));
    expect(error.status).toBe(400);
    expect(error.message).toContain('x'.repeat(150));
    expect(error.message).not.toContain('x'.repeat(200));
  });

  it('times out a slow model close to timeoutMs', async () => {
    const started = performance.now();
    const error = await failure(client({ model: 'slow', timeoutMs: 200 }).classify(['a']));
    const elapsed = performance.now() - started;
    expect(error.kind).toBe('timeout');
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(1_000);
  });

  it('reports an unreachable server as a network error', async () => {
    const error = await failure(client({ baseUrl: closedUrl }).classify(['a']));
    expect(error.kind).toBe('network');
    expect(error.status).toBeUndefined();
  });
});

describe('ready', () => {
  it('is true for a ready model and false for a warming or unknown one', async () => {
    expect(await client().ready()).toBe(true);
    expect(await client({ model: 'warming' }).ready()).toBe(false);
    expect(await client({ model: 'no-such-model' }).ready()).toBe(false);
  });

  it('is false, not an exception, when the server is unreachable', async () => {
    expect(await client({ baseUrl: closedUrl }).ready()).toBe(false);
  });

  it('gives up within the timeout when the server never answers', async () => {
    const hang: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) =>
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)),
      );
    const started = performance.now();
    expect(await client({ timeoutMs: 150, fetch: hang }).ready()).toBe(false);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

describe('response validation', () => {
  const SECRET = 'a text that must never appear in an error';
  const texts = [SECRET, 'second'];

  /** A fetch answering every infer with `craft(validBody)`; a string is sent as the raw body. */
  function crafted(craft: (valid: Record<string, unknown>) => unknown, status = 200): typeof fetch {
    return async (_input, init) => {
      const request = JSON.parse(String(init?.body)) as { id: string };
      const valid = {
        model_name: 'hate-bert',
        id: request.id,
        outputs: [
          { name: 'probabilities', datatype: 'FP32', shape: [2, 3], data: [0.7, 0.2, 0.1, 0.5, 0.25, 0.25] },
        ],
      };
      const body = craft(valid);
      return new Response(typeof body === 'string' ? body : JSON.stringify(body), {
        status,
        headers: { 'content-type': 'application/json' },
      });
    };
  }
  const withOutput = (patch: Record<string, unknown>) => (valid: Record<string, unknown>) => ({
    ...valid,
    outputs: [{ ...(valid.outputs as Record<string, unknown>[])[0], ...patch }],
  });

  it('accepts the unmodified crafted response, flattened or nested, FP32 or FP64', async () => {
    const expected = [
      { none: 0.7, offensive: 0.2, hate: 0.1 },
      { none: 0.5, offensive: 0.25, hate: 0.25 },
    ];
    expect(await client({ fetch: crafted((v) => v) }).classify(texts)).toEqual(expected);
    const nested = withOutput({
      datatype: 'FP64',
      data: [
        [0.7, 0.2, 0.1],
        [0.5, 0.25, 0.25],
      ],
    });
    expect(await client({ fetch: crafted(nested) }).classify(texts)).toEqual(expected);
  });

  it.each([
    ['no outputs array', (v: Record<string, unknown>) => ({ ...v, outputs: undefined }), 'no outputs array'],
    [
      'missing output',
      (v: Record<string, unknown>) => ({ ...v, outputs: [] }),
      "no output named 'probabilities'",
    ],
    ['wrong output name', withOutput({ name: 'logits' }), "no output named 'probabilities'"],
    ['wrong datatype', withOutput({ datatype: 'BYTES' }), 'datatype "BYTES"'],
    ['integer datatype', withOutput({ datatype: 'INT64' }), 'datatype "INT64"'],
    ['transposed shape', withOutput({ shape: [3, 2] }), 'shape [3,2], expected [2,3]'],
    ['wrong label dimension', withOutput({ shape: [2, 2] }), 'shape [2,2], expected [2,3]'],
    ['wrong batch dimension', withOutput({ shape: [3, 3] }), 'shape [3,3], expected [2,3]'],
    ['flat shape', withOutput({ shape: [6] }), 'shape [6]'],
    ['too few values', withOutput({ data: [0.7, 0.2, 0.1, 0.5, 0.25] }), 'has 5 values, expected 6'],
    ['short nested row', withOutput({ data: [[0.7, 0.2, 0.1], [0.5]] }), 'row 1 has 1 values'],
    [
      'NaN serialised as null',
      withOutput({ data: [0.7, 0.2, 0.1, 0.5, Number.NaN, 0.25] }),
      '[1,1] is not a finite',
    ],
    ['string value', withOutput({ data: [0.7, '0.2', 0.1, 0.5, 0.25, 0.25] }), '[0,1] is not a finite'],
    ['value above 1', withOutput({ data: [0.7, 0.2, 0.1, 0.5, 1.5, 0.25] }), '[1,1] = 1.5 is outside [0, 1]'],
    ['negative value', withOutput({ data: [-0.1, 0.2, 0.1, 0.5, 0.25, 0.25] }), '[0,0] = -0.1 is outside'],
    ['literal NaN (not JSON)', (v: unknown) => JSON.stringify(v).replace('0.25', 'NaN'), 'not JSON'],
    ['not an object', () => [1, 2, 3], 'not a JSON object'],
    ['another request id', (v: Record<string, unknown>) => ({ ...v, id: 'other' }), 'id does not match'],
  ])('rejects %s as a protocol error', async (_case, craft, message) => {
    const error = await failure(client({ fetch: crafted(craft) }).classify(texts));
    expect(error.kind).toBe('protocol');
    expect(error.message).toContain(message);
    expect(error.message).not.toContain(SECRET);
  });

  it('uses the raw body of a non-JSON HTTP error', async () => {
    const error = await failure(
      client({ fetch: crafted(() => 'upstream connect error', 503) }).classify(texts),
    );
    expect(error.kind).toBe('http');
    expect(error.status).toBe(503);
    expect(error.message).toContain('upstream connect error');
  });
});

describe('option validation', () => {
  it.each<[string, Partial<V2ClientOptions>]>([
    ['baseUrl', { baseUrl: 'not a url' }],
    ['baseUrl', { baseUrl: 'ftp://models.example.com' }],
    ['baseUrl', { baseUrl: 'https://user:pass@models.example.com' }],
    ['model', { model: '' }],
    ['version', { version: ' ' }],
    ['timeoutMs', { timeoutMs: 0 }],
    ['timeoutMs', { timeoutMs: 60_001 }],
    ['timeoutMs', { timeoutMs: 1.5 }],
    ['timeoutMs', { timeoutMs: Number.NaN }],
    ['labels', { labels: [] }],
    ['labels', { labels: ['hate', 'hate'] }],
    ['labels', { labels: ['hate', ''] }],
    ['outputName', { outputName: '' }],
  ])('rejects a bad %s', (option, overrides) => {
    const create = () => client(overrides);
    expect(create).toThrow(option);
    expect(create).not.toThrow(V2InferenceError);
  });

  it('accepts the limits and a base URL with a path prefix', async () => {
    expect(() => client({ timeoutMs: 1 })).not.toThrow();
    expect(() => client({ timeoutMs: 60_000 })).not.toThrow();
    const urls: string[] = [];
    const record: typeof fetch = async (input) => {
      urls.push(String(input));
      return new Response(null, { status: 200 });
    };
    await client({
      baseUrl: 'https://gpu.example.com/serving/',
      model: 'hate bert',
      version: '3',
      fetch: record,
    }).ready();
    expect(urls).toEqual(['https://gpu.example.com/serving/v2/models/hate%20bert/versions/3/ready']);
  });
});
