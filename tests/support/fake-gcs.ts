/**
 * TEST FIXTURE ONLY — a tiny in-memory stand-in for the GCS JSON API, covering exactly the subset that
 * GcsBlobStore drives through @google-cloud/storage v7: multipart upload, object metadata and media download
 * (`alt=media`, optionally pinned by `generation`), list with prefix/maxResults/pageToken, delete,
 * `ifGenerationMatch` preconditions (412) and bucket GET. Anything else answers 501 so a gap is loud, not silent.
 * It does not verify auth or signed URLs. It is not GCS: do not read its behaviour as GCS's.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const FAKE_GCS_BUCKET = 'vigil-test-bucket';

export interface FakeGcs {
  apiEndpoint: string;
  close(): Promise<void>;
}

interface StoredObject {
  name: string;
  data: Buffer;
  contentType: string;
  metadata: Record<string, string> | undefined;
  generation: string;
  updated: string;
}

type Bucket = Map<string, StoredObject>;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly reason: string,
  ) {
    super(message);
  }
}

export interface FakeGcsOptions {
  buckets?: string[];
  /** Caps list pages below GCS's 1000 so tests can exercise pagination with a handful of objects. */
  maxPageSize?: number;
}

export async function startFakeGcs(options: FakeGcsOptions = {}): Promise<FakeGcs> {
  const buckets = new Map<string, Bucket>((options.buckets ?? [FAKE_GCS_BUCKET]).map((b) => [b, new Map()]));
  const nextGeneration = generationCounter();
  const server = createServer((req, res) => {
    handle(req, res, buckets, nextGeneration, options.maxPageSize ?? 1000).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      const reason = error instanceof HttpError ? error.reason : 'backendError';
      sendError(res, status, error instanceof Error ? error.message : String(error), reason);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    apiEndpoint: `http://127.0.0.1:${port}`,
    close: async () => {
      // The client keeps sockets alive; without this, close() would wait for their idle timeout.
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  buckets: Map<string, Bucket>,
  nextGeneration: () => string,
  maxPageSize: number,
): Promise<void> {
  // The raw path, not a normalised one: object names arrive percent-encoded as a single segment.
  const rawUrl = req.url ?? '/';
  const queryStart = rawUrl.indexOf('?');
  const rawPath = queryStart === -1 ? rawUrl : rawUrl.slice(0, queryStart);
  const query = new URLSearchParams(queryStart === -1 ? '' : rawUrl.slice(queryStart + 1));
  const method = req.method ?? 'GET';

  const upload = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(rawPath);
  if (upload && method === 'POST') {
    const bucketName = decodeURIComponent(upload[1]!);
    const bucket = bucketOrThrow(buckets, bucketName);
    return sendJson(res, 200, await multipartUpload(req, query, bucketName, bucket, nextGeneration));
  }
  const object = /^\/storage\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(rawPath);
  if (object) {
    const bucketName = decodeURIComponent(object[1]!);
    const bucket = bucketOrThrow(buckets, bucketName);
    const name = decodeURIComponent(object[2]!);
    if (method === 'GET') return getObject(res, bucketName, bucket, name, query);
    if (method === 'DELETE') return deleteObject(res, bucket, name, query);
  }
  const listing = /^\/storage\/v1\/b\/([^/]+)\/o$/.exec(rawPath);
  if (listing && method === 'GET') {
    const bucketName = decodeURIComponent(listing[1]!);
    return sendJson(
      res,
      200,
      listObjects(bucketName, bucketOrThrow(buckets, bucketName), query, maxPageSize),
    );
  }
  const bucketGet = /^\/storage\/v1\/b\/([^/]+)$/.exec(rawPath);
  if (bucketGet && method === 'GET') {
    const bucketName = decodeURIComponent(bucketGet[1]!);
    bucketOrThrow(buckets, bucketName);
    return sendJson(res, 200, { kind: 'storage#bucket', id: bucketName, name: bucketName, location: 'US' });
  }
  throw new HttpError(501, `fake GCS does not implement ${method} ${rawPath}`, 'notImplemented');
}

async function multipartUpload(
  req: IncomingMessage,
  query: URLSearchParams,
  bucketName: string,
  bucket: Bucket,
  nextGeneration: () => string,
): Promise<Record<string, unknown>> {
  if (query.get('uploadType') !== 'multipart') {
    throw new HttpError(501, 'fake GCS only supports uploadType=multipart', 'notImplemented');
  }
  const boundary = /boundary=([^;]+)/.exec(req.headers['content-type'] ?? '')?.[1];
  if (!boundary) throw new HttpError(400, 'missing multipart boundary', 'invalid');
  const [metaPart, mediaPart] = parseMultipart(await readBody(req), boundary);
  if (!metaPart || !mediaPart) throw new HttpError(400, 'expected two multipart parts', 'invalid');
  const resource = JSON.parse(metaPart.body.toString('utf8')) as {
    name?: string;
    contentType?: string;
    metadata?: Record<string, string>;
  };
  const name = query.get('name') ?? resource.name;
  if (!name) throw new HttpError(400, 'missing object name', 'required');
  checkPrecondition(bucket.get(name), query);
  const stored: StoredObject = {
    name,
    data: mediaPart.body,
    contentType: resource.contentType ?? mediaPart.contentType ?? 'application/octet-stream',
    metadata: resource.metadata && Object.keys(resource.metadata).length > 0 ? resource.metadata : undefined,
    generation: nextGeneration(),
    updated: new Date().toISOString(),
  };
  bucket.set(name, stored);
  return resourceOf(bucketName, stored);
}

function getObject(
  res: ServerResponse,
  bucketName: string,
  bucket: Bucket,
  name: string,
  query: URLSearchParams,
): void {
  const stored = bucket.get(name);
  const pinned = query.get('generation');
  // Without object versioning an old generation is simply gone.
  if (!stored || (pinned !== null && pinned !== stored.generation)) {
    throw new HttpError(404, `No such object: ${bucketName}/${name}`, 'notFound');
  }
  if (query.get('alt') !== 'media') {
    sendJson(res, 200, resourceOf(bucketName, stored));
    return;
  }
  const hashes = objectHashes(stored.data);
  res.writeHead(200, {
    'Content-Type': stored.contentType,
    'Content-Length': stored.data.byteLength,
    // The client validates downloads against these, but only when the stored encoding is declared.
    'x-goog-hash': `crc32c=${hashes.crc32c},md5=${hashes.md5Hash}`,
    'x-goog-stored-content-encoding': 'identity',
    'x-goog-generation': stored.generation,
  });
  res.end(stored.data);
}

function deleteObject(res: ServerResponse, bucket: Bucket, name: string, query: URLSearchParams): void {
  const stored = bucket.get(name);
  if (!stored) throw new HttpError(404, `No such object: ${name}`, 'notFound');
  checkPrecondition(stored, query);
  bucket.delete(name);
  res.writeHead(204).end();
}

function listObjects(
  bucketName: string,
  bucket: Bucket,
  query: URLSearchParams,
  maxPageSize: number,
): Record<string, unknown> {
  const prefix = query.get('prefix') ?? '';
  const maxResults = Math.min(Number(query.get('maxResults') ?? maxPageSize) || maxPageSize, maxPageSize);
  // Page tokens here are just the last name returned, base64-encoded so clients treat them as opaque.
  const after = query.get('pageToken')
    ? Buffer.from(query.get('pageToken')!, 'base64').toString('utf8')
    : null;
  const names = [...bucket.keys()]
    .filter((name) => name.startsWith(prefix))
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
    .filter((name) => after === null || Buffer.compare(Buffer.from(name), Buffer.from(after)) > 0);
  const page = names.slice(0, maxResults);
  const body: Record<string, unknown> = { kind: 'storage#objects' };
  // GCS omits `items` on an empty page.
  if (page.length > 0) body.items = page.map((name) => resourceOf(bucketName, bucket.get(name)!));
  if (names.length > page.length) body.nextPageToken = Buffer.from(page.at(-1)!, 'utf8').toString('base64');
  return body;
}

function checkPrecondition(stored: StoredObject | undefined, query: URLSearchParams): void {
  const expected = query.get('ifGenerationMatch');
  if (expected !== null && expected !== (stored?.generation ?? '0')) {
    throw new HttpError(
      412,
      'At least one of the pre-conditions you specified did not hold.',
      'conditionNotMet',
    );
  }
}

function resourceOf(bucketName: string, stored: StoredObject): Record<string, unknown> {
  const id = `${bucketName}/${stored.name}/${stored.generation}`;
  return {
    kind: 'storage#object',
    id,
    name: stored.name,
    bucket: bucketName,
    generation: stored.generation,
    metageneration: '1',
    contentType: stored.contentType,
    size: String(stored.data.byteLength),
    ...objectHashes(stored.data),
    etag: Buffer.from(`${stored.generation}:1`).toString('base64'),
    timeCreated: stored.updated,
    updated: stored.updated,
    storageClass: 'STANDARD',
    ...(stored.metadata ? { metadata: stored.metadata } : {}),
  };
}

function objectHashes(data: Buffer): { md5Hash: string; crc32c: string } {
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32c(data));
  return { md5Hash: createHash('md5').update(data).digest('base64'), crc32c: crc.toString('base64') };
}

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    // 0x82f63b78 is the reflected Castagnoli polynomial, which is what GCS uses.
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32c(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC32C_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function parseMultipart(body: Buffer, boundary: string): { contentType?: string; body: Buffer }[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: { contentType?: string; body: Buffer }[] = [];
  let start = body.indexOf(delimiter);
  while (start !== -1) {
    const contentStart = start + delimiter.length;
    // `--boundary--` closes the body.
    if (body.subarray(contentStart, contentStart + 2).toString() === '--') break;
    const end = body.indexOf(delimiter, contentStart);
    if (end === -1) break;
    const part = body.subarray(contentStart, end);
    const headerEnd = part.indexOf('\r\n\r\n');
    const headers = part.subarray(0, headerEnd).toString('utf8');
    let content = part.subarray(headerEnd + 4);
    if (content.subarray(-2).toString() === '\r\n') content = content.subarray(0, -2);
    const contentType = /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1];
    parts.push(contentType ? { contentType, body: content } : { body: content });
    start = end;
  }
  return parts;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function bucketOrThrow(buckets: Map<string, Bucket>, name: string): Bucket {
  const bucket = buckets.get(name);
  if (!bucket) throw new HttpError(404, `The specified bucket does not exist: ${name}`, 'notFound');
  return bucket;
}

function generationCounter(): () => string {
  let last = 0n;
  return () => {
    const now = BigInt(Date.now()) * 1000n;
    last = now > last ? now : last + 1n;
    return last.toString();
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  // The client only parses multipart-upload responses whose type is exactly this string.
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, status: number, message: string, reason: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, status, {
    error: { code: status, message, errors: [{ domain: 'global', reason, message }] },
  });
}
