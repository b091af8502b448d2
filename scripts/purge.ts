/**
 * `npm run purge`: deletes what is past its retention (seed 002's GDPR section): expired inference logs
 * and feedback in the documents store, and stored images older than the image-log retention. Firestore's
 * TTL policy does the document part by itself in production; this command is for the embedded store,
 * for stored images, and for an immediate purge.
 */
import { purgeExpired } from '../functions/image-classifier/store.js';
import { loadPlatformConfig } from '../shared/runtime/config.js';
import { createPlatform } from '../shared/runtime/platform.js';

const config = loadPlatformConfig(process.env);
const platform = await createPlatform(config);
try {
  const now = platform.clock();
  const deleted = await purgeExpired(platform.documents, platform.blobs, now, config.images.logRetentionDays);
  console.log(
    `purged at ${now.toISOString()}: ${deleted.predictions} inference logs, ${deleted.feedback} feedback, ` +
      `${deleted.images} stored images (${platform.documents.kind} documents, ${platform.blobs.kind} blobs)`,
  );
} finally {
  await platform.close();
}
