/** The one BlobStore contract every Blobs adapter must pass. */
import { createHash, randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type BlobStore,
  InvalidObjectNameError,
  MAX_SIGNED_URL_SECONDS,
  PreconditionFailedError,
} from '../../shared/ports/blobs.js';

export interface BlobStoreUnderTest {
  store: BlobStore;
  cleanup(): Promise<void>;
  /**
   * Fetches a signed URL the way its holder would, with the server's clock at `at` (default: now). Adapters
   * whose signed URLs cannot be served in tests leave it out and the serving checks are skipped.
   */
  fetchSigned?: (url: string, init?: RequestInit, at?: Date) => Promise<Response>;
}

export const INVALID_OBJECT_NAMES: [label: string, name: string][] = [
  ['parent traversal', '../x'],
  ['inner traversal', 'a/../b'],
  ['current-dir segment', 'a/./b'],
  ['absolute', '/abs'],
  ['empty segment', 'a//b'],
  ['trailing slash', 'a/'],
  ['backslash', 'a\\b'],
  ['empty', ''],
  ['1025 bytes', 'a'.repeat(1025)],
  ['1025 bytes of multi-byte characters', `${'é'.repeat(512)}a`],
  ['control character', 'a\u0001b'],
  ['newline', 'a\nb'],
  ['DEL', 'a\u007fb'],
];

const UNICODE_NAME = 'dir with space/naïve 文件 🎉 #?%.bin';

export function describeBlobStoreContract(label: string, open: () => Promise<BlobStoreUnderTest>): void {
  describe(`BlobStore contract: ${label}`, () => {
    let subject: BlobStoreUnderTest;
    let store: BlobStore;

    beforeEach(async () => {
      subject = await open();
      store = subject.store;
    });

    afterEach(async () => {
      await subject.cleanup();
    });

    it('round-trips binary data byte for byte', async () => {
      const data = Buffer.concat([allByteValues(), randomBytes(64 * 1024)]);
      const info = await store.put('bin/blob.dat', data);
      const got = await store.get('bin/blob.dat');
      expect(got).not.toBeNull();
      expect(got!.data.equals(data)).toBe(true);
      expect(got!.info.size).toBe(data.byteLength);
      expect(info.size).toBe(data.byteLength);
      expect(info.name).toBe('bin/blob.dat');
    });

    it('stores zero-byte objects', async () => {
      await store.put('empty', new Uint8Array(0));
      const got = await store.get('empty');
      expect(got!.data.byteLength).toBe(0);
      expect(got!.info.size).toBe(0);
      expect(got!.info.md5).toBe(md5Hex(Buffer.alloc(0)));
    });

    it('keeps what was stored even if the caller later mutates its buffer', async () => {
      const data = Buffer.from('original');
      await store.put('copy', data);
      data.write('mutated!');
      expect((await store.get('copy'))!.data.toString()).toBe('original');
    });

    it('head returns the same info put returned, without the data', async () => {
      const info = await store.put('h/one', Buffer.from('hello'), { contentType: 'text/plain' });
      const head = await store.head('h/one');
      expect(head).toEqual(info);
      expect(head!.updated).toBeInstanceOf(Date);
      expect(Number.isNaN(head!.updated.getTime())).toBe(false);
    });

    it('preserves content type and custom metadata', async () => {
      const metadata = { model: 'nsfw-v3', 'sha-256': 'abc123', note: 'spaces and ünïcode' };
      await store.put('m/image.png', Buffer.from([0x89, 0x50]), { contentType: 'image/png', metadata });
      const head = await store.head('m/image.png');
      const got = await store.get('m/image.png');
      for (const info of [head!, got!.info]) {
        expect(info.contentType).toBe('image/png');
        expect(info.metadata).toEqual(metadata);
      }
    });

    it('defaults the content type to application/octet-stream rather than guessing from the name', async () => {
      const info = await store.put('report.json', Buffer.from('{}'));
      expect(info.contentType).toBe('application/octet-stream');
      expect((await store.head('report.json'))!.contentType).toBe('application/octet-stream');
      expect(info.metadata).toEqual({});
    });

    it('reports the hex MD5 of the content', async () => {
      const data = randomBytes(4096);
      const info = await store.put('md5/x', data);
      expect(info.md5).toMatch(/^[0-9a-f]{32}$/);
      expect(info.md5).toBe(md5Hex(data));
      expect((await store.head('md5/x'))!.md5).toBe(md5Hex(data));
    });

    it('gives every overwrite a new, larger generation and a new etag', async () => {
      const first = await store.put('gen/x', Buffer.from('1'));
      const second = await store.put('gen/x', Buffer.from('2'));
      const third = await store.put('gen/x', Buffer.from('3'));
      expect(first.generation).toMatch(/^[1-9]\d*$/);
      expect(BigInt(second.generation)).toBeGreaterThan(BigInt(first.generation));
      expect(BigInt(third.generation)).toBeGreaterThan(BigInt(second.generation));
      expect(new Set([first.etag, second.etag, third.etag]).size).toBe(3);
      expect((await store.get('gen/x'))!.data.toString()).toBe('3');
    });

    it("ifGenerationMatch '0' creates an absent object and refuses to replace an existing one", async () => {
      const created = await store.put('once', Buffer.from('first'), { ifGenerationMatch: '0' });
      expect(created.size).toBe(5);
      await expect(
        store.put('once', Buffer.from('second'), { ifGenerationMatch: '0' }),
      ).rejects.toBeInstanceOf(PreconditionFailedError);
      const got = await store.get('once');
      expect(got!.data.toString()).toBe('first');
      expect(got!.info.generation).toBe(created.generation);
    });

    it('ifGenerationMatch accepts the current generation and refuses a stale or unknown one', async () => {
      const first = await store.put('cas', Buffer.from('v1'));
      const second = await store.put('cas', Buffer.from('v2'), { ifGenerationMatch: first.generation });
      await expect(
        store.put('cas', Buffer.from('v3'), { ifGenerationMatch: first.generation }),
      ).rejects.toBeInstanceOf(PreconditionFailedError);
      await expect(
        store.put('absent', Buffer.from('x'), { ifGenerationMatch: second.generation }),
      ).rejects.toBeInstanceOf(PreconditionFailedError);
      expect((await store.get('cas'))!.data.toString()).toBe('v2');
      expect(await store.head('absent')).toBeNull();
    });

    it('get and head of a missing object return null', async () => {
      expect(await store.get('missing/object')).toBeNull();
      expect(await store.head('missing/object')).toBeNull();
    });

    it('delete returns true, then false once the object is gone', async () => {
      await store.put('del/x', Buffer.from('x'));
      expect(await store.delete('del/x')).toBe(true);
      expect(await store.delete('del/x')).toBe(false);
      expect(await store.head('del/x')).toBeNull();
      expect(await store.get('del/x')).toBeNull();
    });

    it('delete honours ifGenerationMatch', async () => {
      const first = await store.put('del/cas', Buffer.from('1'));
      const second = await store.put('del/cas', Buffer.from('2'));
      await expect(store.delete('del/cas', { ifGenerationMatch: first.generation })).rejects.toBeInstanceOf(
        PreconditionFailedError,
      );
      expect(await store.head('del/cas')).not.toBeNull();
      expect(await store.delete('del/cas', { ifGenerationMatch: second.generation })).toBe(true);
      expect(await store.head('del/cas')).toBeNull();
    });

    it('lists by prefix in UTF-8 byte order and honours limit', async () => {
      // U+FF5E sorts before U+1F600 in UTF-8 (and in GCS) but after it in JS's UTF-16 order.
      const inside = ['reports/b.json', 'reports/a.json', 'reports/2024/x', 'reports/\uff5e', 'reports/😀'];
      const outside = ['reportsX', 'other/reports/a', 'report'];
      for (const name of [...inside, ...outside]) await store.put(name, Buffer.from(name));
      const expected = ['reports/2024/x', 'reports/a.json', 'reports/b.json', 'reports/\uff5e', 'reports/😀'];

      const listed = await store.list('reports/');
      expect(listed.map((info) => info.name)).toEqual(expected);
      expect(listed[1]!.size).toBe(Buffer.byteLength('reports/a.json'));
      expect(listed[1]!.md5).toBe(md5Hex(Buffer.from('reports/a.json')));
      expect((await store.list('reports/', { limit: 2 })).map((info) => info.name)).toEqual(
        expected.slice(0, 2),
      );
      expect((await store.list('reports/a')).map((info) => info.name)).toEqual(['reports/a.json']);
      expect(await store.list('reports/', { limit: 0 })).toEqual([]);
      expect(await store.list('nothing/here/')).toEqual([]);
      expect((await store.list()).map((info) => info.name)).toHaveLength(inside.length + outside.length);
      expect((await store.list('', { limit: 1 })).map((info) => info.name)).toEqual(['other/reports/a']);
    });

    it('handles names with spaces, unicode and URL-special characters', async () => {
      const data = Buffer.from('unicode payload');
      await store.put(UNICODE_NAME, data, { contentType: 'application/x-test' });
      expect((await store.get(UNICODE_NAME))!.data.equals(data)).toBe(true);
      expect((await store.head(UNICODE_NAME))!.name).toBe(UNICODE_NAME);
      expect((await store.list('dir with space/')).map((info) => info.name)).toEqual([UNICODE_NAME]);
      expect(await store.delete(UNICODE_NAME)).toBe(true);
    });

    describe('rejects invalid object names with InvalidObjectNameError', () => {
      it.each(INVALID_OBJECT_NAMES)('%s', async (_label, name) => {
        const data = Buffer.from('x');
        await expect(store.put(name, data)).rejects.toBeInstanceOf(InvalidObjectNameError);
        await expect(store.get(name)).rejects.toBeInstanceOf(InvalidObjectNameError);
        await expect(store.head(name)).rejects.toBeInstanceOf(InvalidObjectNameError);
        await expect(store.delete(name)).rejects.toBeInstanceOf(InvalidObjectNameError);
        await expect(store.signedUrl(name, { action: 'read', expiresInSeconds: 60 })).rejects.toBeInstanceOf(
          InvalidObjectNameError,
        );
      });
    });

    it('signedUrl returns an absolute URL for read and write', async () => {
      await store.put('signed/a b.txt', Buffer.from('signed bytes'), { contentType: 'text/plain' });
      const read = new URL(
        await store.signedUrl('signed/a b.txt', { action: 'read', expiresInSeconds: 300 }),
      );
      const write = new URL(
        await store.signedUrl('signed/a b.txt', {
          action: 'write',
          expiresInSeconds: 300,
          contentType: 'text/plain',
        }),
      );
      for (const url of [read, write]) {
        expect(url.protocol).toMatch(/^https?:$/);
        expect(url.pathname.endsWith('/signed/a%20b.txt')).toBe(true);
        expect(url.search).not.toBe('');
      }
      expect(read.href).not.toBe(write.href);
    });

    it('signedUrl rejects lifetimes outside 1..MAX_SIGNED_URL_SECONDS', async () => {
      for (const expiresInSeconds of [0, -1, 1.5, MAX_SIGNED_URL_SECONDS + 1, Number.NaN]) {
        await expect(store.signedUrl('x', { action: 'read', expiresInSeconds })).rejects.toBeInstanceOf(
          RangeError,
        );
      }
      await expect(
        store.signedUrl('x', { action: 'read', expiresInSeconds: MAX_SIGNED_URL_SECONDS }),
      ).resolves.toMatch(/^https?:\/\//);
    });

    describe('serving signed URLs', () => {
      it('a read URL serves the bytes and content type', async (ctx) => {
        if (!subject.fetchSigned) return ctx.skip();
        const data = Buffer.concat([allByteValues(), Buffer.from('tail')]);
        await store.put(UNICODE_NAME, data, { contentType: 'image/webp' });
        const url = await store.signedUrl(UNICODE_NAME, { action: 'read', expiresInSeconds: 60 });
        const res = await subject.fetchSigned(url);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe('image/webp');
        expect(Buffer.from(await res.arrayBuffer()).equals(data)).toBe(true);
      });

      it('a tampered signature, a swapped object name or an expired URL is refused with 403', async (ctx) => {
        if (!subject.fetchSigned) return ctx.skip();
        await store.put('secret/a', Buffer.from('a'));
        await store.put('secret/b', Buffer.from('b'));
        const url = await store.signedUrl('secret/a', { action: 'read', expiresInSeconds: 60 });
        expect((await subject.fetchSigned(url)).status).toBe(200);

        const tampered = new URL(url);
        const [param, signature] = [...tampered.searchParams].find(([key]) => /signature/i.test(key))!;
        tampered.searchParams.set(param, flipLastHexDigit(signature));
        const swapped = url.replace('/secret/a?', '/secret/b?');
        const expiredAt = new Date(Date.now() + 120_000);
        for (const res of [
          await subject.fetchSigned(tampered.href),
          await subject.fetchSigned(swapped),
          await subject.fetchSigned(url, undefined, expiredAt),
        ]) {
          expect(res.status).toBe(403);
          expect(await res.json()).toMatchObject({ error: { code: 'permission_denied' } });
        }
      });
    });

    it('ping succeeds against a healthy backend', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}

function allByteValues(): Buffer {
  return Buffer.from(Array.from({ length: 256 }, (_, i) => i));
}

function md5Hex(data: Uint8Array): string {
  return createHash('md5').update(data).digest('hex');
}

function flipLastHexDigit(hex: string): string {
  const last = hex.at(-1);
  return `${hex.slice(0, -1)}${last === '0' ? '1' : '0'}`;
}
