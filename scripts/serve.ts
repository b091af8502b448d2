/**
 * Lean server entry for a Cloud Run container: one function on @hono/node-server, no Express.
 * Usage: node dist/server/serve.js <function-name> (the bundle of this file, scripts/build-server.ts;
 * `node dist/scripts/serve.js <function-name>` runs the unbundled build the same way)
 *
 * Start-up order is chosen for cold start (BENCHMARKS.md): the embedded store's thread starts opening
 * PGlite first, then config is read, then the function's modules are imported and its models load
 * while the store opens; the server listens once the app is built. On a new data dir that can be
 * before the store is open (requests that need it wait for it); see startFunction.
 */
import { join, resolve } from 'node:path';
import {
  EMBEDDED_WORKER_URL,
  STORE_TEMPLATE_DIR,
  ThreadedDocumentStore,
} from '../shared/adapters/documents/threaded.js';

// First of all, before zod and the config schema load (~80 ms): when the environment plainly asks
// for the embedded store, its thread starts opening PGlite now. The parsed config below confirms it;
// if it disagrees, this store is closed unused and the configured one opened.
const guessedDir = embeddedStoreDir(process.env);
const guessed = guessedDir
  ? ThreadedDocumentStore.start({
      dataDir: guessedDir,
      workerUrl: EMBEDDED_WORKER_URL,
      templateDir: STORE_TEMPLATE_DIR,
    })
  : undefined;

const [{ loadPlatformConfig }, { openDocuments }] = await Promise.all([
  import('../shared/runtime/config.js'),
  import('../shared/runtime/documents.js'),
]);
let early: Parameters<typeof import('../shared/runtime/start.js').startFunction>[2];
try {
  const config = loadPlatformConfig(process.env);
  const confirmed =
    config.documents.kind === 'embedded' && join(resolve(config.dataDir), 'documents') === guessedDir;
  if (guessed && !confirmed) void guessed.close().catch(() => undefined);
  early = {
    config,
    documents:
      guessed && confirmed
        ? Promise.resolve(guessed)
        : openDocuments(config, resolve(config.dataDir), () => new Date()),
  };
  // A failure surfaces from startFunction below; until then nobody awaits it.
  early.documents.catch(() => undefined);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}

const [{ serve }, { FUNCTIONS }, { startFunction }] = await Promise.all([
  import('@hono/node-server'),
  import('../functions/registry.js'),
  import('../shared/runtime/start.js'),
]);
const name = process.argv[2] ?? process.env.VIGIL_FUNCTION;
const load = name ? FUNCTIONS[name] : undefined;
if (!load) {
  console.error(`usage: serve.js <function>; known: ${Object.keys(FUNCTIONS).join(', ')}`);
  process.exit(2);
}
try {
  const app = await startFunction(load, process.env, early);
  const server = serve({ fetch: app.fetch, port: app.platform.config.port, hostname: '0.0.0.0' });
  process.once('SIGTERM', () => server.close());
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}

/** The embedded store's directory if the environment selects it the way the config does, else undefined. */
function embeddedStoreDir(env: NodeJS.ProcessEnv): string | undefined {
  const kind = env.VIGIL_DOCUMENTS ?? (env.VIGIL_ENV === 'production' ? 'firestore' : 'embedded');
  return kind === 'embedded' ? join(resolve(env.VIGIL_DATA_DIR ?? '.vigil'), 'documents') : undefined;
}
