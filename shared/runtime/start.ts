/** Start-up of one function: the only place that reads the environment. */
import { loadPlatformConfig } from './config.js';
import type { FetchApp, VigilFunction } from './function.js';
import { createPlatform, type Platform } from './platform.js';

/** Parses config, builds the platform and the function's app; a bad config stops start-up. */
export async function startFunction(
  fn: VigilFunction,
  env: Record<string, string | undefined> = process.env,
): Promise<FetchApp & { platform: Platform }> {
  const config = loadPlatformConfig(env);
  const platform = await createPlatform(config);
  const app = await fn.create(platform);
  closeOnSignal(platform);
  platform.logger.info('function started', {
    function: fn.name,
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
