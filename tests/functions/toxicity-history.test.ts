/**
 * The toxicity function's prediction history writes behind the response: `record` returns before the
 * write commits, reads and erasure wait for it, failures are reported, the backlog is bounded, and the
 * platform finishes the writes before it closes the store.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PredictionHistory } from '../../functions/toxicity/history.js';
import { EmbeddedDocumentStore } from '../../shared/adapters/documents/embedded.js';
import { COLLECTIONS } from '../../shared/ports/collections.js';
import type { Collection, DocumentStore } from '../../shared/ports/documents.js';
import { createTestPlatform } from '../support/platform.js';

/** A store whose prediction writes wait until the test releases them (or fail when told to). */
function gatedStore(inner: DocumentStore) {
  const gates: { release: () => void; fail: (e: Error) => void }[] = [];
  const store: DocumentStore = {
    kind: inner.kind,
    ping: () => inner.ping(),
    close: () => inner.close(),
    collection<T extends object>(name: string): Collection<T> {
      const c = inner.collection<T>(name);
      if (name !== COLLECTIONS.predictions) return c;
      return {
        ...c,
        get: (id) => c.get(id),
        create: (id, d) => c.create(id, d),
        update: (id, p) => c.update(id, p),
        delete: (id) => c.delete(id),
        query: (q) => c.query(q),
        count: (w) => c.count(w),
        purgeExpired: (now) => c.purgeExpired(now),
        set: (id, data) =>
          new Promise<void>((resolve, reject) => {
            gates.push({
              release: () => c.set(id, data).then(resolve, reject),
              fail: reject,
            });
          }),
      };
    },
  };
  return { store, gates };
}

const POLICY = { storePredictions: true, retentionDays: 30, feedbackRetentionDays: 365 };
const input = (text: string, clientToken = 'ct-1') => ({
  text,
  doNotStore: false,
  model: 'toxicity-en',
  version: '1.0.0',
  language: 'en',
  scores: { TOXICITY: 0.9 },
  clientToken,
  requestedBy: 'apiKey:k1',
});

describe('PredictionHistory write-behind', () => {
  let inner: EmbeddedDocumentStore;
  const clock = () => new Date('2026-11-21T12:00:00Z');

  beforeEach(async () => {
    inner = await EmbeddedDocumentStore.open({ clock });
  });
  afterEach(async () => {
    await inner.close();
  });

  it('returns before the write commits; list and erasure wait for it', async () => {
    const { store, gates } = gatedStore(inner);
    const history = new PredictionHistory(store, POLICY, clock);
    const recorded = await history.record(input('mail me at jane@example.com'));
    expect(recorded.id).toEqual(expect.any(String));
    expect(recorded.redactedText()).not.toContain('jane@example.com');
    expect(history.pendingWrites).toBe(1);

    const listing = history.list('ct-1', { requestedBy: 'apiKey:k1', anyCaller: false, limit: 10 });
    let listed = false;
    void listing.then(() => {
      listed = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(listed).toBe(false);
    gates[0]!.release();
    const docs = await listing;
    expect(docs.map((d) => d.id)).toEqual([recorded.id]);
    expect(docs[0]!.data.text).not.toContain('jane@example.com');
    expect(history.pendingWrites).toBe(0);

    await history.record(input('another one'));
    const erasing = history.erase('ct-1');
    gates[1]!.release();
    expect(await erasing).toEqual({ predictions: 2, feedback: 0 });
  });

  it('reports a failed write to onWriteError and keeps serving', async () => {
    const { store, gates } = gatedStore(inner);
    const errors: unknown[] = [];
    const history = new PredictionHistory(store, POLICY, clock, { onWriteError: (e) => errors.push(e) });
    await history.record(input('first'));
    gates[0]!.fail(new Error('disk full'));
    await history.flush();
    expect(errors.map((e) => (e as Error).message)).toEqual(['disk full']);
    expect(history.pendingWrites).toBe(0);
    await history.record(input('second'));
    gates[1]!.release();
    await history.flush();
    expect(await inner.collection(COLLECTIONS.predictions).count()).toBe(1);
  });

  it('bounds the backlog: past maxPendingWrites, record waits for its own write', async () => {
    const { store, gates } = gatedStore(inner);
    const history = new PredictionHistory(store, POLICY, clock, { maxPendingWrites: 2 });
    await history.record(input('one'));
    await history.record(input('two'));
    let third = false;
    const recording = history.record(input('three')).then(() => {
      third = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(third).toBe(false);
    for (const g of gates) g.release();
    await recording;
    expect(third).toBe(true);
    await history.flush();
    expect(await inner.collection(COLLECTIONS.predictions).count()).toBe(3);
  });

  it('writes nothing and redacts only on demand when the caller says doNotStore', async () => {
    const { store, gates } = gatedStore(inner);
    const history = new PredictionHistory(store, POLICY, clock);
    const r = await history.record({ ...input('call +44 20 7946 0958'), doNotStore: true });
    expect(r.id).toBeNull();
    expect(gates).toHaveLength(0);
    expect(r.redactedText()).not.toContain('7946');
  });
});

describe('platform close hooks', () => {
  it('runs onClose work (a pending history write) before the store closes, and survives a failing hook', async () => {
    const t = await createTestPlatform();
    const { platform, logs } = t;
    const order: string[] = [];
    const history = new PredictionHistory(platform.documents, POLICY, platform.clock);
    await history.record(input('written behind the response'));
    platform.onClose(async () => {
      await history.flush();
      order.push('flushed');
      order.push(`stored ${await platform.documents.collection(COLLECTIONS.predictions).count()}`);
    });
    platform.onClose(async () => {
      throw new Error('hook broke');
    });
    await t.cleanup();
    expect(order).toEqual(['flushed', 'stored 1']);
    expect(logs.some((l) => l.message === 'close hook failed')).toBe(true);
    await expect(platform.documents.ping()).rejects.toThrow();
  });
});
