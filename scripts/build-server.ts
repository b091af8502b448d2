/**
 * Bundles the lean server (`dist/scripts/serve.js`) and the embedded store's worker into
 * `dist/server/`: the entry the container and Terraform run (`node dist/server/serve.js <name>`).
 *
 * Why: loading ~650 ES modules file by file (resolve, stat, read, compile each; zod, validator,
 * libphonenumber-js and jose are 100+ files apiece) was most of the main thread's cold start
 * (BENCHMARKS.md, session 9). The bundle keeps dynamic imports as their own chunks, so each function
 * still loads only its own code, and leaves out the packages that find files beside themselves
 * (onnxruntime-node's native binding, PGlite's WASM) or that only some deployments load (the Google
 * Cloud clients).
 * Usage: node dist/scripts/build-server.js (run by `npm run build`, after tsc)
 */
import { rm } from 'node:fs/promises';
import { build } from 'rolldown';

const SERVER_DIR = 'dist/server';

const EXTERNAL = /^(onnxruntime-node|@electric-sql\/pglite|@google-cloud\/)/;

const started = performance.now();
await rm(SERVER_DIR, { recursive: true, force: true });
await build({
  input: {
    serve: 'dist/scripts/serve.js',
    // Beside the chunks, where `EMBEDDED_WORKER_URL` (shared/adapters/documents/threaded.ts) looks.
    'embedded-worker': 'dist/shared/adapters/documents/embedded-worker.js',
  },
  platform: 'node',
  external: (id) => EXTERNAL.test(id),
  logLevel: 'warn',
  output: { dir: SERVER_DIR, format: 'esm', entryFileNames: '[name].js' },
});
console.log(`server bundle: ${SERVER_DIR} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
