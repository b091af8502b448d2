/** TEST FIXTURE ONLY — a small Open Inference Protocol V2 REST server scoring texts with plain functions. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { type Context, Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export interface V2TestModel {
  labels: string[];
  score: (text: string) => number[];
  /** Held before answering infer, to exercise client timeouts. */
  delayMs?: number;
  /** Infer answers this instead of scores (after any delay). */
  failWith?: { status: number; error: string };
  /** false makes the model (and so the server) answer 503 on ready. */
  ready?: boolean;
  /** Versions served under `/versions/{v}`; defaults to ['1']. */
  versions?: string[];
  inputName?: string;
  outputName?: string;
}

export interface V2TestServer {
  url: string;
  /** Parsed bodies of infer requests, in arrival order. */
  requests: unknown[];
  close(): Promise<void>;
}

export async function startV2Server(opts: { models: Record<string, V2TestModel> }): Promise<V2TestServer> {
  const requests: unknown[] = [];
  // Lets close() cut short delayed answers, so a timeout test does not leave a timer running.
  const closing = new AbortController();
  const app = new Hono();
  const fail = (c: Context, status: number, error: string) =>
    c.json({ error }, status as ContentfulStatusCode);

  const resolve = (
    c: Context,
  ): Response | { name: string; model: V2TestModel; version: string | undefined } => {
    const name = c.req.param('name') ?? '';
    const model = opts.models[name];
    const version = c.req.param('version');
    const versions = model?.versions ?? ['1'];
    if (!model) return fail(c, 404, `model '${name}' not found`);
    if (version !== undefined && !versions.includes(version)) {
      return fail(c, 404, `model '${name}' has no version '${version}'`);
    }
    return { name, model, version: version ?? versions.at(-1) };
  };

  app.get('/v2/health/live', (c) => c.json({ live: true }));
  app.get('/v2/health/ready', (c) => {
    const ready = Object.values(opts.models).every((m) => m.ready !== false);
    return c.json({ ready }, ready ? 200 : 503);
  });
  app.get('/v2', (c) => c.json({ name: 'vigil-v2-test-server', version: '0', extensions: [] }));

  for (const base of ['/v2/models/:name', '/v2/models/:name/versions/:version']) {
    app.get(`${base}/ready`, (c) => {
      const found = resolve(c);
      if (found instanceof Response) return found;
      const ready = found.model.ready !== false;
      return c.json({ name: found.name, ready }, ready ? 200 : 503);
    });

    app.get(base, (c) => {
      const found = resolve(c);
      if (found instanceof Response) return found;
      const { model } = found;
      return c.json({
        name: found.name,
        versions: model.versions ?? ['1'],
        platform: 'vigil-test',
        inputs: [{ name: model.inputName ?? 'text', datatype: 'BYTES', shape: [-1] }],
        outputs: [
          { name: model.outputName ?? 'probabilities', datatype: 'FP32', shape: [-1, model.labels.length] },
        ],
      });
    });

    app.post(`${base}/infer`, async (c) => {
      const found = resolve(c);
      if (found instanceof Response) return found;
      const { model } = found;
      let body: unknown;
      try {
        body = await c.req.json();
      } catch {
        return fail(c, 400, 'request body is not JSON');
      }
      requests.push(body);
      if (model.delayMs) await sleep(model.delayMs, closing.signal);
      if (model.failWith) return fail(c, model.failWith.status, model.failWith.error);

      const parsed = parseInfer(body, model.inputName ?? 'text', model.outputName ?? 'probabilities');
      if (typeof parsed === 'string') return fail(c, 400, parsed);
      const rows = parsed.texts.map(model.score);
      if (rows.some((row) => row.length !== model.labels.length)) {
        return fail(c, 500, `score() must return ${model.labels.length} values per text`);
      }
      return c.json({
        model_name: found.name,
        model_version: found.version,
        ...(parsed.id === undefined ? {} : { id: parsed.id }),
        outputs: [
          {
            name: model.outputName ?? 'probabilities',
            datatype: 'FP32',
            shape: [rows.length, model.labels.length],
            data: rows.flat(),
          },
        ],
      });
    });
  }
  app.notFound((c) => fail(c, 404, `no route for ${c.req.method} ${c.req.path}`));

  // Leave the globals alone: the code under test runs in this process and uses the real Request/Response.
  const server = createServer(getRequestListener(app.fetch, { overrideGlobalObjects: false }));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: async () => {
      closing.abort();
      // Clients keep sockets alive; without this, close() would wait for their idle timeout.
      server.closeAllConnections();
      await new Promise<void>((done, reject) => server.close((error) => (error ? reject(error) : done())));
    },
  };
}

/** Checks an infer body the way a strict V2 server would; returns an error message or the texts. */
function parseInfer(
  body: unknown,
  inputName: string,
  outputName: string,
): string | { texts: string[]; id: string | undefined } {
  if (typeof body !== 'object' || body === null) return 'request body must be an object';
  const { id, inputs, outputs } = body as Record<string, unknown>;
  if (id !== undefined && typeof id !== 'string') return 'id must be a string';
  if (!Array.isArray(inputs)) return 'inputs must be an array';
  const input = inputs.find((i: { name?: unknown } | null) => i?.name === inputName) as
    | Record<string, unknown>
    | undefined;
  if (!input) return `missing input '${inputName}'`;
  if (input.datatype !== 'BYTES') return `input '${inputName}' must be BYTES`;
  const { shape, data } = input;
  if (!Array.isArray(data) || !data.every((d) => typeof d === 'string')) {
    return `input '${inputName}' data must be an array of strings`;
  }
  const n = data.length;
  const shapeOk =
    Array.isArray(shape) && shape[0] === n && (shape.length === 1 || (shape.length === 2 && shape[1] === 1));
  if (!shapeOk) return `input '${inputName}' shape ${JSON.stringify(shape)} does not match ${n} texts`;
  if (outputs !== undefined) {
    if (!Array.isArray(outputs)) return 'outputs must be an array';
    const unknown = outputs.find((o: { name?: unknown } | null) => o?.name !== outputName);
    if (unknown !== undefined) return `unknown output ${JSON.stringify(unknown)}`;
  }
  return { texts: data, id };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((done) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      done();
    });
  });
}
