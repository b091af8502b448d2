/**
 * Lean server entry for a Cloud Run container: one function on @hono/node-server, no Express.
 * Usage: node dist/scripts/serve.js <function-name>
 */
import { serve } from '@hono/node-server';
import { FUNCTIONS } from '../functions/registry.js';
import { startFunction } from '../shared/runtime/start.js';

const name = process.argv[2] ?? process.env.VIGIL_FUNCTION;
const load = name ? FUNCTIONS[name] : undefined;
if (!load) {
  console.error(`usage: serve.js <function>; known: ${Object.keys(FUNCTIONS).join(', ')}`);
  process.exit(2);
}
try {
  const app = await startFunction(load);
  const server = serve({ fetch: app.fetch, port: app.platform.config.port, hostname: '0.0.0.0' });
  process.once('SIGTERM', () => server.close());
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
