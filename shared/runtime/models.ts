/** The text-model registry a function gets from its platform: models on disk, champions in the store. */
import path from 'node:path';
import { createTextModelRegistry, type TextModelRegistry } from '../text/registry.js';
import type { Platform } from './platform.js';

export function textModelRegistry(platform: Platform): TextModelRegistry {
  return createTextModelRegistry({
    modelsDir: path.resolve(platform.config.modelsDir),
    documents: platform.documents,
    clock: platform.clock,
    onWarning: (message) => platform.logger.warn('model registry', { message }),
  });
}
