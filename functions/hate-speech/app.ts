/**
 * The hate-speech function: seed 001's `/api/v1/hatecomment/*` routes (HAINEUX / NON-HAINEUX, severity,
 * reasoning), the generic multi-model routes, FR + EN, with a local or remote detector behind them.
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { createHttpApp, type HttpAppOptions } from '../../shared/http/app.js';
import type { AppEnv } from '../../shared/http/context.js';
import { ApiError } from '../../shared/http/errors.js';
import { type Metrics, recordPrediction } from '../../shared/http/metrics.js';
import { errorResponses, SECURED } from '../../shared/http/schemas.js';
import { registerMlopsRoutes } from '../../shared/mlops/routes.js';
import type { ServingModels } from '../../shared/mlops/serving.js';
import type { DocumentStore } from '../../shared/ports/documents.js';
import { decide } from '../../shared/text/classifier.js';
import type { ModelCard } from '../../shared/text/manifest.js';
import { ModelNotFoundError, type TextModelRegistry } from '../../shared/text/registry.js';
import { HATE_MODEL, type HateDetector, type HateScore, severity } from './detector.js';
import { EXAMPLES, ExampleList } from './examples.js';
import {
  BatchDetectRequest,
  BatchDetectResponse,
  DetectRequest,
  DetectResponse,
  GenericBatchRequest,
  GenericBatchResponse,
  GenericPredictRequest,
  GenericPredictResponse,
  HateHealth,
  HateInfo,
  ModelHealth,
  ModelList,
  ModelNameParam,
  ModelNameQuery,
} from './schemas.js';

/** Explains a verdict in the text's language from the linear model's per-word contributions. */
export type Reasoner = (text: string, score: HateScore, hateful: boolean, confidence: number) => string;

export interface HateSpeechDeps {
  http: Omit<HttpAppOptions, 'title' | 'version' | 'description'>;
  guard: (scopes: readonly string[]) => MiddlewareHandler<AppEnv>;
  registry: TextModelRegistry;
  detector: HateDetector;
  reason: Reasoner;
  /** Seed 001's pattern post-processing; on only where measurement showed it helps. */
  boost: (text: string, score: HateScore) => { probability: number; applied: boolean };
  card: () => Promise<ModelCard>;
  metrics: Metrics;
  /** The MLOps loop: `GET /drift`, version records, promotion/rollback, the `X-Vigil-Model` header. */
  mlops?: { models: ServingModels; documents: DocumentStore };
}

export const VERSION = '1.0.0';
const TAG = 'HateComment BERT';
const PREFIX = '/api/v1/hatecomment';

const detectRoute = createRoute({
  method: 'post',
  path: `${PREFIX}/detect`,
  tags: [TAG],
  summary: 'Detect hate speech in one text (FR/EN)',
  security: SECURED,
  request: { body: { required: true, content: { 'application/json': { schema: DetectRequest } } } },
  responses: {
    200: { description: 'Verdict', content: { 'application/json': { schema: DetectResponse } } },
    ...errorResponses(401, 403, 413, 415, 429),
    422: errorResponses(400)[400]!,
  },
});

const batchRoute = createRoute({
  method: 'post',
  path: `${PREFIX}/batch-detect`,
  tags: [TAG],
  summary: 'Detect hate speech in 1–100 texts',
  security: SECURED,
  request: { body: { required: true, content: { 'application/json': { schema: BatchDetectRequest } } } },
  responses: {
    200: {
      description: 'One verdict per text, in order',
      content: { 'application/json': { schema: BatchDetectResponse } },
    },
    ...errorResponses(401, 403, 413, 415, 429),
    422: errorResponses(400)[400]!,
  },
});

const healthRoute = createRoute({
  method: 'get',
  path: `${PREFIX}/health`,
  tags: [TAG],
  summary: 'Model health: loaded state, device, remote model readiness',
  responses: { 200: { description: 'Health', content: { 'application/json': { schema: HateHealth } } } },
});

const infoRoute = createRoute({
  method: 'get',
  path: `${PREFIX}/info`,
  tags: [TAG],
  summary: 'Model information with measured performance from its card',
  responses: { 200: { description: 'Information', content: { 'application/json': { schema: HateInfo } } } },
});

const examplesRoute = createRoute({
  method: 'get',
  path: `${PREFIX}/examples`,
  tags: [TAG],
  summary: 'Working examples in French and English, with curl commands',
  responses: { 200: { description: 'Examples', content: { 'application/json': { schema: ExampleList } } } },
});

const predictRoute = createRoute({
  method: 'post',
  path: '/api/v1/predict',
  tags: ['models'],
  summary: 'Score one text with any registered model (`model_name`)',
  security: SECURED,
  request: {
    query: ModelNameQuery,
    body: { required: true, content: { 'application/json': { schema: GenericPredictRequest } } },
  },
  responses: {
    200: { description: 'Prediction', content: { 'application/json': { schema: GenericPredictResponse } } },
    ...errorResponses(401, 403, 404, 429),
    422: errorResponses(400)[400]!,
  },
});

const batchPredictRoute = createRoute({
  method: 'post',
  path: '/api/v1/batch-predict',
  tags: ['models'],
  summary: 'Score 1–100 texts with any registered model (`model_name`)',
  security: SECURED,
  request: {
    query: ModelNameQuery,
    body: { required: true, content: { 'application/json': { schema: GenericBatchRequest } } },
  },
  responses: {
    200: { description: 'Predictions', content: { 'application/json': { schema: GenericBatchResponse } } },
    ...errorResponses(401, 403, 404, 429),
    422: errorResponses(400)[400]!,
  },
});

const modelsRoute = createRoute({
  method: 'get',
  path: '/api/v1/models',
  tags: ['models'],
  summary: 'Registered models, their versions and champion',
  responses: { 200: { description: 'Models', content: { 'application/json': { schema: ModelList } } } },
});

const modelHealthRoute = createRoute({
  method: 'get',
  path: '/api/v1/models/{name}/health',
  tags: ['models'],
  summary: "A registered model's health",
  request: { params: ModelNameParam },
  responses: {
    200: { description: 'Healthy', content: { 'application/json': { schema: ModelHealth } } },
    ...errorResponses(404),
  },
});

const REGISTERED = ['hate-speech', 'toxicity-en', 'toxicity-fr', 'language-id'];
/** Seed 001 called its model `hatecomment-bert`; its clients keep that name. */
const ALIASES: Record<string, string> = { 'hatecomment-bert': HATE_MODEL };

/**
 * @example
 *   const app = createApp({ http, guard, registry, detector, reason, boost, card, metrics });
 *   await app.request('/api/v1/hatecomment/detect', { method: 'POST', body: JSON.stringify({ text }) });
 */
export function createApp(deps: HateSpeechDeps): OpenAPIHono<AppEnv> {
  const app = createHttpApp({
    ...deps.http,
    validationStatus: 422,
    title: 'vigil hate-speech',
    version: VERSION,
    description:
      'Hate-speech detection in French and English. Seed 001’s HateComment routes (same paths and fields) and generic multi-model routes; a trained linear model in process, or a heavy model on an Open Inference Protocol V2 server.',
  });
  const analyze = deps.guard(['hate-speech:analyze']);
  if (deps.mlops)
    registerMlopsRoutes(app, {
      ...deps.mlops,
      names: [HATE_MODEL, 'language-id'],
      driftNames: [HATE_MODEL],
      read: analyze,
      manage: deps.guard(['models:manage']),
    });

  async function verdicts(texts: readonly string[], withReasons: boolean) {
    const started = performance.now();
    const scores = await deps.detector.score(texts);
    // One scoring call for the whole batch: each text is charged its share of it.
    const durationSeconds = (performance.now() - started) / 1000 / Math.max(1, texts.length);
    return scores.map((score, i) => {
      const text = texts[i] as string;
      const boosted = deps.boost(text, score);
      const hateful = boosted.probability >= score.threshold;
      const confidence = hateful ? boosted.probability : 1 - boosted.probability;
      recordPrediction(deps.metrics, 'hate-speech', {
        model: score.model,
        label: hateful ? 'hateful' : 'not_hateful',
        confidence,
        durationSeconds,
      });
      return {
        score,
        boostApplied: boosted.applied,
        verdict: {
          prediction: hateful ? ('HAINEUX' as const) : ('NON-HAINEUX' as const),
          confidence,
          severity: severity(hateful, confidence),
          reasoning: withReasons ? deps.reason(text, score, hateful, confidence) : null,
          hate_classification: hateful ? ('haineux' as const) : ('non-haineux' as const),
        },
      };
    });
  }

  app.openapi({ ...detectRoute, middleware: [analyze] }, async (c) => {
    const started = performance.now();
    const { text, include_reasoning } = c.req.valid('json');
    const [result] = await verdicts([text], include_reasoning);
    const { score, verdict, boostApplied } = result!;
    // Spelled out rather than spread: under load the spread left 10.5–14 MB/s of old-generation garbage,
    // this 3.1–7.9 MB/s (BENCHMARKS.md, session 6).
    return c.json(
      {
        prediction: verdict.prediction,
        confidence: verdict.confidence,
        severity: verdict.severity,
        reasoning: verdict.reasoning,
        hate_classification: verdict.hate_classification,
        original_label: verdict.prediction === 'HAINEUX' ? ('LABEL_1' as const) : ('LABEL_0' as const),
        enhanced: score.remote,
        boost_applied: boostApplied,
        processing_time: (performance.now() - started) / 1000,
        language: score.language,
        model_used: score.model,
      },
      200,
    );
  });

  app.openapi({ ...batchRoute, middleware: [analyze] }, async (c) => {
    const started = performance.now();
    const { texts, include_reasoning } = c.req.valid('json');
    const results = await verdicts(texts, include_reasoning);
    return c.json(
      {
        results: results.map((r, i) => ({
          text: texts[i] as string,
          ...r.verdict,
          language: r.score.language,
        })),
        total_processed: results.length,
        processing_time: (performance.now() - started) / 1000,
        model_used: results[0]?.score.model ?? HATE_MODEL,
        enhanced_version: VERSION,
      },
      200,
    );
  });

  app.openapi(healthRoute, async (c) => {
    const classifier = await deps.registry.classifier(HATE_MODEL);
    const remote = deps.detector.remote;
    const ready = remote ? await remote.client.ready() : false;
    return c.json(
      {
        status: remote && !ready ? ('degraded' as const) : ('healthy' as const),
        model: classifier.manifest.name,
        version: classifier.manifest.version,
        device: 'cpu (onnxruntime-node)',
        fine_tuned: true,
        enhanced: ready,
        loaded: true,
        remote: remote ? { url: remote.url, model: remote.model, ready } : null,
      },
      200,
    );
  });

  app.openapi(infoRoute, async (c) => {
    const classifier = await deps.registry.classifier(HATE_MODEL);
    const card = await deps.card();
    const metric = (dataset: string, name: string, label?: string) =>
      card.metrics.find(
        (m) => m.dataset === dataset && m.metric === name && (label === undefined || m.label === label),
      )?.value;
    const performance: Record<string, number | string> = {};
    const add = (key: string, value: number | undefined) => {
      if (value !== undefined) performance[key] = value;
    };
    add('french_superset_roc_auc', metric('french-hate-speech-superset', 'rocAuc', 'hateful'));
    add('french_superset_f1', metric('french-hate-speech-superset', 'f1', 'hateful'));
    add('hatexplain_roc_auc', metric('hatexplain-en', 'rocAuc', 'hateful'));
    add('davidson_macro_f1', metric('davidson-hate-speech-en', 'macroF1', 'davidson'));
    add('hatecheck_en_accuracy', metric('hatecheck-en', 'accuracy'));
    add('hatecheck_fr_accuracy', metric('multilingual-hatecheck-fr', 'accuracy'));
    performance.source = `models/${card.name}/${card.version}/card.json (held-out test splits)`;
    return c.json(
      {
        name: classifier.manifest.name,
        version: classifier.manifest.version,
        author: 'vigil',
        model_type: 'hate_speech_detection',
        languages: ['français', 'anglais'],
        architecture: 'hashed word and character n-grams → logistic regression (ONNX), NB-SVM blend',
        enhanced_features: [
          'Explications par mots (contributions du modèle linéaire)',
          'Seuils par langue',
          ...(deps.detector.remote
            ? [`Modèle distant (Open Inference Protocol V2): ${deps.detector.remote.model}`]
            : []),
        ],
        performance,
        endpoints: {
          detection: `${PREFIX}/detect`,
          batch: `${PREFIX}/batch-detect`,
          health: `${PREFIX}/health`,
          info: `${PREFIX}/info`,
          examples: `${PREFIX}/examples`,
        },
      },
      200,
    );
  });

  app.openapi(examplesRoute, (c) => c.json(EXAMPLES, 200));

  async function generic(name: string, texts: readonly string[]) {
    const resolved = ALIASES[name] ?? name;
    if (!REGISTERED.includes(resolved)) throw new ApiError(404, `unknown model: ${name.slice(0, 64)}`);
    try {
      const classifier = await deps.registry.classifier(resolved);
      const scores = await classifier.score(texts);
      const head = classifier.manifest.heads[0]!;
      return {
        model_name: classifier.manifest.name,
        version: classifier.manifest.version,
        results: scores.map((s) => {
          const labels = decide(head, s[head.name] ?? {});
          return { label: labels[0] ?? `not_${head.labels[0]}`, labels, probabilities: s };
        }),
      };
    } catch (error) {
      if (error instanceof ModelNotFoundError) throw new ApiError(404, `unknown model: ${name.slice(0, 64)}`);
      if (error instanceof RangeError) throw new ApiError(422, 'text too long for this model');
      throw error;
    }
  }

  app.openapi({ ...predictRoute, middleware: [analyze] }, async (c) => {
    const started = performance.now();
    const { model_name } = c.req.valid('query');
    const { model_name: name, version, results } = await generic(model_name, [c.req.valid('json').text]);
    return c.json(
      { model_name: name, version, ...results[0]!, processing_time: (performance.now() - started) / 1000 },
      200,
    );
  });

  app.openapi({ ...batchPredictRoute, middleware: [analyze] }, async (c) => {
    const started = performance.now();
    const { model_name } = c.req.valid('query');
    const { texts } = c.req.valid('json');
    const out = await generic(model_name, texts);
    return c.json(
      { ...out, total_processed: texts.length, processing_time: (performance.now() - started) / 1000 },
      200,
    );
  });

  app.openapi(modelsRoute, async (c) => {
    const models = [];
    for (const name of REGISTERED) {
      const versions = await deps.registry.versions(name);
      if (versions.length === 0) continue;
      models.push({
        name,
        versions: versions.map((v) => v.version),
        champion: await deps.registry.championVersion(name),
        stage: 'production' as const,
        languages: versions[0]!.languages,
      });
    }
    return c.json({ models }, 200);
  });

  app.openapi(modelHealthRoute, async (c) => {
    const { name } = c.req.valid('param');
    const resolved = ALIASES[name] ?? name;
    if (!REGISTERED.includes(resolved)) throw new ApiError(404, `unknown model: ${name.slice(0, 64)}`);
    const classifier = await deps.registry.classifier(resolved).catch(() => null);
    if (!classifier) throw new ApiError(404, `unknown model: ${name.slice(0, 64)}`);
    return c.json(
      {
        model: classifier.manifest.name,
        version: classifier.manifest.version,
        status: 'healthy' as const,
        loaded: true,
      },
      200,
    );
  });

  return app;
}
