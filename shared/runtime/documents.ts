/** Opening the document store the config names: Firestore, or the embedded store (on its own thread). */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  EMBEDDED_WORKER_URL,
  STORE_TEMPLATE_DIR,
  ThreadedDocumentStore,
} from '../adapters/documents/threaded.js';
import type { DocumentStore } from '../ports/documents.js';
import type { PlatformConfig } from './config.js';

/**
 * Opens the configured document store. Start-up calls it first, before the functions' modules load:
 * the embedded store's thread then opens its WASM Postgres (~0.3–0.5 s) while the imports, the
 * platform and the models load. On the compiled tree the embedded store is returned before it is
 * open (calls queue until it is); `ping()` waits for it and rejects if it could not open.
 */
export async function openDocuments(
  config: PlatformConfig,
  dataDir: string,
  clock: () => Date,
): Promise<DocumentStore> {
  if (config.documents.kind === 'embedded') {
    const options = { dataDir: join(dataDir, 'documents'), clock, templateDir: STORE_TEMPLATE_DIR };
    // From the compiled tree the store runs on its own thread; from TypeScript sources (the test
    // runner) there is no compiled worker to start, so it runs in this thread.
    return existsSync(fileURLToPath(EMBEDDED_WORKER_URL))
      ? ThreadedDocumentStore.start({ ...options, workerUrl: EMBEDDED_WORKER_URL })
      : (await import('../adapters/documents/embedded.js')).EmbeddedDocumentStore.open(options);
  }
  // Cloud adapters load only when configured: the Google client libraries cost ~150 ms of start-up.
  const [{ Firestore }, { FirestoreDocumentStore }] = await Promise.all([
    import('@google-cloud/firestore'),
    import('../adapters/documents/firestore.js'),
  ]);
  const firestore = new Firestore({
    projectId: config.projectId,
    databaseId: config.documents.database,
    ignoreUndefinedProperties: true,
  });
  return new FirestoreDocumentStore({ firestore, collectionPrefix: config.documents.prefix, clock });
}
