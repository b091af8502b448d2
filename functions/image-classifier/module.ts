/** Wires the image-classifier function's deps from the platform. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  documentsReadiness,
  platformHttpOptions,
  type VigilFunction,
} from '../../shared/runtime/function.js';
import { parseCard } from '../../shared/text/manifest.js';
import { loadImageClassifier } from '../../shared/vision/classifier.js';
import { createApp } from './app.js';
import { ImageHistory } from './store.js';

export const IMAGE_MODEL = 'cats-vs-dogs';

export const imageClassifierFunction: VigilFunction = {
  name: 'image-classifier',
  summary: 'Seed 002’s cats-vs-dogs classifier with a web page and feedback',
  page: true,
  async create(platform) {
    const { config } = platform;
    // Loaded before taking traffic: the backbone session and the head are ready for the first request.
    const classifier = await loadImageClassifier({
      modelsDir: config.modelsDir,
      cacheDir: config.modelCacheDir,
      name: IMAGE_MODEL,
      maxBatch: config.images.batchMaxItems,
    });
    const cardFile = path.join(config.modelsDir, IMAGE_MODEL, classifier.manifest.version, 'card.json');
    const card = parseCard(JSON.parse(await readFile(cardFile, 'utf8')), cardFile);
    const http = platformHttpOptions(platform, 'image-classifier');
    // A batch of images needs more than the JSON default; each file is still held to maxBytes.
    const bodyLimitBytes = Math.max(http.bodyLimitBytes, 4 * config.images.maxBytes + 2 ** 20);
    return createApp({
      http: {
        ...http,
        bodyLimitBytes,
        readiness: { documents: documentsReadiness(platform) },
      },
      guard: platform.guardFor('image-classifier'),
      classifier,
      card,
      history: new ImageHistory(
        platform.documents,
        platform.blobs,
        {
          storePredictions: config.privacy.storePredictions,
          storeImages: config.images.store,
          logRetentionDays: config.images.logRetentionDays,
          feedbackRetentionDays: config.privacy.feedbackRetentionDays,
        },
        platform.clock,
      ),
      limits: {
        maxBytes: config.images.maxBytes,
        maxPixels: config.images.maxPixels,
        batchMaxItems: config.images.batchMaxItems,
      },
      metrics: platform.metrics,
    });
  },
};
