/** Runs the BlobStore contract against both adapters, plus the checks only one adapter can make. */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Storage } from '@google-cloud/storage';
import { Hono } from 'hono';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GcsBlobStore } from '../../shared/adapters/blobs/gcs.js';
import { LocalBlobStore, resolveInside, verifyLocalSignedUrl } from '../../shared/adapters/blobs/local.js';
import { createLocalBlobApp, MAX_LOCAL_UPLOAD_BYTES } from '../../shared/adapters/blobs/local-http.js';
import { InvalidObjectNameError, PreconditionFailedError } from '../../shared/ports/blobs.js';
import { FAKE_GCS_BUCKET, startFakeGcs } from '../support/fake-gcs.js';
import { describeBlobStoreContract } from './blobs.contract.js';

const BASE_URL = 'http://localhost:8080/_blobs';

interface LocalHarness {
  root: string;
  signingKey: Buffer;
  store: LocalBlobStore;
  /** The blob app mounted at /_blobs the way the local runner mounts it, with a settable server clock. */
  fetch(url: string, init?: RequestInit, at?: Date): Promise<Response>;
  cleanup(): Promise<void>;
}

async function openLocal(clock?: () => Date): Promise<LocalHarness> {
  const root = await mkdtemp(path.join(tmpdir(), 'vigil-blobs-'));
  const signingKey = randomBytes(32);
  const store = new LocalBlobStore({ root, baseUrl: BASE_URL, signingKey, ...(clock ? { clock } : {}) });
  let serverTime: Date | undefined;
  const host = new Hono();
  host.route(
    '/_blobs',
    createLocalBlobApp(store, signingKey, () => serverTime ?? new Date()),
  );
  return {
    root,
    signingKey,
    store,
    fetch: async (url, init, at) => {
      serverTime = at;
      return host.request(url, init);
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

// One key for the whole file: RSA generation is slow, and the fake never checks signatures anyway.
const serviceAccountKey = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
}).privateKey;

function fakeStorage(apiEndpoint: string): Storage {
  // A custom apiEndpoint makes the client skip OAuth entirely; the key is only used to sign URLs locally.
  return new Storage({
    apiEndpoint,
    projectId: 'vigil-test',
    credentials: { client_email: 'test@vigil-test.iam.gserviceaccount.com', private_key: serviceAccountKey },
  });
}

/** The host a Socket#connect call targets (null for IPC paths); net.connect passes pre-normalised args. */
function connectHost(args: unknown[]): string | null {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  if (typeof first === 'object' && first !== null) {
    // HTTP passes its request path along too, so only a path without a host means an IPC socket.
    const options = first as { host?: string; path?: string };
    if (options.host === undefined && options.path !== undefined) return null;
    return options.host ?? 'localhost';
  }
  if (typeof first === 'string' && Number.isNaN(Number(first))) return null;
  return typeof args[1] === 'string' ? args[1] : 'localhost';
}

async function openGcs(options: { maxPageSize?: number } = {}) {
  const fake = await startFakeGcs(options);
  const storage = fakeStorage(fake.apiEndpoint);
  return { fake, storage, store: new GcsBlobStore({ storage, bucket: FAKE_GCS_BUCKET }) };
}

describeBlobStoreContract('LocalBlobStore', async () => {
  const local = await openLocal();
  return { store: local.store, cleanup: local.cleanup, fetchSigned: local.fetch };
});

describe('GCS adapter network isolation', () => {
  // Any connection the GCS client makes (OAuth, metadata server, storage.googleapis.com) is recorded here.
  const remoteConnects: string[] = [];
  const originalConnect = Socket.prototype.connect;

  beforeAll(() => {
    Socket.prototype.connect = function guardedConnect(this: Socket, ...args: unknown[]) {
      const host = connectHost(args);
      if (host !== null && !['127.0.0.1', 'localhost', '::1'].includes(host)) remoteConnects.push(host);
      return (originalConnect as (...a: unknown[]) => Socket).apply(this, args);
    } as typeof Socket.prototype.connect;
  });

  afterAll(() => {
    Socket.prototype.connect = originalConnect;
    expect(remoteConnects).toEqual([]);
  });

  describeBlobStoreContract('GcsBlobStore against the fake GCS server', async () => {
    const { fake, store } = await openGcs();
    return { store, cleanup: () => fake.close() };
  });

  describe('GcsBlobStore specifics', () => {
    let gcs: Awaited<ReturnType<typeof openGcs>>;

    beforeEach(async () => {
      gcs = await openGcs({ maxPageSize: 2 });
    });

    afterEach(async () => {
      await gcs.fake.close();
    });

    it('signs v4 URLs for the object path', async () => {
      const read = new URL(
        await gcs.store.signedUrl('dir/a b.png', { action: 'read', expiresInSeconds: 600 }),
      );
      expect(read.pathname).toBe(`/${FAKE_GCS_BUCKET}/dir/a%20b.png`);
      expect(read.searchParams.get('X-Goog-Algorithm')).toBe('GOOG4-RSA-SHA256');
      expect(read.searchParams.get('X-Goog-Signature')).toMatch(/^[0-9a-f]{512}$/);
      expect(read.searchParams.get('X-Goog-Expires')).toBe('600');
      expect(read.searchParams.get('X-Goog-SignedHeaders')).toBe('host');

      const write = new URL(
        await gcs.store.signedUrl('dir/a b.png', {
          action: 'write',
          expiresInSeconds: 60,
          contentType: 'image/png',
        }),
      );
      expect(write.searchParams.get('X-Goog-SignedHeaders')).toBe('content-type;host');
    });

    it('follows list pagination until the limit or the last page', async () => {
      const names = ['p/1', 'p/2', 'p/3', 'p/4', 'p/5'];
      for (const name of names) await gcs.store.put(name, Buffer.from(name));
      expect((await gcs.store.list('p/')).map((info) => info.name)).toEqual(names);
      expect((await gcs.store.list('p/', { limit: 3 })).map((info) => info.name)).toEqual(names.slice(0, 3));
    });

    it('ping fails for a bucket that does not exist', async () => {
      const missing = new GcsBlobStore({ storage: gcs.storage, bucket: 'no-such-bucket' });
      await expect(missing.ping()).rejects.toThrow(/bucket does not exist/);
    });

    it('surfaces a failed precondition on delete of a recreated object', async () => {
      const first = await gcs.store.put('recreated', Buffer.from('1'));
      await gcs.store.delete('recreated');
      await gcs.store.put('recreated', Buffer.from('2'));
      await expect(
        gcs.store.delete('recreated', { ifGenerationMatch: first.generation }),
      ).rejects.toBeInstanceOf(PreconditionFailedError);
    });
  });
});

describe('LocalBlobStore specifics', () => {
  let local: LocalHarness;

  beforeEach(async () => {
    local = await openLocal();
  });

  afterEach(async () => {
    await local.cleanup();
  });

  it('keeps objects and metadata in separate trees under the root', async () => {
    await local.store.put('a/b.txt', Buffer.from('data'), { metadata: { k: 'v' } });
    await local.store.put('a/b.txt.json', Buffer.from('not metadata'));
    expect(await readFile(path.join(local.root, 'objects', 'a', 'b.txt'), 'utf8')).toBe('data');
    expect(await readFile(path.join(local.root, 'objects', 'a', 'b.txt.json'), 'utf8')).toBe('not metadata');
    const meta = JSON.parse(await readFile(path.join(local.root, 'meta', 'a', 'b.txt.json'), 'utf8'));
    expect(meta).toMatchObject({ contentType: 'application/octet-stream', metadata: { k: 'v' } });
    expect((await local.store.list('a/')).map((info) => info.name)).toEqual(['a/b.txt', 'a/b.txt.json']);
  });

  it('resolveInside refuses any path that escapes its base', () => {
    const base = path.join(local.root, 'objects');
    for (const escaping of ['../x', 'a/../../x', '..', '/etc/passwd', '', '.', 'a/..']) {
      expect(() => resolveInside(base, escaping), escaping).toThrow(InvalidObjectNameError);
    }
    expect(resolveInside(base, '..a/b..')).toBe(path.join(base, '..a', 'b..'));
    expect(resolveInside(base, 'a/.../b')).toBe(path.join(base, 'a', '...', 'b'));
  });

  it('stores dot-like and percent-encoded traversal names literally, inside the root', async () => {
    for (const name of ['..a/b..', 'a/.../b', '%2e%2e/x', '.hidden']) {
      await local.store.put(name, Buffer.from(name));
      expect(await readFile(resolveInside(path.join(local.root, 'objects'), name), 'utf8')).toBe(name);
    }
    expect(await readdir(local.root)).toEqual(expect.arrayContaining(['objects', 'meta']));
    expect((await readdir(local.root)).length).toBe(2);
  });

  it("lets exactly one of many concurrent ifGenerationMatch '0' puts win", async () => {
    const attempts = Array.from({ length: 20 }, (_, i) =>
      local.store.put('race', Buffer.from(`writer-${i}`), { ifGenerationMatch: '0' }),
    );
    const results = await Promise.allSettled(attempts);
    const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    const losers = results.filter((r) => r.status === 'rejected');
    expect(winners).toHaveLength(1);
    expect(losers.every((r) => r.reason instanceof PreconditionFailedError)).toBe(true);
    expect((await local.store.get('race'))!.data.toString()).toBe(`writer-${winners[0]}`);
  });

  it('keeps generations strictly increasing with a frozen clock and across restarts', async () => {
    const frozen = new Date('2030-01-01T00:00:00Z');
    const store = new LocalBlobStore({
      root: local.root,
      baseUrl: BASE_URL,
      signingKey: local.signingKey,
      clock: () => frozen,
    });
    const a = await store.put('g', Buffer.from('1'));
    const b = await store.put('g', Buffer.from('2'));
    // A restarted process whose clock is behind must still move past what is on disk.
    const past = new Date('2020-01-01T00:00:00Z');
    const restarted = new LocalBlobStore({
      root: local.root,
      baseUrl: BASE_URL,
      signingKey: local.signingKey,
      clock: () => past,
    });
    const c = await restarted.put('g', Buffer.from('3'));
    expect(BigInt(b.generation)).toBeGreaterThan(BigInt(a.generation));
    expect(BigInt(c.generation)).toBeGreaterThan(BigInt(b.generation));
    expect(a.updated.toISOString()).toBe(frozen.toISOString());
  });

  it('refuses a name that collides with a directory of another object, and recovers after delete', async () => {
    await local.store.put('p', Buffer.from('file'));
    await expect(local.store.put('p/child', Buffer.from('x'))).rejects.toBeInstanceOf(InvalidObjectNameError);
    expect((await local.store.get('p'))!.data.toString()).toBe('file');
    expect(await local.store.delete('p')).toBe(true);
    await local.store.put('p/child', Buffer.from('x'));
    await expect(local.store.put('p', Buffer.from('file'))).rejects.toBeInstanceOf(InvalidObjectNameError);
    expect(await local.store.delete('p/child')).toBe(true);
    // Deleting the last object under p/ prunes the empty directories, so 'p' is storable again.
    await local.store.put('p', Buffer.from('again'));
    expect((await local.store.list()).map((info) => info.name)).toEqual(['p']);
  });

  it('refuses segments the file system cannot hold, but reads them as absent', async () => {
    const long = `dir/${'x'.repeat(251)}`;
    await expect(local.store.put(long, Buffer.from('x'))).rejects.toBeInstanceOf(InvalidObjectNameError);
    expect(await local.store.head(long)).toBeNull();
    expect(await local.store.get(long)).toBeNull();
    await local.store.put(`dir/${'x'.repeat(250)}`, Buffer.from('x'));
  });

  it('leaves no temporary files behind', async () => {
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => local.store.put(`t/${i % 3}`, Buffer.from(`${i}`))),
    );
    const files = await readdir(local.root, { recursive: true });
    expect(files.filter((file) => file.includes('.~tmp-'))).toEqual([]);
  });

  it('signs URLs in the documented format and verifies them', async () => {
    const now = new Date('2030-01-01T00:00:00Z');
    const store = new LocalBlobStore({
      root: local.root,
      baseUrl: `${BASE_URL}/`,
      signingKey: local.signingKey,
      clock: () => now,
    });
    const url = new URL(
      await store.signedUrl('a b/c', { action: 'write', expiresInSeconds: 60, contentType: 'text/csv' }),
    );
    expect(`${url.origin}${url.pathname}`).toBe(`${BASE_URL}/a%20b/c`);
    const expires = url.searchParams.get('X-Vigil-Expires')!;
    expect(Number(expires)).toBe(now.getTime() / 1000 + 60);
    expect(url.searchParams.get('X-Vigil-Action')).toBe('write');
    const params = {
      name: 'a b/c',
      action: 'write',
      expires,
      signature: url.searchParams.get('X-Vigil-Signature')!,
      contentType: 'text/csv',
    };
    expect(params.signature).toMatch(/^[0-9a-f]{64}$/);
    expect(verifyLocalSignedUrl(params, local.signingKey, now)).toBe(true);
    expect(verifyLocalSignedUrl(params, local.signingKey, new Date(now.getTime() + 60_000))).toBe(true);
    expect(verifyLocalSignedUrl(params, local.signingKey, new Date(now.getTime() + 61_000))).toBe(false);
    expect(verifyLocalSignedUrl(params, randomBytes(32), now)).toBe(false);
    expect(verifyLocalSignedUrl({ ...params, name: 'a b/d' }, local.signingKey, now)).toBe(false);
    expect(verifyLocalSignedUrl({ ...params, action: 'read' }, local.signingKey, now)).toBe(false);
    expect(verifyLocalSignedUrl({ ...params, contentType: 'text/html' }, local.signingKey, now)).toBe(false);
    expect(verifyLocalSignedUrl({ ...params, expires: `${expires}0` }, local.signingKey, now)).toBe(false);
    expect(verifyLocalSignedUrl({ ...params, signature: 'zz' }, local.signingKey, now)).toBe(false);
  });

  it('rejects a signing key too short to be a secret', () => {
    expect(
      () => new LocalBlobStore({ root: local.root, baseUrl: BASE_URL, signingKey: new Uint8Array(8) }),
    ).toThrow(RangeError);
  });
});

describe('local blob HTTP app', () => {
  let local: LocalHarness;

  beforeEach(async () => {
    local = await openLocal();
  });

  afterEach(async () => {
    await local.cleanup();
  });

  const sign = (name: string, action: 'read' | 'write', contentType?: string) =>
    local.store.signedUrl(name, { action, expiresInSeconds: 60, ...(contentType ? { contentType } : {}) });

  it('accepts a PUT on a signed write URL and serves it back on a signed read URL', async () => {
    const data = randomBytes(10_000);
    const put = await local.fetch(await sign('up/ünï code.bin', 'write', 'application/x-model'), {
      method: 'PUT',
      headers: { 'content-type': 'application/x-model' },
      body: data,
    });
    expect(put.status).toBe(200);
    const head = (await local.store.head('up/ünï code.bin'))!;
    expect(await put.json()).toMatchObject({
      name: 'up/ünï code.bin',
      size: 10_000,
      generation: head.generation,
    });
    expect(put.headers.get('etag')).toBe(`"${head.etag}"`);

    const get = await local.fetch(await sign('up/ünï code.bin', 'read'));
    expect(get.status).toBe(200);
    expect(get.headers.get('content-type')).toBe('application/x-model');
    expect(get.headers.get('etag')).toBe(`"${head.etag}"`);
    expect(get.headers.get('content-length')).toBe('10000');
    expect(get.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await get.arrayBuffer()).equals(data)).toBe(true);
  });

  it('answers HEAD with headers only', async () => {
    await local.store.put('h', Buffer.from('12345'), { contentType: 'text/plain' });
    const res = await local.fetch(await sign('h', 'read'), { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe('5');
    expect(await res.text()).toBe('');
  });

  it('stores the request content type when the write URL did not sign one', async () => {
    const res = await local.fetch(await sign('free', 'write'), {
      method: 'PUT',
      headers: { 'content-type': 'text/csv' },
      body: 'a,b',
    });
    expect(res.status).toBe(200);
    expect((await local.store.head('free'))!.contentType).toBe('text/csv');
  });

  it('refuses a content type other than the signed one', async () => {
    const url = await sign('typed', 'write', 'image/png');
    const wrongTypes: Record<string, string>[] = [{ 'content-type': 'text/html' }, {}];
    for (const headers of wrongTypes) {
      const res = await local.fetch(url, { method: 'PUT', headers, body: 'x' });
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ error: { code: 'permission_denied' } });
    }
    expect(await local.store.head('typed')).toBeNull();
  });

  it('refuses a URL used for the other action or without a signature', async () => {
    await local.store.put('x', Buffer.from('x'));
    expect((await local.fetch(await sign('x', 'read'), { method: 'PUT', body: 'y' })).status).toBe(403);
    expect((await local.fetch(await sign('x', 'write'))).status).toBe(403);
    expect((await local.fetch(`${BASE_URL}/x`)).status).toBe(403);
    expect((await local.store.get('x'))!.data.toString()).toBe('x');
  });

  it('answers 404 for a validly signed URL to a missing object', async () => {
    const res = await local.fetch(await sign('nope', 'read'));
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it('answers 400 invalid_argument for an invalid object name', async () => {
    for (const path of ['a//b', 'a%5Cb', 'a%00b', 'a/%2E%2E%2Fb']) {
      const res = await local.fetch(
        `${BASE_URL}/${path}?X-Vigil-Action=read&X-Vigil-Expires=1&X-Vigil-Signature=00`,
      );
      expect(res.status, path).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 'invalid_argument' } });
    }
  });

  it('refuses uploads over 32 MiB with 413', async () => {
    const res = await local.fetch(await sign('big', 'write'), {
      method: 'PUT',
      body: new Uint8Array(MAX_LOCAL_UPLOAD_BYTES + 1),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: 'payload_too_large' } });
    expect(await local.store.head('big')).toBeNull();
  });

  it('accepts an upload of exactly 32 MiB', async () => {
    const res = await local.fetch(await sign('big', 'write'), {
      method: 'PUT',
      body: new Uint8Array(MAX_LOCAL_UPLOAD_BYTES),
    });
    expect(res.status).toBe(200);
    expect((await stat(path.join(local.root, 'objects', 'big'))).size).toBe(MAX_LOCAL_UPLOAD_BYTES);
  });
});
