/** Start-up of one function: the only place that reads the environment. */

import { resolve } from 'node:path';
import type { DocumentStore } from '../ports/documents.js';
import { loadPlatformConfig, type PlatformConfig } from './config.js';
import { openDocuments } from './documents.js';
import type { CloudEventHandler, FetchApp, VigilEventFunction, VigilFunction } from './function.js';
import { buildPlatform, createPlatform, type Platform } from './platform.js';

/**
 * Parses config, builds the platform and the function's app; a bad config stops start-up. Given a
 * loader, the document store starts opening before the function's code is imported (or the caller
 * started it even earlier and passes it in), so the two overlap.
 *
 * It returns once the app is built, which may be before the embedded store is open: on a new data
 * dir the models need nothing from it (see ThreadedDocumentStore), so requests are taken while it
 * opens, and those that need it wait in its queue. If it then fails to open, the process logs why
 * and exits with status 1, as a failed start-up would.
 */
export async function startFunction(
  fn: VigilFunction | (() => Promise<VigilFunction>),
  env: Record<string, string | undefined> = process.env,
  early?: { config: PlatformConfig; documents: Promise<DocumentStore> },
): Promise<FetchApp & { platform: Platform }> {
  const config = early?.config ?? loadPlatformConfig(env);
  const opening = early?.documents ?? openDocuments(config, resolve(config.dataDir), () => new Date());
  let platform: Platform;
  let resolved: VigilFunction;
  let app: FetchApp;
  let ready: Promise<void>;
  try {
    resolved = typeof fn === 'function' ? await fn() : fn;
    // The embedded store may still be opening on its thread: the models load meanwhile (on an
    // existing data dir their champion lookups wait in the store's queue).
    const built = await buildPlatform(config, { documents: await opening });
    platform = built;
    app = await resolved.create(platform);
    ready = built.ready;
  } catch (error) {
    await opening.then((store) => store.close()).catch(() => undefined);
    throw error;
  }
  const started = platform;
  ready.catch((error: unknown) => {
    started.logger.error('the document store failed at start-up; stopping', {}, error);
    process.exit(1);
  });
  closeOnSignal(platform);
  platform.logger.info('function started', {
    function: resolved.name,
    env: config.env,
    documents: platform.documents.kind,
  });
  return { fetch: app.fetch.bind(app), platform };
}

/** Cloud Run sends SIGTERM before stopping an instance: finish in-flight events, close stores. */
export function closeOnSignal(platform: Platform): void {
  const stop = () => {
    platform
      .close()
      .catch((error) => platform.logger.error('close failed', {}, error))
      .finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

/**
 * Start-up of one CloudEvent function (the Functions Framework entry calls this, then
 * `functions.cloudEvent(name, handler)`): the same config and platform as HTTP functions.
 */
export async function startEventFunction(
  fn: VigilEventFunction,
  env: Record<string, string | undefined> = process.env,
): Promise<CloudEventHandler & { platform: Platform }> {
  const config = loadPlatformConfig(env);
  const platform = await createPlatform(config);
  const handler = await fn.create(platform);
  closeOnSignal(platform);
  platform.logger.info('function started', { function: fn.name, env: config.env, kind: 'cloudevent' });
  return Object.assign((event: Parameters<CloudEventHandler>[0]) => handler(event), { platform });
}
