/**
 * API key verification: the cache, one store lookup for a burst of concurrent misses, and busy keys
 * read again in the background before their entry expires.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedDocumentStore } from '../../shared/adapters/documents/embedded.js';
import { ApiKeyStore } from '../../shared/auth/api-keys.js';
import type { Collection, DocumentStore } from '../../shared/ports/documents.js';

/**
 * Wraps a store so tests can count how often keys are read from it. While `reads.hold` is set, each
 * read is made at once but its answer waits for that promise; while `writes.hold` is set, each `set`
 * waits for it before it is made (and fails if it rejects).
 */
function counting(store: DocumentStore) {
  const reads: { count: number; hold?: Promise<void> } = { count: 0 };
  const writes: { hold?: Promise<void> } = {};
  const wrapped: DocumentStore = {
    kind: store.kind,
    ping: () => store.ping(),
    close: () => store.close(),
    collection<T extends object>(name: string): Collection<T> {
      const inner = store.collection<T>(name);
      return {
        ...inner,
        get: async (id) => {
          reads.count++;
          const hold = reads.hold;
          const value = await inner.get(id);
          await hold;
          return value;
        },
        set: async (id, data) => {
          await writes.hold;
          return inner.set(id, data);
        },
        create: (id, data) => inner.create(id, data),
        update: (id, patch) => inner.update(id, patch),
        delete: (id) => inner.delete(id),
        query: (q) => inner.query(q),
        count: (w) => inner.count(w),
        purgeExpired: (now) => inner.purgeExpired(now),
      };
    },
  };
  return { wrapped, reads, writes };
}

describe('ApiKeyStore.verify', () => {
  let store: EmbeddedDocumentStore;
  const now = { ms: Date.parse('2026-11-21T12:00:00Z') };
  beforeAll(async () => {
    store = await EmbeddedDocumentStore.open();
  });
  afterAll(() => store.close());

  it('answers a burst of concurrent cache misses with one store lookup, and caches the result', async () => {
    const { wrapped, reads } = counting(store);
    const keys = new ApiKeyStore(wrapped, { cacheSeconds: 10, clock: () => new Date(now.ms) });
    const { key } = await keys.create({
      name: 'burst',
      scopes: ['toxicity:analyze'],
      rateLimitPerMinute: null,
      createdBy: 'test',
    });
    reads.count = 0;
    const principals = await Promise.all(Array.from({ length: 32 }, () => keys.verify(key)));
    expect(principals.every((p) => p?.scopes.has('toxicity:analyze'))).toBe(true);
    expect(reads.count).toBe(1);
    await keys.verify(key);
    expect(reads.count).toBe(1);
    now.ms += 11_000;
    await Promise.all(Array.from({ length: 32 }, () => keys.verify(key)));
    expect(reads.count).toBe(2);
  });

  it('still refuses a wrong secret for a known id, concurrently or not', async () => {
    const keys = new ApiKeyStore(store, { cacheSeconds: 10, clock: () => new Date(now.ms) });
    const { key } = await keys.create({
      name: 'other',
      scopes: [],
      rateLimitPerMinute: null,
      createdBy: 'test',
    });
    const forged = `${key.slice(0, -3)}${key.endsWith('AAA') ? 'BBB' : 'AAA'}`;
    const results = await Promise.all([keys.verify(forged), keys.verify(key), keys.verify(forged)]);
    expect(results[0]).toBeNull();
    expect(results[1]?.subject).toBeTruthy();
    expect(results[2]).toBeNull();
  });

  it('reads a busy key again in the background past half its cache time; requests do not wait for it', async () => {
    const { wrapped, reads } = counting(store);
    const keys = new ApiKeyStore(wrapped, { cacheSeconds: 10, clock: () => new Date(now.ms) });
    const { key } = await keys.create({ name: 'busy', scopes: ['x'], createdBy: 'test' });
    reads.count = 0;
    await keys.verify(key);
    expect(reads.count).toBe(1);
    now.ms += 4_000;
    await keys.verify(key);
    expect(reads.count).toBe(1);

    // Past half of the 10 s: answered from the cache while the store read is still held.
    now.ms += 2_000;
    let release = () => {};
    reads.hold = new Promise((resolve) => {
      release = resolve;
    });
    const answers = await Promise.all([keys.verify(key), keys.verify(key), keys.verify(key)]);
    expect(answers.every((p) => p?.scopes.has('x'))).toBe(true);
    expect(reads.count).toBe(2);
    release();
    reads.hold = undefined;
    await new Promise((resolve) => setTimeout(resolve, 10));

    // The entry was renewed from that read: past the first entry's expiry, still no store read.
    now.ms += 4_500;
    expect((await keys.verify(key))?.subject).toBeTruthy();
    expect(reads.count).toBe(2);
  });

  it('ends a cached entry when a background read finds the key revoked elsewhere', async () => {
    const here = new ApiKeyStore(store, { cacheSeconds: 10, clock: () => new Date(now.ms) });
    const elsewhere = new ApiKeyStore(store, { cacheSeconds: 10, clock: () => new Date(now.ms) });
    const { id, key } = await here.create({ name: 'revoked', scopes: [], createdBy: 'test' });
    expect(await here.verify(key)).not.toBeNull();
    await elsewhere.revoke(id);
    // Still cached here (the documented bound), until a read past half the cache time sees it.
    now.ms += 6_000;
    expect(await here.verify(key)).not.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await here.verify(key)).toBeNull();
  });

  it('caches nothing from a read that was under way when the key was revoked here', async () => {
    const { wrapped, reads } = counting(store);
    const keys = new ApiKeyStore(wrapped, { cacheSeconds: 10, clock: () => new Date(now.ms) });
    const { id, key } = await keys.create({ name: 'racing', scopes: [], createdBy: 'test' });
    let release = () => {};
    reads.hold = new Promise((resolve) => {
      release = resolve;
    });
    // The read sees the key valid; its answer is held until after the revocation.
    const verifying = keys.verify(key);
    await new Promise((resolve) => setTimeout(resolve, 10));
    reads.hold = undefined;
    const revoking = keys.revoke(id);
    await new Promise((resolve) => setTimeout(resolve, 10));
    release();
    await Promise.all([verifying, revoking]);
    expect(await keys.verify(key)).toBeNull();
  });

  it('serves the bootstrap key from config while its write is on the way, and not if the write fails', async () => {
    const bootstrap = 'operator-bootstrap-key-0123456789abcdef';
    for (const outcome of ['stored', 'failed'] as const) {
      const fresh = await EmbeddedDocumentStore.open();
      try {
        const { wrapped, reads, writes } = counting(fresh);
        let settle = (_failed: boolean) => {};
        writes.hold = new Promise((resolve, reject) => {
          settle = (failed) => (failed ? reject(new Error('store unavailable')) : resolve());
        });
        const keys = new ApiKeyStore(wrapped, { cacheSeconds: 10, clock: () => new Date(now.ms) });
        const ensuring = keys.ensureBootstrapKey(bootstrap);
        ensuring.catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 10));
        // The write is held: the key is accepted from the cache, without a read of the store.
        const principal = await keys.verify(bootstrap);
        expect(principal?.kind).toBe('api_key');
        expect([...(principal?.scopes ?? [])]).toEqual(['admin']);
        expect(await keys.verify(`${bootstrap}-wrong`)).toBeNull();
        expect(reads.count).toBe(2); // the bootstrap record's own read, and the wrong key's
        settle(outcome === 'failed');
        if (outcome === 'stored') {
          await ensuring;
          expect((await keys.verify(bootstrap))?.scopes.has('admin')).toBe(true);
          // A second start finds the record stored and writes nothing.
          const again = new ApiKeyStore(wrapped, { cacheSeconds: 10, clock: () => new Date(now.ms) });
          writes.hold = Promise.reject(new Error('no write expected'));
          writes.hold.catch(() => undefined);
          await again.ensureBootstrapKey(bootstrap);
          expect((await again.verify(bootstrap))?.scopes.has('admin')).toBe(true);
        } else {
          await expect(ensuring).rejects.toThrow('store unavailable');
          // Nothing was stored, so the key is refused once its cached principal is gone.
          expect(await keys.verify(bootstrap)).toBeNull();
        }
      } finally {
        await fresh.close();
      }
    }
  });
});
