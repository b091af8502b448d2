/** Every vigil function, loaded lazily so a single-function container imports only its own code. */
import type { VigilEventFunction, VigilFunction } from '../shared/runtime/function.js';

export const FUNCTIONS: Record<string, () => Promise<VigilFunction>> = {
  auth: async () => (await import('./auth/module.js')).authFunction,
  toxicity: async () => (await import('./toxicity/module.js')).toxicityFunction,
  'hate-speech': async () => (await import('./hate-speech/module.js')).hateSpeechFunction,
  'image-classifier': async () => (await import('./image-classifier/module.js')).imageClassifierFunction,
};

/** CloudEvent functions of the MLOps loop (local mode wires them to the datasets folder and the bus). */
export const EVENT_FUNCTIONS: Record<string, () => Promise<VigilEventFunction>> = {
  'on-dataset-upload': async () => (await import('./on-dataset-upload/module.js')).datasetUploadFunction,
  retrain: async () => (await import('./retrain/module.js')).retrainFunction,
  'drift-check': async () => (await import('./drift-check/module.js')).driftCheckFunction,
};
