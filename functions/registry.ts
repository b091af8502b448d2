/** Every vigil function, loaded lazily so a single-function container imports only its own code. */
import type { VigilFunction } from '../shared/runtime/function.js';

export const FUNCTIONS: Record<string, () => Promise<VigilFunction>> = {
  auth: async () => (await import('./auth/module.js')).authFunction,
  toxicity: async () => (await import('./toxicity/module.js')).toxicityFunction,
  'hate-speech': async () => (await import('./hate-speech/module.js')).hateSpeechFunction,
};
