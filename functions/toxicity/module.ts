/** Wires the toxicity function's deps from the platform. */

import { createServingModels } from '../../shared/mlops/serving.js';
import {
  documentsReadiness,
  platformHttpOptions,
  type VigilFunction,
} from '../../shared/runtime/function.js';
import { passwordGrantDeps } from '../auth/module.js';
import { createApp } from './app.js';
import { PredictionHistory } from './history.js';
import { LANGUAGE_MODEL, toxicityModel } from './scoring.js';

export const toxicityFunction: VigilFunction = {
  name: 'toxicity',
  summary: 'Perspective-compatible toxicity scoring, seed 000’s /predict, history and erasure',
  async create(platform) {
    const { config } = platform;
    // Loads every champion before taking traffic (the first request must not pay for it), then polls
    // the registry so a promoted version is served without a restart.
    const champions = [toxicityModel('en'), toxicityModel('fr'), LANGUAGE_MODEL];
    const models = await createServingModels(platform, 'toxicity', champions);
    const registry = models.registry;
    const maxChars = Math.min(
      config.limits.textMaxChars,
      ...(await Promise.all(
        champions.map(async (n) => (await registry.classifier(n)).manifest.limits.maxChars),
      )),
    );
    const logger = platform.logger.child({ function: 'toxicity' });
    const history = new PredictionHistory(platform.documents, config.privacy, platform.clock, {
      onWriteError: (error) => {
        platform.metrics.backgroundWriteFailures.inc({ function: 'toxicity', collection: 'predictions' });
        logger.error('prediction history write failed', {}, error);
      },
    });
    // Writes behind the response finish before the store closes (SIGTERM on Cloud Run, Ctrl-C locally).
    platform.onClose(() => history.flush());
    const app = createApp({
      http: {
        ...platformHttpOptions(platform, 'toxicity'),
        readiness: { documents: documentsReadiness(platform) },
      },
      guard: platform.guardFor('toxicity'),
      registry,
      history,
      metrics: platform.metrics,
      limits: { maxChars, batchMaxItems: config.limits.batchMaxItems },
      passwordGrant: await passwordGrantDeps(platform),
      mlops: { models, documents: platform.documents },
    });
    return models.withVersionHeader(app);
  },
};
