/**
 * Makes the embedded store's template data dir (`dist/store-template`, see
 * shared/adapters/documents/template.ts) unless a usable one is there. Run by `npm run build`: ~2 s
 * once per PGlite version, after which a new local data dir opens without initdb.
 * Usage: node dist/scripts/store-template.js
 */
import { EmbeddedDocumentStore } from '../shared/adapters/documents/embedded.js';
import { STORE_TEMPLATE_DIR } from '../shared/adapters/documents/threaded.js';

const started = performance.now();
if (await EmbeddedDocumentStore.makeTemplate(STORE_TEMPLATE_DIR)) {
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`store template: made ${STORE_TEMPLATE_DIR} in ${seconds} s`);
}
