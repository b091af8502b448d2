/** Swagger UI served from the swagger-ui-dist package: no CDN, so `/docs` works offline and under CSP. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Hono } from 'hono';

const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
};

let assetDir: string | undefined;
const cache = new Map<string, string>();

function asset(name: string): string {
  assetDir ??= dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  let body = cache.get(name);
  if (body === undefined) {
    body = readFileSync(join(assetDir, name), 'utf8');
    cache.set(name, body);
  }
  return body;
}

function page(title: string): string {
  const safe = title.replace(/[<>&"]/g, '');
  // Relative URLs keep the page working both standalone (/docs) and mounted (/auth/docs).
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${safe} — API docs</title>
<link rel="stylesheet" href="docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/assets/swagger-ui-bundle.js"></script>
<script src="docs/assets/init.js"></script>
</body>
</html>`;
}

const INIT = `window.ui = SwaggerUIBundle({
  url: new URL('openapi.json', document.baseURI).href,
  dom_id: '#swagger-ui',
  deepLinking: true,
  persistAuthorization: false,
});`;

// biome-ignore lint/suspicious/noExplicitAny: mounts on any Hono app regardless of its Env
export function mountDocs(app: Hono<any>, title: string): void {
  const html = page(title);
  app.get('/docs', (c) => c.html(html));
  // One route for every asset: a static path beside a parameter at the same depth would make Hono
  // fall back from its RegExpRouter to the slower TrieRouter for the whole app (BENCHMARKS.md, session 8).
  app.get('/docs/assets/:name', (c) => {
    const name = c.req.param('name');
    if (name === 'init.js') return c.body(INIT, 200, { 'Content-Type': 'text/javascript; charset=utf-8' });
    const type = ASSETS[name];
    if (!type) return c.notFound();
    return c.body(asset(name), 200, { 'Content-Type': type, 'Cache-Control': 'public, max-age=86400' });
  });
}
