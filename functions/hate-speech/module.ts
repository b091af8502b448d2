/** Wires the hate-speech function's deps from the platform. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createV2TextClassifier } from '../../shared/inference/v2-client.js';
import { platformHttpOptions, type VigilFunction } from '../../shared/runtime/function.js';
import { textModelRegistry } from '../../shared/runtime/models.js';
import { explainText, readLinearModel, reasoningText } from '../../shared/text/explain.js';
import { Featurizer } from '../../shared/text/features.js';
import { parseCard } from '../../shared/text/manifest.js';
import { createApp, type Reasoner } from './app.js';
import { noBoost, patternBoost } from './boost.js';
import { BOOST_ENABLED } from './boost-decision.js';
import { createHateDetector, HATE_MODEL, LANGUAGE_MODEL } from './detector.js';

export const hateSpeechFunction: VigilFunction = {
  name: 'hate-speech',
  summary: 'Seed 001’s HateComment API (FR + EN) and generic multi-model routes',
  async create(platform) {
    const { config } = platform;
    const registry = textModelRegistry(platform);
    const classifier = await registry.classifier(HATE_MODEL);
    await registry.classifier(LANGUAGE_MODEL);
    const dir = (await registry.versions(HATE_MODEL)).find(
      (v) => v.version === classifier.manifest.version,
    )!.dir;
    const linear = await readLinearModel(path.join(dir, classifier.manifest.model.file), classifier.manifest);
    const featurizer = new Featurizer(classifier.manifest.features);
    const reason: Reasoner = (text, score, hateful, confidence) => {
      // The explanation always comes from the local linear model, whichever model decided.
      const { contributions } = explainText(linear, featurizer, text, 'hateful', 'hateful');
      // reasoningText takes contributions towards `hateful` and picks the side of the verdict itself.
      return reasoningText(score.language === 'fr' ? 'fr' : 'en', { hateful, confidence }, contributions);
    };
    const remoteConfig = config.modelServer.hateSpeech;
    const remote =
      remoteConfig && config.modelServer.url
        ? {
            url: config.modelServer.url,
            threshold: remoteConfig.threshold,
            client: createV2TextClassifier({
              baseUrl: config.modelServer.url,
              model: remoteConfig.model,
              timeoutMs: config.modelServer.timeoutMs,
              labels: ['not_hateful', 'hateful'],
            }),
          }
        : undefined;
    return createApp({
      http: platformHttpOptions(platform, 'hate-speech'),
      guard: platform.guardFor('hate-speech'),
      registry,
      detector: createHateDetector({
        registry,
        remote,
        onFallback: (reason) => {
          platform.logger.warn('remote model failed; the local model answered', {
            reason: reason.slice(0, 200),
          });
          platform.metrics.predictionErrors.inc({
            function: 'hate-speech',
            model: remoteConfig?.model ?? 'remote',
            kind: 'remote_fallback',
          });
        },
      }),
      reason,
      boost: BOOST_ENABLED ? patternBoost : noBoost,
      card: async () => {
        const file = path.join(dir, 'card.json');
        return parseCard(JSON.parse(await readFile(file, 'utf8')), file);
      },
      metrics: platform.metrics,
    });
  },
};
