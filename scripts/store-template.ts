/**
 * Makes the embedded store's template data dir (`dist/store-template`, see
 * shared/adapters/documents/template.ts) unless a usable one is there. Run by `npm run build`: ~2 s
 * once per PGlite version, after which a new local data dir opens without initdb. A failure only
 * costs that speed-up, so it warns and leaves the build green.
 * Usage: node dist/scripts/store-template.js
 */
import { EmbeddedDocumentStore } from '../shared/adapters/documents/embedded.js';
import { STORE_TEMPLATE_DIR } from '../shared/adapters/documents/threaded.js';

const started = performance.now();
try {
  if (await EmbeddedDocumentStore.makeTemplate(STORE_TEMPLATE_DIR)) {
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`store template: made ${STORE_TEMPLATE_DIR} in ${seconds} s`);
  }
} catch (error) {
  console.warn(
    `store template: not made (${error instanceof Error ? error.message : String(error)}); ` +
      'new data dirs will run initdb on their first open',
  );
}
