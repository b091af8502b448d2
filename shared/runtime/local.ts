/**
 * Local mode: every function in one Hono app under `/<name>/…`, signed blob URLs under `/_blobs/…`,
 * and a front page linking each function's docs. `scripts/local.ts` serves it; tests drive it directly.
 */

import { resolve } from 'node:path';
import { Hono } from 'hono';
import { LocalBlobStore } from '../adapters/blobs/local.js';
import { createLocalBlobApp } from '../adapters/blobs/local-http.js';
import { type LocalLoop, startLocalLoop } from '../mlops/local-loop.js';
import type { PlatformConfig } from './config.js';
import type { VigilEventFunction, VigilFunction } from './function.js';
import { type DevCredentials, ensureDevCredentials } from './local-dev.js';
import { createPlatform, localBlobSigningKey, type Platform, type PlatformOverrides } from './platform.js';

export interface LocalRuntime {
  fetch: (request: Request) => Response | Promise<Response>;
  platform: Platform;
  functions: VigilFunction[];
  /** Functions whose start failed (logged), with the reason; the others are served. */
  unavailable: { name: string; reason: string }[];
  /** Set on the first start of a data directory only. */
  credentials: DevCredentials | null;
  /** The MLOps loop's event functions, fed by dropped files and the in-process bus (when given). */
  loop: LocalLoop | null;
}

export async function createLocalRuntime(
  config: Readonly<PlatformConfig>,
  functions: Record<string, () => Promise<VigilFunction>>,
  overrides: PlatformOverrides = {},
  eventFunctions: Record<string, () => Promise<VigilEventFunction>> = {},
): Promise<LocalRuntime> {
  const platform = await createPlatform(config, overrides);
  const root = new Hono();
  const loaded: VigilFunction[] = [];
  const unavailable: { name: string; reason: string }[] = [];
  for (const [name, load] of Object.entries(functions)) {
    const fn = await load();
    let app: Awaited<ReturnType<VigilFunction['create']>>;
    try {
      app = await fn.create(platform);
    } catch (error) {
      // One function that cannot start (e.g. a backbone not pulled yet) must not take the others down.
      const reason = error instanceof Error ? error.message : String(error);
      platform.logger.error('function could not start; it is not served', { function: name, reason });
      unavailable.push({ name, reason });
      continue;
    }
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
  root.get('/health', (c) =>
    c.json({
      status: 'ok',
      functions: loaded.map((f) => f.name),
      unavailable: unavailable.map((u) => u.name),
    }),
  );
  root.get('/', (c) => c.html(frontPage(loaded, unavailable)));
  root.notFound((c) =>
    c.json({ error: { code: 'not_found', message: 'no such function or route', requestId: '' } }, 404),
  );
  const credentials = await ensureDevCredentials(platform);
  const events = await Promise.all(Object.values(eventFunctions).map((load) => load()));
  const loop =
    events.length > 0 ? await startLocalLoop(platform, events, { dataDir: resolve(config.dataDir) }) : null;
  return {
    fetch: (request) => root.fetch(request),
    platform,
    functions: loaded,
    unavailable,
    credentials,
    loop,
  };
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

function frontPage(functions: VigilFunction[], unavailable: { name: string; reason: string }[]): string {
  const rows = functions
    .map(
      (f) =>
        `<li><a href="/${f.name}/docs"><code>/${f.name}</code></a> — ${f.summary}${f.page ? ` · <a href="/${f.name}/">web page</a>` : ''} · <a href="/${f.name}/openapi.json">openapi.json</a> · <a href="/${f.name}/health/ready">ready</a> · <a href="/${f.name}/metrics">metrics</a></li>`,
    )
    .concat(unavailable.map((u) => `<li><code>/${u.name}</code> — not started: ${escapeHtml(u.reason)}</li>`))
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>vigil — local</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:3rem auto;padding:0 1rem;color:#1b1f24}
code{background:#f1f3f5;padding:.1rem .3rem;border-radius:4px}li{margin:.4rem 0}</style></head>
<body><h1>vigil</h1><p>Content-safety and authenticity detectors, running locally. Each function's interactive API docs:</p>
<ul>${rows}</ul></body></html>`;
}
