/**
 * Local runner: every function in one process on one port under `/<name>/…`, with the embedded
 * documents store, a local blob folder and the in-process event bus. No cloud needed.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { FUNCTIONS } from '../functions/registry.js';
import { LocalBlobStore } from '../shared/adapters/blobs/local.js';
import { createLocalBlobApp } from '../shared/adapters/blobs/local-http.js';
import { loadPlatformConfig } from '../shared/runtime/config.js';
import type { VigilFunction } from '../shared/runtime/function.js';
import { ensureDevCredentials } from '../shared/runtime/local-dev.js';
import { createPlatform, localBlobSigningKey } from '../shared/runtime/platform.js';
import { closeOnSignal } from '../shared/runtime/start.js';

let config: ReturnType<typeof loadPlatformConfig>;
try {
  config = loadPlatformConfig(process.env);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
const platform = await createPlatform(config);
closeOnSignal(platform);

const root = new Hono();
const loaded: VigilFunction[] = [];
for (const load of Object.values(FUNCTIONS)) {
  const fn = await load();
  const app = await fn.create(platform);
  root.mount(`/${fn.name}`, (request) => app.fetch(request));
  loaded.push(fn);
}
if (platform.blobs instanceof LocalBlobStore) {
  const blobApp = createLocalBlobApp(
    platform.blobs,
    localBlobSigningKey(config, platform.localSecrets),
    platform.clock,
  );
  root.mount('/_blobs', (request) => blobApp.fetch(request));
}
root.get('/health', (c) => c.json({ status: 'ok', functions: loaded.map((f) => f.name) }));
root.get('/', (c) => c.html(frontPage(loaded)));

const credentials = await ensureDevCredentials(platform);
serve({ fetch: root.fetch, port: config.port, hostname: '127.0.0.1' }, (info) => {
  console.log(`vigil local — http://localhost:${info.port}/  (data in ${config.dataDir}/)`);
  for (const fn of loaded)
    console.log(`  /${fn.name}/  ${fn.summary}  → http://localhost:${info.port}/${fn.name}/docs`);
  if (credentials) {
    console.log('\nFirst start: a dev user and an admin API key were created. They are shown only now:');
    console.log(`  username: ${credentials.username}   password: ${credentials.password}`);
    console.log(`  API key:  ${credentials.apiKey}`);
    console.log(`  (delete ${config.dataDir}/ to start over)\n`);
  }
});

function frontPage(functions: VigilFunction[]): string {
  const rows = functions
    .map(
      (f) =>
        `<li><a href="/${f.name}/docs"><code>/${f.name}</code></a> — ${f.summary} · <a href="/${f.name}/openapi.json">openapi.json</a> · <a href="/${f.name}/health/ready">ready</a> · <a href="/${f.name}/metrics">metrics</a></li>`,
    )
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>vigil — local</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:3rem auto;padding:0 1rem;color:#1b1f24}
code{background:#f1f3f5;padding:.1rem .3rem;border-radius:4px}li{margin:.4rem 0}</style></head>
<body><h1>vigil</h1><p>Content-safety and authenticity detectors, running locally. Each function's interactive API docs:</p>
<ul>${rows}</ul></body></html>`;
}
