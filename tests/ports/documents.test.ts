/** Runs the Documents contract against the embedded (PGlite) adapter and the Firestore adapter on the emulator. */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Firestore } from '@google-cloud/firestore';
import { describe, expect, inject, it, vi } from 'vitest';
import { EmbeddedDocumentStore } from '../../shared/adapters/documents/embedded.js';
import { FirestoreDocumentStore } from '../../shared/adapters/documents/firestore.js';
import { STORE_THREAD_NICE, ThreadedDocumentStore } from '../../shared/adapters/documents/threaded.js';
import { DocumentStoreError } from '../../shared/ports/documents.js';
import { EMULATOR_PROJECT } from '../support/emulators.js';
import { describeDocumentStoreContract } from './documents.contract.js';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'vigil-documents-'));
}

/** A data dir path that cannot be created: its parent is a regular file. */
async function underAFile(dir: string): Promise<string> {
  await writeFile(join(dir, 'file'), 'not a directory');
  return join(dir, 'file', 'db');
}

describeDocumentStoreContract('embedded, in memory', async (clock) => {
  const store = await EmbeddedDocumentStore.open({ clock });
  return { store, cleanup: () => store.close() };
});

describeDocumentStoreContract('embedded, on disk', async (clock) => {
  const dir = await tempDir();
  const store = await EmbeddedDocumentStore.open({ dataDir: join(dir, 'db'), clock });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

/** The compiled worker entry: the test runner executes TypeScript sources, a worker thread cannot. */
const WORKER_URL = new URL('../../dist/shared/adapters/documents/embedded-worker.js', import.meta.url);

describeDocumentStoreContract('embedded on its own thread, on disk', async (clock) => {
  const dir = await tempDir();
  const store = await ThreadedDocumentStore.open({ dataDir: join(dir, 'db'), clock, workerUrl: WORKER_URL });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describe('ThreadedDocumentStore specifics', () => {
  it('commits every write issued before close, and a reopened store (either kind) sees them', async () => {
    const dir = await tempDir();
    const dataDir = join(dir, 'db');
    try {
      const store = await ThreadedDocumentStore.open({ dataDir, workerUrl: WORKER_URL });
      const c = store.collection<{ n: number; at: Date }>('writes');
      // Not awaited: close() must still wait for all of them.
      const writes = Array.from({ length: 200 }, (_, n) => c.set(`d${n}`, { n, at: new Date(n * 1000) }));
      await store.close();
      await Promise.all(writes);
      await expect(c.get('d1')).rejects.toThrow(DocumentStoreError);

      const reopened = await EmbeddedDocumentStore.open({ dataDir });
      const r = reopened.collection<{ n: number; at: Date }>('writes');
      expect(await r.count()).toBe(200);
      expect(await r.get('d199')).toStrictEqual({ n: 199, at: new Date(199_000) });
      await reopened.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.runIf(existsSync('/proc/self/task'))(
    'lowers the priority of the store thread only, once the database is open',
    async () => {
      // Field 19 of /proc/<pid>/task/<tid>/stat is the nice value; the command name before it may hold spaces.
      const nices = async () => {
        const tasks = await readdir('/proc/self/task');
        const stats = await Promise.all(
          tasks.map((tid) => readFile(`/proc/self/task/${tid}/stat`, 'utf8').catch(() => '')),
        );
        return new Map(
          stats
            .filter(Boolean)
            .map((stat, i) => [tasks[i], Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])]),
        );
      };
      const before = await nices();
      const dir = await tempDir();
      const store = await ThreadedDocumentStore.open({ dataDir: join(dir, 'db'), workerUrl: WORKER_URL });
      try {
        const added = [...(await nices())].filter(([tid]) => !before.has(tid));
        expect(added.map(([, nice]) => nice)).toContain(STORE_THREAD_NICE);
        // The main thread (its id is the process id) kept its priority.
        expect(before.has(String(process.pid))).toBe(true);
        expect((await nices()).get(String(process.pid))).toBe(before.get(String(process.pid)));
      } finally {
        await store.close();
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  it('fails only the caller whose document cannot cross the thread or be stored', async () => {
    const dir = await tempDir();
    try {
      const store = await ThreadedDocumentStore.open({ dataDir: join(dir, 'db'), workerUrl: WORKER_URL });
      const c = store.collection<Record<string, unknown>>('mixed');
      const results = await Promise.allSettled([
        c.set('ok1', { text: 'fine' }),
        c.set('fn', { text: 'x', callback: () => 1 }),
        c.set('nul', { text: 'a\u0000b' }),
        c.set('bad id/', { text: 'x' }),
        c.set('ok2', { text: 'fine too' }),
      ]);
      expect(results.map((r) => r.status)).toEqual([
        'fulfilled',
        'rejected',
        'rejected',
        'rejected',
        'fulfilled',
      ]);
      for (const r of results.filter((x) => x.status === 'rejected'))
        expect((r as PromiseRejectedResult).reason).toBeInstanceOf(DocumentStoreError);
      expect(await c.count()).toBe(2);
      await store.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps call order across the thread: a read after an unawaited write sees it', async () => {
    const dir = await tempDir();
    try {
      const store = await ThreadedDocumentStore.open({ dataDir: join(dir, 'db'), workerUrl: WORKER_URL });
      const c = store.collection<{ v: number }>('order');
      void c.set('a', { v: 1 });
      void c.set('a', { v: 2 });
      expect(await c.get('a')).toStrictEqual({ v: 2 });
      expect(await c.delete('a')).toBe(true);
      expect(await c.get('a')).toBeNull();
      await store.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('started without waiting, queues calls until the database is open and runs them in order', async () => {
    const dir = await tempDir();
    try {
      const store = ThreadedDocumentStore.start({ dataDir: join(dir, 'db'), workerUrl: WORKER_URL });
      const c = store.collection<{ v: number }>('early');
      // Issued at once, while the thread is still opening PGlite.
      const writes = [c.set('a', { v: 1 }), c.set('a', { v: 2 }), c.create('b', { v: 3 })];
      const read = c.get('a');
      await store.ping();
      await Promise.all(writes);
      expect(await read).toStrictEqual({ v: 2 });
      expect(await c.get('b')).toStrictEqual({ v: 3 });
      await store.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('on a new data dir, answers reads of collections nothing was written to at once, exactly', async () => {
    const dir = await tempDir();
    try {
      const store = ThreadedDocumentStore.start({ dataDir: join(dir, 'db'), workerUrl: WORKER_URL });
      const c = store.collection<{ v: number }>('fresh');
      const order: string[] = [];
      const opened = store.ping().then(() => order.push('open'));
      const read = c.get('a').then((value) => {
        order.push('read');
        return value;
      });
      expect(await read).toBeNull();
      expect(await c.query({ where: [{ field: 'v', op: '>=', value: 1 }], limit: 10 })).toEqual([]);
      expect(await c.count()).toBe(0);
      // The same checks as the database's.
      await expect(c.get('no/slashes')).rejects.toThrow(DocumentStoreError);
      await expect(c.query({ limit: 0 })).rejects.toThrow(DocumentStoreError);
      await expect(c.count([{ field: 'v', op: '<', value: null }])).rejects.toThrow(DocumentStoreError);
      await opened;
      // Answered before the database was open: PGlite takes far longer than a turn of the loop.
      expect(order).toEqual(['read', 'open']);
      // Once a write is sent, that collection's reads go to the database, after the write.
      void c.set('a', { v: 2 });
      expect(await c.get('a')).toStrictEqual({ v: 2 });
      expect(await c.count()).toBe(1);
      expect(await store.collection('other').get('a')).toBeNull();
      await store.close();

      // A restart on the same data dir is not new: every read goes to the database.
      const again = ThreadedDocumentStore.start({ dataDir: join(dir, 'db'), workerUrl: WORKER_URL });
      expect(await again.collection<{ v: number }>('fresh').get('a')).toStrictEqual({ v: 2 });
      await again.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('fails the calls queued while opening with the reason the database could not open', async () => {
    const dir = await tempDir();
    try {
      const store = ThreadedDocumentStore.start({ dataDir: await underAFile(dir), workerUrl: WORKER_URL });
      const queued = store.collection('early').get('a');
      await expect(queued).rejects.toThrow(/ENOTDIR|not a directory/);
      await expect(store.ping()).rejects.toThrow(/ENOTDIR|not a directory/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports a data dir it cannot open as a start-up error', async () => {
    const dir = await tempDir();
    try {
      await expect(
        ThreadedDocumentStore.open({ dataDir: await underAFile(dir), workerUrl: WORKER_URL }),
      ).rejects.toThrow(/ENOTDIR|not a directory/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('EmbeddedDocumentStore specifics', () => {
  it('creates a missing data dir and keeps documents, Dates and expiry across a reopen', async () => {
    const dir = await tempDir();
    const dataDir = join(dir, 'nested', 'db');
    const clock = () => new Date('2030-01-01T00:00:00Z');
    try {
      const first = await EmbeddedDocumentStore.open({ dataDir, clock });
      const predictions = first.collection<{ label: string; createdAt: Date; expiresAt?: Date }>(
        'predictions',
      );
      await predictions.set('kept', { label: 'toxic', createdAt: new Date('2029-12-31T23:00:00Z') });
      await predictions.set('stale', {
        label: 'ok',
        createdAt: new Date(0),
        expiresAt: new Date('2029-01-01'),
      });
      await first.close();

      const second = await EmbeddedDocumentStore.open({ dataDir, clock });
      const reopened = second.collection<{ label: string; createdAt: Date }>('predictions');
      const kept = await reopened.get('kept');
      expect(kept).toStrictEqual({ label: 'toxic', createdAt: new Date('2029-12-31T23:00:00Z') });
      expect(kept?.createdAt).toBeInstanceOf(Date);
      expect(await reopened.count()).toBe(1);
      expect(await reopened.purgeExpired(clock())).toBe(1);
      await second.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('commits concurrent sets as a group: all stored, the last set of an id wins, a bad row fails alone', async () => {
    const store = await EmbeddedDocumentStore.open();
    try {
      const c = store.collection<{ text: string; n: number }>('group');
      const results = await Promise.allSettled([
        ...Array.from({ length: 300 }, (_, n) => c.set(`d${n}`, { text: 'ok', n })),
        c.set('same', { text: 'first', n: 1 }),
        c.set('bad', { text: 'a\u0000b', n: 0 }),
        c.set('same', { text: 'second', n: 2 }),
      ]);
      expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
      expect((results[301] as PromiseRejectedResult).reason).toBeInstanceOf(DocumentStoreError);
      expect(await c.count()).toBe(301);
      expect(await c.get('same')).toStrictEqual({ text: 'second', n: 2 });
      expect(await c.get('d299')).toStrictEqual({ text: 'ok', n: 299 });
      // A delete issued right after a set (without awaiting it) still runs after it.
      const pending = c.set('late', { text: 'x', n: 0 });
      expect(await c.delete('late')).toBe(true);
      await pending;
      expect(await c.get('late')).toBeNull();
    } finally {
      await store.close();
    }
  });

  it('gathers writes that stream in, yet commits one after a quiet spell, a full group or a read at once', async () => {
    const store = await EmbeddedDocumentStore.open();
    const statements = vi.spyOn(PGlite.prototype, 'query');
    const commits = () => statements.mock.calls.filter(([sql]) => sql.includes('jsonb_to_recordset')).length;
    const turns = async (n: number) => {
      for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
    };
    // Only the gathering window's timer is faked: a write that waited on it would never settle.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const c = store.collection<{ n: number }>('stream');
      await c.set('quiet', { n: 0 });
      expect(commits()).toBe(1);

      // Right after a commit, writes wait for company until the window ends, then commit together.
      let settled = 0;
      const gathered = ['a', 'b', 'c'].map((id) => c.set(id, { n: 1 }).then(() => settled++));
      await turns(20);
      expect(settled).toBe(0);
      await vi.advanceTimersByTimeAsync(10);
      await Promise.all(gathered);
      expect(commits()).toBe(2);

      // A read cuts the wait short and sees the write.
      const beforeRead = c.set('read', { n: 2 });
      expect(await c.get('read')).toStrictEqual({ n: 2 });
      await beforeRead;
      expect(commits()).toBe(3);

      // So does a full group of 128.
      await Promise.all(Array.from({ length: 128 }, (_, n) => c.set(`full${n}`, { n })));
      expect(commits()).toBe(4);
      expect(await c.count()).toBe(133);
    } finally {
      vi.useRealTimers();
      statements.mockRestore();
      await store.close();
    }
  });

  it('refuses text Postgres cannot store (U+0000) with the port error, and stays usable', async () => {
    const store = await EmbeddedDocumentStore.open();
    try {
      const c = store.collection<{ text: string }>('inputs');
      await expect(c.set('nul', { text: 'a\u0000b' })).rejects.toThrow(DocumentStoreError);
      await expect(c.query({ where: [{ field: 'text', op: '==', value: 'a\u0000b' }] })).rejects.toThrow(
        DocumentStoreError,
      );
      await c.set('ok', { text: 'ab' });
      expect(await c.get('ok')).toStrictEqual({ text: 'ab' });
    } finally {
      await store.close();
    }
  });
});

const firestoreHost = inject('firestoreEmulatorHost');

/**
 * Talks to the emulator only: explicit host and project, plaintext, the emulator's owner token. The explicit
 * universe domain matters: without it google-gax asks google-auth for one, which probes the GCE metadata
 * server (169.254.169.254) — a non-loopback call.
 */
function emulatorClient(host: string): Firestore {
  return new Firestore({
    projectId: EMULATOR_PROJECT,
    host,
    ssl: false,
    customHeaders: { Authorization: 'Bearer owner' },
    universeDomain: 'googleapis.com',
    preferRest: false,
  });
}

describe.skipIf(firestoreHost === '')('Firestore adapter on the emulator', () => {
  // Both test workers share one emulator: a random prefix per suite isolates instead of a global wipe.
  describeDocumentStoreContract('firestore (emulator)', async (clock) => {
    const firestore = emulatorClient(firestoreHost);
    const collectionPrefix = `t${randomUUID().slice(0, 8)}_`;
    const store = new FirestoreDocumentStore({ firestore, collectionPrefix, clock });
    return {
      store,
      cleanup: async () => {
        const mine = (await firestore.listCollections()).filter((c) => c.id.startsWith(collectionPrefix));
        for (const collection of mine) await firestore.recursiveDelete(collection);
        await store.close();
      },
    };
  });
});
