/**
 * Local mode: every function in one Hono app under `/<name>/…`, signed blob URLs under `/_blobs/…`,
 * and a front page linking each function's docs. `scripts/local.ts` serves it; tests drive it directly.
 */
import { Hono } from 'hono';
import { LocalBlobStore } from '../adapters/blobs/local.js';
import { createLocalBlobApp } from '../adapters/blobs/local-http.js';
import type { PlatformConfig } from './config.js';
import type { VigilFunction } from './function.js';
import { type DevCredentials, ensureDevCredentials } from './local-dev.js';
import { createPlatform, localBlobSigningKey, type Platform, type PlatformOverrides } from './platform.js';

export interface LocalRuntime {
  fetch: (request: Request) => Response | Promise<Response>;
  platform: Platform;
  functions: VigilFunction[];
  /** Set on the first start of a data directory only. */
  credentials: DevCredentials | null;
}

export async function createLocalRuntime(
  config: Readonly<PlatformConfig>,
  functions: Record<string, () => Promise<VigilFunction>>,
  overrides: PlatformOverrides = {},
): Promise<LocalRuntime> {
  const platform = await createPlatform(config, overrides);
  const root = new Hono();
  const loaded: VigilFunction[] = [];
  for (const load of Object.values(functions)) {
    const fn = await load();
    const app = await fn.create(platform);
    const prefix = `/${fn.name}`;
    root.mount(prefix, (request) => {
      const headers = new Headers(request.headers);
      headers.set('X-Forwarded-Prefix', prefix);
      return app.fetch(new Request(request, { headers }));
    });
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
  root.notFound((c) =>
    c.json({ error: { code: 'not_found', message: 'no such function or route', requestId: '' } }, 404),
  );
  const credentials = await ensureDevCredentials(platform);
  return { fetch: (request) => root.fetch(request), platform, functions: loaded, credentials };
}

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
