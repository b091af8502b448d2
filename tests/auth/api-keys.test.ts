/** API key verification: the cache, and one store lookup for a burst of concurrent misses. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedDocumentStore } from '../../shared/adapters/documents/embedded.js';
import { ApiKeyStore } from '../../shared/auth/api-keys.js';
import type { Collection, DocumentStore } from '../../shared/ports/documents.js';

/** Wraps a store so tests can count how often keys are read from it. */
function counting(store: DocumentStore) {
  const reads = { count: 0 };
  const wrapped: DocumentStore = {
    kind: store.kind,
    ping: () => store.ping(),
    close: () => store.close(),
    collection<T extends object>(name: string): Collection<T> {
      const inner = store.collection<T>(name);
      return {
        ...inner,
        get: (id) => {
          reads.count++;
          return inner.get(id);
        },
        set: (id, data) => inner.set(id, data),
        create: (id, data) => inner.create(id, data),
        update: (id, patch) => inner.update(id, patch),
        delete: (id) => inner.delete(id),
        query: (q) => inner.query(q),
        count: (w) => inner.count(w),
        purgeExpired: (now) => inner.purgeExpired(now),
      };
    },
  };
  return { wrapped, reads };
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
});
