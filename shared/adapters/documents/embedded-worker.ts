/**
 * Worker-thread side of `ThreadedDocumentStore`: owns the PGlite database and runs the calls it is sent,
 * in the order they were made. Replies are posted in batches, once per turn of this thread's loop.
 */
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { DocumentStoreError } from '../../ports/documents.js';
import { EmbeddedDocumentStore } from './embedded.js';
import { type Call, type Reply, STORE_THREAD_NICE, type WorkerMessage } from './threaded.js';

const port = parentPort;
if (!port) throw new Error('embedded-worker.js runs only as a worker thread');

let now = new Date();
let store: EmbeddedDocumentStore;
try {
  const { dataDir, templateDir, expectEmpty } = workerData as {
    dataDir: string;
    templateDir?: string;
    expectEmpty?: boolean;
  };
  store = await EmbeddedDocumentStore.open({
    dataDir,
    ...(templateDir === undefined ? {} : { templateDir }),
    clock: () => now,
  });
  // The other side answers reads of a new data dir as empty until it writes (threaded.ts): a
  // template that holds documents would make those answers wrong, so it is refused.
  if (expectEmpty && !(await store.holdsNoDocuments())) {
    await store.close();
    throw new DocumentStoreError(
      `the new data dir ${dataDir} was seeded from a store template that holds documents; a template must hold none (npm run build makes one)`,
    );
  }
} catch (error) {
  port.postMessage({ type: 'failed', error: describe(error) } satisfies WorkerMessage);
  process.exit(1);
}

let outbox: Reply[] = [];
function reply(r: Reply): void {
  if (outbox.length === 0) setImmediate(flush);
  outbox.push(r);
}
function flush(): void {
  const replies = outbox;
  outbox = [];
  port?.postMessage({ type: 'replies', replies } satisfies WorkerMessage);
}

function start(call: Call): Promise<unknown> {
  // Every adapter method reads the clock synchronously, before its first await.
  now = call.now;
  if (call.op === 'ping') return store.ping();
  const collection = store.collection<Record<string, unknown>>(call.collection) as unknown as Record<
    string,
    (...args: unknown[]) => Promise<unknown>
  >;
  return collection[call.op]!(...call.args);
}

port.on('message', async (message: { type: 'calls'; calls: Call[] } | { type: 'close' }) => {
  if (message.type === 'close') {
    await store.close();
    process.exit(0);
  }
  for (const call of message.calls) {
    let pending: Promise<unknown>;
    try {
      pending = start(call);
    } catch (error) {
      reply({ id: call.id, ok: false, error: describe(error) });
      continue;
    }
    pending.then(
      (value) => reply({ id: call.id, ok: true, value }),
      (error: unknown) => reply({ id: call.id, ok: false, error: describe(error) }),
    );
  }
});

// Once open, this thread yields the CPU to request handling: its writes are behind the responses, and
// on two cores it otherwise preempts the main thread (BENCHMARKS.md, session 8). On Linux the nice
// value belongs to the calling thread, so only this one is lowered; elsewhere it may not apply.
try {
  setPriority(STORE_THREAD_NICE);
} catch {
  // Not permitted or not supported: run at the default priority.
}
port.postMessage({ type: 'ready' } satisfies WorkerMessage);

function describe(error: unknown): { name: string; message: string } {
  return error instanceof Error
    ? { name: error.name, message: error.message }
    : { name: 'Error', message: String(error) };
}
