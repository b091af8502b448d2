/**
 * The embedded store on its own thread: `EmbeddedDocumentStore` (PGlite) runs in a worker thread and
 * this class forwards the Documents port to it, so the WASM Postgres work of every write stops competing
 * with HTTP handling for the main thread. The servers use it for the on-disk store; tests that want an
 * in-memory store use `EmbeddedDocumentStore` directly.
 *
 * Calls issued in the same turn of the event loop travel as one message and are started in call order
 * on the worker, so concurrent `set`s still join one group commit there; replies come back batched the
 * same way. Every caller's promise settles with its own operation's result — a `set` resolves only once
 * its row is committed. The clock stays on this thread: each call carries its own "now".
 *
 * Started on a new data dir, the database holds no documents until this class sends it a write, so a
 * read of a collection nothing has been written to yet is answered here at once, without waiting for
 * the database to open (~0.5–1 s on a new data dir): the start-up's lookups of champion models and of
 * the bootstrap API key, for one. The answer is exact, because the worker is the only writer of its
 * data dir (PGlite is single-process), every write goes through `call`, and the worker refuses to
 * open a new data dir that holds any document (seeded from a template that is not empty). The same
 * checks as the database's reject a bad id or query.
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  assertCollectionName,
  assertDocumentId,
  assertFilterValue,
  assertQuery,
  type Collection,
  type DocumentStore,
  DocumentStoreError,
  type FieldValue,
  type Filter,
  type Query,
  type StoredDocument,
} from '../../ports/documents.js';

export type Operation = 'get' | 'set' | 'create' | 'update' | 'delete' | 'query' | 'count' | 'purgeExpired';

export interface Call {
  id: number;
  op: Operation | 'ping';
  collection: string;
  args: unknown[];
  now: Date;
}

export type Reply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { name: string; message: string } };

/** Messages from the worker: one `ready` or `failed` at start, then batches of replies. */
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'failed'; error: { name: string; message: string } }
  | { type: 'replies'; replies: Reply[] };

export interface ThreadedDocumentStoreOptions {
  dataDir: string;
  clock?: () => Date;
  /** The compiled worker entry; defaults to `embedded-worker.js` beside this module. */
  workerUrl?: URL;
  /** A template a new, empty data dir is seeded from (see template.ts); e.g. `STORE_TEMPLATE_DIR`. */
  templateDir?: string;
}

/** Nice value of the store thread once its database is open (0 is the default, 19 the lowest). */
export const STORE_THREAD_NICE = 10;

/** The compiled worker entry beside this module (absent when running from TypeScript sources). */
export const EMBEDDED_WORKER_URL = new URL('./embedded-worker.js', import.meta.url);

/**
 * Where the build puts the store template, `dist/store-template`, seen from this module in the server
 * bundle (`dist/server/`, scripts/build-server.ts) or in the compiled tree
 * (`dist/shared/adapters/documents/`). Absent when running from TypeScript sources.
 */
export const STORE_TEMPLATE_DIR = storeTemplateDir(import.meta.url);

/** `<dist>/store-template` for a module at `<dist>/server/` if that template exists, else the compiled tree's. */
export function storeTemplateDir(moduleUrl: string): string {
  const bundled = fileURLToPath(new URL('../store-template', moduleUrl));
  return existsSync(bundled) ? bundled : fileURLToPath(new URL('../../../store-template', moduleUrl));
}

interface Waiting {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

export class ThreadedDocumentStore implements DocumentStore {
  readonly kind = 'embedded' as const;

  #nextId = 1;
  readonly #waiting = new Map<number, Waiting>();
  #outbox: Call[] = [];
  #flushScheduled = false;
  /** Set once the worker is gone or closing; every later call fails with it. */
  #stopped: Error | null = null;
  /**
   * On a new data dir, the collections a write has been sent to (reads of the others are answered
   * empty here); null when the store opened an existing database, whose every read goes to the worker.
   */
  readonly #written: Set<string> | null;

  private constructor(
    private readonly worker: Worker,
    private readonly clock: () => Date,
    startsEmpty: boolean,
  ) {
    this.#written = startsEmpty ? new Set() : null;
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'replies') this.#settle(message.replies);
      // The database did not open: every call so far and every later one fails with its reason.
      else if (message.type === 'failed') this.#stop(revive(message.error));
    });
    worker.on('error', (error) =>
      this.#stop(new DocumentStoreError(`embedded store thread failed: ${error.message}`)),
    );
    worker.on('exit', () => this.#stop(new DocumentStoreError('embedded store thread stopped')));
  }

  /**
   * Starts the thread and returns at once, while the database opens there (~0.3–0.5 s): calls made
   * meanwhile wait in the thread's queue and run in order once it is open. If it cannot open, every
   * call fails with the reason (a bad data dir, say) — `await store.ping()` is the readiness check.
   */
  static start(options: ThreadedDocumentStoreOptions): ThreadedDocumentStore {
    // Decided before the worker starts: it makes a new database exactly when this finds no files.
    const startsEmpty = isNewDataDir(options.dataDir);
    const worker = new Worker(options.workerUrl ?? EMBEDDED_WORKER_URL, {
      workerData: { dataDir: options.dataDir, templateDir: options.templateDir, expectEmpty: startsEmpty },
    });
    // Referenced only while calls are waiting (see call and #settle).
    worker.unref();
    return new ThreadedDocumentStore(worker, options.clock ?? (() => new Date()), startsEmpty);
  }

  /** Starts the thread and waits until the database is open; rejects with the reason it could not. */
  static async open(options: ThreadedDocumentStoreOptions): Promise<ThreadedDocumentStore> {
    const store = ThreadedDocumentStore.start(options);
    await store.ping();
    return store;
  }

  collection<T extends object>(name: string): Collection<T> {
    assertCollectionName(name);
    return new ThreadedCollection<T>(this, name);
  }

  async ping(): Promise<void> {
    await this.call('ping', '', []);
  }

  /** Waits for every call issued so far, then closes the database and ends the thread. */
  async close(): Promise<void> {
    if (this.#stopped) return;
    const settled = [...this.#waiting.values()].map(
      (w) =>
        new Promise<void>((resolve) => {
          const { resolve: ok, reject: fail } = w;
          w.resolve = (value) => {
            ok(value);
            resolve();
          };
          w.reject = (error) => {
            fail(error);
            resolve();
          };
        }),
    );
    this.#flush();
    await Promise.all(settled);
    this.#stopped = new DocumentStoreError('the document store is closed');
    const exited = new Promise((resolve) => this.worker.once('exit', resolve));
    // Keep the process alive until the thread has closed the database.
    this.worker.ref();
    this.worker.postMessage({ type: 'close' });
    await exited;
  }

  /** Queues one operation for the worker; the queue is posted once per turn of the event loop. */
  call(op: Call['op'], collection: string, args: unknown[]): Promise<unknown> {
    if (this.#stopped) return Promise.reject(this.#stopped);
    if (this.#written && op !== 'ping') {
      if (op !== 'get' && op !== 'query' && op !== 'count') this.#written.add(collection);
      else if (!this.#written.has(collection)) return emptyAnswer(op, args);
    }
    const id = this.#nextId++;
    const promise = new Promise<unknown>((resolve, reject) => this.#waiting.set(id, { resolve, reject }));
    this.#outbox.push({ id, op, collection, args, now: this.clock() });
    if (this.#waiting.size === 1) this.worker.ref();
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => this.#flush());
    }
    return promise;
  }

  #flush(): void {
    this.#flushScheduled = false;
    const calls = this.#outbox;
    if (calls.length === 0) return;
    this.#outbox = [];
    try {
      this.worker.postMessage({ type: 'calls', calls });
    } catch {
      // Something in the batch cannot be cloned (a function, a symbol…): send the calls one by one so
      // only the offending caller fails.
      for (const call of calls) {
        try {
          this.worker.postMessage({ type: 'calls', calls: [call] });
        } catch (error) {
          this.#settle([
            {
              id: call.id,
              ok: false,
              error: {
                name: 'DocumentStoreError',
                message: `document cannot be stored: ${(error as Error).message}`,
              },
            },
          ]);
        }
      }
    }
  }

  #settle(replies: Reply[]): void {
    for (const reply of replies) {
      const waiting = this.#waiting.get(reply.id);
      if (!waiting) continue;
      this.#waiting.delete(reply.id);
      if (reply.ok) waiting.resolve(reply.value);
      else waiting.reject(revive(reply.error));
    }
    if (this.#waiting.size === 0) this.worker.unref();
  }

  #stop(error: Error): void {
    if (!this.#stopped) this.#stopped = error;
    const waiting = [...this.#waiting.values()];
    this.#waiting.clear();
    this.#outbox = [];
    for (const w of waiting) w.reject(error);
  }
}

/**
 * True when `dataDir` is missing or empty, so the worker will make a new, empty database there. The
 * directory is made here, so that a path that cannot be one (under a file, say) counts as not new:
 * its calls then go to the worker and fail with the reason it could not open.
 */
function isNewDataDir(dataDir: string): boolean {
  try {
    mkdirSync(dataDir, { recursive: true });
    return readdirSync(dataDir).length === 0;
  } catch {
    return false;
  }
}

/** What the database would answer to a read of a collection with no documents, after the same checks. */
function emptyAnswer(op: 'get' | 'query' | 'count', args: unknown[]): Promise<unknown> {
  try {
    if (op === 'get') {
      assertDocumentId(args[0] as string);
      return Promise.resolve(null);
    }
    const query: Query =
      op === 'query' ? ((args[0] as Query | undefined) ?? {}) : { where: args[0] as Filter[] };
    assertQuery(query);
    for (const filter of query.where ?? [])
      for (const value of Array.isArray(filter.value) ? filter.value : [filter.value])
        assertFilterValue(filter, value as FieldValue);
    return Promise.resolve(op === 'query' ? [] : 0);
  } catch (error) {
    return Promise.reject(error);
  }
}

/** Errors cross the thread as name and message; the port's own error keeps its class. */
function revive(error: { name: string; message: string }): Error {
  if (error.name === 'DocumentStoreError') return new DocumentStoreError(error.message);
  return Object.assign(new Error(error.message), { name: error.name });
}

class ThreadedCollection<T extends object> implements Collection<T> {
  constructor(
    private readonly store: ThreadedDocumentStore,
    private readonly name: string,
  ) {}

  get(id: string): Promise<T | null> {
    return this.store.call('get', this.name, [id]) as Promise<T | null>;
  }

  async set(id: string, data: T): Promise<void> {
    await this.store.call('set', this.name, [id, data]);
  }

  create(id: string, data: T): Promise<boolean> {
    return this.store.call('create', this.name, [id, data]) as Promise<boolean>;
  }

  update(id: string, patch: Partial<T>): Promise<boolean> {
    return this.store.call('update', this.name, [id, patch]) as Promise<boolean>;
  }

  delete(id: string): Promise<boolean> {
    return this.store.call('delete', this.name, [id]) as Promise<boolean>;
  }

  query(query: Query = {}): Promise<StoredDocument<T>[]> {
    return this.store.call('query', this.name, [query]) as Promise<StoredDocument<T>[]>;
  }

  count(where: Filter[] = []): Promise<number> {
    return this.store.call('count', this.name, [where]) as Promise<number>;
  }

  purgeExpired(now: Date): Promise<number> {
    return this.store.call('purgeExpired', this.name, [now]) as Promise<number>;
  }
}
