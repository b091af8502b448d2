/** Hono app serving LocalBlobStore signed URLs (GET = read, PUT = write); the local runner mounts it at /_blobs. */
import { Readable } from 'node:stream';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ApiError, toErrorResponse } from '../../http/errors.js';
import { assertObjectName, type BlobInfo, InvalidObjectNameError } from '../../ports/blobs.js';
import { type LocalBlobStore, verifyLocalSignedUrl } from './local.js';

export const MAX_LOCAL_UPLOAD_BYTES = 32 * 1024 * 1024;

const OBJECT_ROUTE = '/:name{.+}';

export function createLocalBlobApp(
  store: LocalBlobStore,
  signingKey: Uint8Array,
  clock: () => Date = () => new Date(),
): Hono {
  const app = new Hono();
  app.onError((error, c) => toErrorResponse(c, error));

  app.get(OBJECT_ROUTE, async (c) => {
    const name = objectName(c.req.param('name'));
    authorize(c, name, 'read', signingKey, clock());
    // Hono answers HEAD with the GET handler; skip opening a stream nobody will read.
    if (c.req.method === 'HEAD') {
      const info = await store.head(name);
      if (!info) throw notFound();
      return new Response(null, { status: 200, headers: objectHeaders(info) });
    }
    const opened = await store.openRead(name);
    if (!opened) throw notFound();
    // node:stream/web's ReadableStream is the same runtime class as the global one; only the typings differ.
    const body = Readable.toWeb(opened.stream) as unknown as ReadableStream<Uint8Array>;
    return new Response(body, { status: 200, headers: objectHeaders(opened.info) });
  });

  app.put(
    OBJECT_ROUTE,
    // Authorise before the size limit so an unsigned caller learns nothing but 403.
    async (c, next) => {
      authorize(c, objectName(c.req.param('name')), 'write', signingKey, clock());
      await next();
    },
    bodyLimit({
      maxSize: MAX_LOCAL_UPLOAD_BYTES,
      onError: (c) => toErrorResponse(c, new ApiError(413, `upload exceeds ${MAX_LOCAL_UPLOAD_BYTES} bytes`)),
    }),
    async (c) => {
      const name = objectName(c.req.param('name'));
      const data = new Uint8Array(await c.req.arrayBuffer());
      const contentType = c.req.header('content-type');
      const info = await store.put(name, data, contentType ? { contentType } : {});
      c.header('ETag', `"${info.etag}"`);
      return c.json({ name: info.name, size: info.size, generation: info.generation, md5: info.md5 });
    },
  );

  return app;
}

function objectName(raw: string | undefined): string {
  const name = raw ?? '';
  try {
    assertObjectName(name);
  } catch (error) {
    if (error instanceof InvalidObjectNameError) throw new ApiError(400, error.message);
    throw error;
  }
  return name;
}

/**
 * Throws 403 unless the query carries a valid, unexpired signature for this name and action. A write URL
 * signed without a content type accepts any; one signed with a content type only verifies when the request
 * sends exactly that type, because the type is part of the signed string.
 */
function authorize(
  c: Context,
  name: string,
  action: 'read' | 'write',
  signingKey: Uint8Array,
  now: Date,
): void {
  const signedAction = c.req.query('X-Vigil-Action');
  const expires = c.req.query('X-Vigil-Expires');
  const signature = c.req.query('X-Vigil-Signature');
  if (signedAction !== action || expires === undefined || signature === undefined) throw denied();
  const params = { name, action, expires, signature };
  const requestType = action === 'write' ? c.req.header('content-type') : undefined;
  const valid =
    verifyLocalSignedUrl(params, signingKey, now) ||
    (requestType !== undefined &&
      verifyLocalSignedUrl({ ...params, contentType: requestType }, signingKey, now));
  if (!valid) throw denied();
}

function objectHeaders(info: BlobInfo): Headers {
  return new Headers({
    'Content-Type': info.contentType,
    'Content-Length': String(info.size),
    ETag: `"${info.etag}"`,
    'Last-Modified': info.updated.toUTCString(),
    // Stored objects are untrusted bytes served from the app's own origin: never sniff or run them.
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': 'sandbox',
  });
}

function denied(): ApiError {
  return new ApiError(403, 'signed URL is invalid, expired or not valid for this request');
}

function notFound(): ApiError {
  return new ApiError(404, 'object not found');
}
