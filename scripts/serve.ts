/**
 * Lean server entry for a Cloud Run container: one function on @hono/node-server, no Express.
 * Usage: node dist/scripts/serve.js <function-name>
 *
 * Start-up order is chosen for cold start: config is read and the document store starts opening
 * (the embedded store on its own thread) before the function's modules are imported.
 */
import { resolve } from 'node:path';
import { loadPlatformConfig } from '../shared/runtime/config.js';
import { openDocuments } from '../shared/runtime/documents.js';

let early: Parameters<typeof import('../shared/runtime/start.js').startFunction>[2];
try {
  const config = loadPlatformConfig(process.env);
  early = { config, documents: openDocuments(config, resolve(config.dataDir), () => new Date()) };
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
