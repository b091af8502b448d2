/**
 * The HTTP app factory every vigil function starts from: request id and trace, access log, metrics,
 * CORS, body-size limit, timeout, one error envelope, and the standard routes
 * (`/health`, `/health/ready`, `/metrics`, `/openapi.json`, `/docs`).
 */

import type { IncomingMessage } from 'node:http';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { HTTPException } from 'hono/http-exception';
import { routePath } from 'hono/route';
import { timeout } from 'hono/timeout';
import type { Logger } from '../logging/logger.js';
import type { RequestGate } from '../runtime/request-gate.js';
import type { AppEnv } from './context.js';
import { mountDocs } from './docs.js';
import { ApiError, errorBody, toErrorResponse } from './errors.js';
import type { Metrics } from './metrics.js';
import { traceFromHeaders } from './trace.js';

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * On `@hono/node-server` (the lean server), a JSON body is read from the Node request as bytes and
 * handed to Hono's body cache, so `c.req.json()` and the zod validator never make the server build a
 * web `Request` with a stream body (≈ 15% of the CPU of a small scoring request, measured with
 * --cpu-prof). Returns false, reading nothing, where that does not apply (no Node request, a body
 * already consumed by the Functions Framework, not JSON); the caller then uses `bodyLimit`.
 */
async function readJsonBodyFast(c: Context<AppEnv>, limit: number): Promise<boolean> {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (!incoming || incoming.readableEnded || incoming.readableDidRead || 'rawBody' in incoming) return false;
  if (!(c.req.header('content-type') ?? '').toLowerCase().includes('json')) return false;
  const tooLarge = () => new ApiError(413, `request body exceeds ${limit} bytes`);
  if (Number(c.req.header('content-length')) > limit) throw tooLarge();
  const text = await readBody(incoming, limit, tooLarge);
  // Hono's cache holds promises at run time (its type says the resolved values).
  (c.req.bodyCache as { text?: Promise<string> }).text = Promise.resolve(text);
  return true;
}

/**
 * The body as UTF-8 text, read with 'data'/'end' listeners: an async iterator over the stream
 * allocated several objects and promises per request (measured in a heap profile of /detect).
 * Stops reading past `limit`; a client that aborts mid-body rejects with the stream's error.
 */
function readBody(incoming: IncomingMessage, limit: number, tooLarge: () => Error): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('close', onClose);
    };
    const fail = (error: Error) => {
      cleanup();
      // Drop the rest of the body; the error response is still sent on this connection.
      incoming.resume();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) fail(tooLarge());
      else chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve((chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)).toString('utf8'));
    };
    const onError = (error: Error) => fail(error);
    const onClose = () => {
      if (!incoming.readableEnded) fail(new Error('client closed the connection before the body ended'));
    };
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
    incoming.on('close', onClose);
  });
}

export type ReadinessCheck = () => Promise<{ ok: boolean; detail?: string }>;

export interface HttpAppOptions {
  /** Function name, used as the `function` metric label and log field. */
  name: string;
  title: string;
  version: string;
  description: string;
  logger: Logger;
  metrics: Metrics;
  bodyLimitBytes: number;
  timeoutMs: number;
  corsOrigins: readonly string[];
  /** Named checks behind `/health/ready` (stores, models). */
  readiness?: Record<string, ReadinessCheck>;
  /** Guards `/metrics`; omit to serve it openly (local mode, or a private scrape path). */
  metricsGuard?: MiddlewareHandler<AppEnv>;
  newId?: () => string;
  /** Admits requests and counts those in flight for shutdown (the platform's); omit in tests. */
  gate?: RequestGate;
  /** Status of a failed request validation: 400, or 422 for seeds built on FastAPI. */
  validationStatus?: 400 | 422;
}

/**
 * @example
 *   const app = createHttpApp({ name: 'auth', title: 'vigil auth', ...platform.http });
 *   app.openapi(tokenRoute, handler);
 */
export function createHttpApp(options: HttpAppOptions): OpenAPIHono<AppEnv> {
  const newId = options.newId ?? (() => crypto.randomUUID());
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (result.success) return;
      const details = result.error.issues.slice(0, 20).map((issue) => ({
        path: issue.path.map(String).join('.') || '(body)',
        message: issue.message,
      }));
      return c.json(
        errorBody('invalid_argument', 'request validation failed', c.get('requestId'), details),
        options.validationStatus ?? 400,
      );
    },
  });

  app.use('*', requestContext(options.logger, newId));
  app.use('*', observe(options));
  const gate = options.gate;
  if (gate) {
    app.use('*', async function admit(c, next) {
      if (!gate.enter()) {
        c.header('Connection', 'close');
        c.header('Retry-After', '1');
        return c.json(errorBody('unavailable', 'the server is shutting down', c.get('requestId')), 503);
      }
      try {
        await next();
      } finally {
        gate.leave();
      }
    });
  }
  if (options.corsOrigins.length > 0) {
    app.use(
      '*',
      cors({
        origin: [...options.corsOrigins],
        allowHeaders: ['Authorization', 'Content-Type', 'X-API-Key', 'X-Request-Id'],
        exposeHeaders: [
          'X-Request-Id',
          'RateLimit-Limit',
          'RateLimit-Remaining',
          'RateLimit-Reset',
          'Retry-After',
        ],
        maxAge: 600,
      }),
    );
  }
  const limitBody = bodyLimit({
    maxSize: options.bodyLimitBytes,
    onError: () => {
      throw new ApiError(413, `request body exceeds ${options.bodyLimitBytes} bytes`);
    },
  });
  // bodyLimit reads c.req.raw, which makes @hono/node-server build a full Request: on GETs that
  // cost ~4× throughput (BENCHMARKS.md), so only methods that carry a body pay for it. JSON bodies
  // on the Node server are read straight from the socket instead (readJsonBodyFast).
  app.use('*', async function limitBodies(c, next) {
    if (!BODY_METHODS.has(c.req.method)) return next();
    if (await readJsonBodyFast(c, options.bodyLimitBytes)) return next();
    return limitBody(c, next);
  });
  app.use(
    '*',
    timeout(
      options.timeoutMs,
      () => new HTTPException(504, { message: `request exceeded ${options.timeoutMs} ms` }),
    ),
  );

  app.onError((err, c) => {
    const res = toErrorResponse(c, err);
    if (res.status >= 500) c.get('logger')?.error('request failed', { status: res.status }, err);
    return res;
  });
  app.notFound((c) => c.json(errorBody('not_found', 'no such route', c.get('requestId')), 404));

  app.get('/health', (c) => c.json({ status: 'ok', function: options.name, version: options.version }));
  app.get('/health/ready', async (c) => {
    const checks = await runChecks(options.readiness ?? {});
    const ready = Object.values(checks).every((r) => r.ok);
    return c.json(
      { status: ready ? 'ready' : 'not_ready', function: options.name, checks },
      ready ? 200 : 503,
    );
  });
  const openGate: MiddlewareHandler<AppEnv> = async (_c, next) => next();
  app.get('/metrics', options.metricsGuard ?? openGate, async (c) =>
    c.body(await options.metrics.registry.metrics(), 200, {
      'Content-Type': options.metrics.registry.contentType,
    }),
  );

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKeyHeader', {
    type: 'apiKey',
    in: 'header',
    name: 'X-API-Key',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKeyQuery', {
    type: 'apiKey',
    in: 'query',
    name: 'key',
  });
  // Mounted under a prefix (the local runner sets X-Forwarded-Prefix), the docs' "Try it out" must
  // call /<function>/…, not the origin root.
  app.doc('/openapi.json', (c) => {
    const prefix = c.req.header('x-forwarded-prefix');
    return {
      openapi: '3.0.3',
      info: { title: options.title, version: options.version, description: options.description },
      servers: [{ url: prefix && /^(\/[a-z0-9-]+)+$/.test(prefix) ? prefix : '/' }],
    };
  });
  mountDocs(app, options.title);
  return app;
}

function requestContext(logger: Logger, newId: () => string): MiddlewareHandler<AppEnv> {
  return async function requestContext(c, next) {
    const { requestId, traceId } = traceFromHeaders((name) => c.req.header(name), newId);
    c.set('requestId', requestId);
    c.set('traceId', traceId);
    c.set('logger', logger.child({ requestId, ...(traceId ? { traceId } : {}) }));
    // Set before the response exists: touching c.res.headers afterwards forces @hono/node-server off
    // its fast path (measured: 9.3k → see BENCHMARKS.md).
    c.header('X-Request-Id', requestId);
    await next();
  };
}

/** Access log and request metrics; logs the route pattern and path only — never query or body. */
function observe(options: HttpAppOptions): MiddlewareHandler<AppEnv> {
  const { metrics, name } = options;
  const inFlight = metrics.httpInFlight.labels({ function: name });
  // prom-client hashes a label object on every call; the series of one method, route pattern and
  // status are looked up once (unmatched paths share one route label, so the map stays small).
  const series = new Map<string, { requests: { inc(): void }; duration: { observe(v: number): void } }>();
  const seriesFor = (method: string, route: string, status: number) => {
    const key = `${method} ${status} ${route}`;
    let found = series.get(key);
    if (!found) {
      const labels = { function: name, method, route, status: String(status) };
      found = {
        requests: metrics.httpRequests.labels(labels),
        duration: metrics.httpDuration.labels(labels),
      };
      series.set(key, found);
    }
    return found;
  };
  return async function observe(c, next) {
    const started = performance.now();
    inFlight.inc();
    try {
      await next();
    } finally {
      inFlight.dec();
      const seconds = (performance.now() - started) / 1000;
      const route = c.res.status === 404 && c.error === undefined ? matchedOrUnmatched(c) : routePath(c, -1);
      const { requests, duration } = seriesFor(c.req.method, route, c.res.status);
      requests.inc();
      duration.observe(seconds);
      c.get('logger').info('request', {
        method: c.req.method,
        route,
        status: c.res.status,
        latencyMs: Math.round(seconds * 10_000) / 10,
      });
    }
  };
}

/** Unmatched paths share one label so scanners cannot blow up metric cardinality. */
function matchedOrUnmatched(c: Parameters<MiddlewareHandler<AppEnv>>[0]): string {
  const path = routePath(c, -1);
  return path === '/*' || path === '*' ? '(unmatched)' : path;
}

async function runChecks(
  checks: Record<string, ReadinessCheck>,
): Promise<Record<string, { ok: boolean; detail?: string }>> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      try {
        const result = await Promise.race([
          check(),
          new Promise<{ ok: false; detail: string }>((resolve) =>
            setTimeout(() => resolve({ ok: false, detail: 'check timed out' }), 3000).unref(),
          ),
        ]);
        return [name, result] as const;
      } catch (error) {
        return [
          name,
          { ok: false, detail: error instanceof Error ? error.message : 'check failed' },
        ] as const;
      }
    }),
  );
  return Object.fromEntries(entries);
}
