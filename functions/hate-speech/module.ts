/** Wires the hate-speech function's deps from the platform. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createV2TextClassifier } from '../../shared/inference/v2-client.js';
import { createPredictionSampler } from '../../shared/mlops/prediction-sample.js';
import { createServingModels } from '../../shared/mlops/serving.js';
import { platformHttpOptions, type VigilFunction } from '../../shared/runtime/function.js';
import { explainText, readLinearModel, reasoningText } from '../../shared/text/explain.js';
import { Featurizer } from '../../shared/text/features.js';
import { parseCard } from '../../shared/text/manifest.js';
import type { TextModelRegistry } from '../../shared/text/registry.js';
import { createApp, type Reasoner } from './app.js';
import { noBoost, patternBoost } from './boost.js';
import { BOOST_ENABLED } from './boost-decision.js';
import { createHateDetector, HATE_MODEL, type HateDetector, LANGUAGE_MODEL } from './detector.js';

export const hateSpeechFunction: VigilFunction = {
  name: 'hate-speech',
  summary: 'Seed 001’s HateComment API (FR + EN) and generic multi-model routes',
  async create(platform) {
    const { config } = platform;
    // The explainer and the card follow the champion: rebuilt whenever a promotion switches it.
    let dir = '';
    let linear: Awaited<ReturnType<typeof readLinearModel>>;
    let featurizer: Featurizer;
    const onSwitch = async (name: string, version: string, models: TextModelRegistry) => {
      if (name !== HATE_MODEL) return;
      const classifier = await models.classifier(HATE_MODEL, version);
      dir = (await models.versions(HATE_MODEL)).find((v) => v.version === version)!.dir;
      linear = await readLinearModel(path.join(dir, classifier.manifest.model.file), classifier.manifest);
      featurizer = new Featurizer(classifier.manifest.features);
    };
    const models = await createServingModels(platform, 'hate-speech', [HATE_MODEL, LANGUAGE_MODEL], {
      onSwitch,
    });
    const registry = models.registry;
    const reason: Reasoner = (text, score, hateful, confidence) => {
      // The explanation always comes from the local linear model, whichever model decided.
      const { contributions } = explainText(linear, featurizer, text, 'hateful', 'hateful');
      // reasoningText takes contributions towards `hateful` and picks the side of the verdict itself.
      return reasoningText(score.language === 'fr' ? 'fr' : 'en', { hateful, confidence }, contributions);
    };
    // A sample of local-model predictions (scores, language, length, PII flag; no text) for drift checks.
    const sampler = createPredictionSampler({
      documents: platform.documents,
      clock: platform.clock,
      logger: platform.logger,
      fn: 'hate-speech',
      rate: config.mlops.drift.sampleRate,
      privacy: config.privacy,
    });
    platform.onClose(() => sampler.flush());
    const sampled = (detector: HateDetector): HateDetector => ({
      ...detector,
      async score(texts) {
        const scores = await detector.score(texts);
        sampler.record(
          scores.flatMap((s, i) =>
            s.remote
              ? []
              : [
                  {
                    text: texts[i] as string,
                    model: HATE_MODEL,
                    version: s.model.split('@')[1] ?? '',
                    score: s.probability,
                    field: 'hateful',
                    language: s.language,
                  },
                ],
          ),
        );
        return scores;
      },
    });
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
    const app = createApp({
      http: platformHttpOptions(platform, 'hate-speech'),
      guard: platform.guardFor('hate-speech'),
      registry,
      detector: sampled(
        createHateDetector({
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
      ),
      reason,
      boost: BOOST_ENABLED ? patternBoost : noBoost,
      card: async () => {
        const file = path.join(dir, 'card.json');
        return parseCard(JSON.parse(await readFile(file, 'utf8')), file);
      },
      metrics: platform.metrics,
      mlops: { models, documents: platform.documents },
    });
    return models.withVersionHeader(app);
  },
};
