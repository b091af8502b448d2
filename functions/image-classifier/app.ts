/** The image-classifier function: seed 002's `/api/predict`, a batch route, feedback, and its web page. */
import { randomUUID } from 'node:crypto';
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { createHttpApp, type HttpAppOptions } from '../../shared/http/app.js';
import type { AppEnv } from '../../shared/http/context.js';
import { ApiError } from '../../shared/http/errors.js';
import { type Metrics, recordPrediction } from '../../shared/http/metrics.js';
import { errorResponses, SECURED } from '../../shared/http/schemas.js';
import type { ModelCard } from '../../shared/text/manifest.js';
import type { ImageClassification, ImageClassifier } from '../../shared/vision/classifier.js';
import {
  type DecodedImage,
  decodeForModel,
  ImageInputError,
  type ImageLimits,
  SUPPORTED_FORMATS,
} from '../../shared/vision/decode.js';
import { FAVICON_SVG, PAGE_CSP, PAGE_CSS, PAGE_JS, pageHtml } from './page.js';
import {
  BatchPredictResponse,
  BatchUploadForm,
  FeedbackRequest,
  FeedbackResponse,
  FeedbackStats,
  ModelInfo,
  PredictQuery,
  PredictResponse,
  UploadForm,
} from './schemas.js';
import { FeedbackConflictError, FUNCTION, type ImageHistory } from './store.js';

export interface ImageClassifierDeps {
  http: Omit<HttpAppOptions, 'title' | 'version' | 'description'>;
  guard: (scopes: readonly string[]) => MiddlewareHandler<AppEnv>;
  classifier: ImageClassifier;
  card: ModelCard;
  history: ImageHistory;
  limits: ImageLimits & { batchMaxItems: number };
  metrics: Metrics;
}

const VERSION = '1.0.0';
const TAG = 'image-classifier';
// Upload bodies are documented with plain OpenAPI schemas (not zod), so no generic form validator runs:
// `readUploads` reads them once and answers in the error envelope.
const binary = { type: 'string' as const, format: 'binary' };
const imageBody = {
  required: true,
  content: {
    'multipart/form-data': { schema: UploadForm },
    'image/jpeg': { schema: binary },
    'image/png': { schema: binary },
    'image/webp': { schema: binary },
  },
};

const predictRoute = createRoute({
  method: 'post',
  path: '/api/predict',
  tags: [TAG],
  summary: 'Cat, dog or unknown for one image (multipart field `file`, or a raw image body)',
  security: SECURED,
  request: { query: PredictQuery, body: imageBody },
  responses: {
    200: { description: 'Prediction', content: { 'application/json': { schema: PredictResponse } } },
    ...errorResponses(400, 401, 403, 413, 415, 429),
    422: { ...errorResponses(400)[400]!, description: 'Missing file, or a file that cannot be decoded' },
  },
});

const batchRoute = createRoute({
  method: 'post',
  path: '/api/predict/batch',
  tags: [TAG],
  summary: 'Classify several images in one backbone run (multipart field `files`, repeated)',
  security: SECURED,
  request: {
    query: PredictQuery,
    body: { required: true, content: { 'multipart/form-data': { schema: BatchUploadForm } } },
  },
  responses: {
    200: {
      description: 'Predictions, in upload order',
      content: { 'application/json': { schema: BatchPredictResponse } },
    },
    ...errorResponses(400, 401, 403, 413, 415, 429),
    422: errorResponses(400)[400]!,
  },
});

const feedbackRoute = createRoute({
  method: 'post',
  path: '/api/feedback',
  tags: [TAG],
  summary: 'Say whether a prediction was right (one feedback per prediction); used by retraining',
  security: SECURED,
  request: { body: { required: true, content: { 'application/json': { schema: FeedbackRequest } } } },
  responses: {
    201: { description: 'Stored', content: { 'application/json': { schema: FeedbackResponse } } },
    ...errorResponses(400, 401, 403, 404, 409, 429),
    422: errorResponses(400)[400]!,
  },
});

const statsRoute = createRoute({
  method: 'get',
  path: '/api/feedback/stats',
  tags: [TAG],
  summary: 'Agreement rate of the retained feedback',
  security: SECURED,
  responses: {
    200: { description: 'Counts', content: { 'application/json': { schema: FeedbackStats } } },
    ...errorResponses(401, 403),
  },
});

const infoRoute = createRoute({
  method: 'get',
  path: '/api/model',
  tags: [TAG],
  summary: 'The serving model: labels, unknown rule, measured metrics, input limits',
  responses: { 200: { description: 'Model', content: { 'application/json': { schema: ModelInfo } } } },
});

/**
 * @example
 *   const app = createApp({ http, guard, classifier, card, history, limits, metrics });
 *   const form = new FormData(); form.append('file', new Blob([jpeg]), 'cat.jpg');
 *   await app.request('/api/predict', { method: 'POST', body: form });
 */
export function createApp(deps: ImageClassifierDeps): OpenAPIHono<AppEnv> {
  const app = createHttpApp({
    ...deps.http,
    validationStatus: 422,
    title: 'vigil image-classifier',
    version: VERSION,
    description:
      'Seed 002’s cats-vs-dogs classifier: MobileNetV2 features and a trained linear head, an explicit "unknown" for images that are neither, feedback for retraining, and a web page at `/`.',
  });
  const { classifier, limits } = deps;
  const { manifest } = classifier;
  const modelVersion = `${manifest.name}@${manifest.version}`;
  const analyze = deps.guard(['images:analyze']);
  const giveFeedback = deps.guard(['feedback:write']);
  const readStats = deps.guard(['metrics:read']);

  async function decode(bytes: Uint8Array, field: string): Promise<DecodedImage> {
    try {
      return await decodeForModel(bytes, limits, classifier.backbone.spec.preprocess);
    } catch (error) {
      if (error instanceof ImageInputError) {
        deps.metrics.predictionErrors.inc({ function: FUNCTION, model: modelVersion, kind: 'input' });
        throw new ApiError(error.status, error.message, {
          details: [{ path: field, message: error.problem }],
        });
      }
      throw error;
    }
  }

  /** Classifies, records and shapes one or more decoded uploads. */
  async function predict(
    c: Context<AppEnv>,
    uploads: { bytes: Uint8Array; image: DecodedImage }[],
    top5: boolean,
  ) {
    const started = performance.now();
    const results = await classifier.classify(uploads.map((u) => u.image));
    const perImageMs = (performance.now() - started) / uploads.length;
    const principal = c.get('principal');
    const requestedBy = principal ? `${principal.kind}:${principal.subject}` : 'anonymous';
    return Promise.all(
      results.map(async (result: ImageClassification, i) => {
        const { image, bytes } = uploads[i]!;
        const id = randomUUID();
        recordPrediction(deps.metrics, FUNCTION, {
          model: modelVersion,
          label: result.label,
          confidence: result.confidence,
          durationSeconds: perImageMs / 1000,
        });
        await deps.history.record(
          id,
          {
            model: manifest.name,
            version: manifest.version,
            label: result.label,
            confidence: result.confidence,
            probabilities: result.probabilities,
            unknown: result.unknown,
            input: {
              format: image.info.format,
              width: image.info.width,
              height: image.info.height,
              bytes: image.info.bytes,
              brightness: image.brightness,
            },
            inferenceMs: perImageMs,
            requestedBy,
          },
          { bytes, format: image.info.format },
        );
        return {
          label: result.label,
          confidence: result.confidence,
          probabilities: result.probabilities,
          unknown: result.unknown,
          model_version: modelVersion,
          prediction_id: id,
          ...(top5 ? { imagenet_top5: result.imagenet } : {}),
        };
      }),
    );
  }

  app.openapi({ ...predictRoute, middleware: [analyze] }, async (c) => {
    const started = performance.now();
    const { top5 } = c.req.valid('query');
    const [upload] = await readUploads(c, 'file', 1);
    const image = await decode(upload!.bytes, 'file');
    const [result] = await predict(c, [{ bytes: upload!.bytes, image }], top5 === 'true');
    return c.json({ ...result!, inference_time_ms: performance.now() - started }, 200);
  });

  app.openapi({ ...batchRoute, middleware: [analyze] }, async (c) => {
    const started = performance.now();
    const { top5 } = c.req.valid('query');
    const uploads = await readUploads(c, 'files', limits.batchMaxItems);
    // Every file is checked before any model work: one bad file fails the batch and names itself.
    const images = await Promise.all(uploads.map((u, i) => decode(u.bytes, `files.${i}`)));
    const results = await predict(
      c,
      uploads.map((u, i) => ({ bytes: u.bytes, image: images[i]! })),
      top5 === 'true',
    );
    const elapsed = performance.now() - started;
    return c.json(
      {
        results: results.map((r, i) => ({
          filename: uploads[i]!.filename,
          ...r,
          inference_time_ms: elapsed / uploads.length,
        })),
        model_version: modelVersion,
        inference_time_ms: elapsed,
      },
      200,
    );
  });

  app.openapi({ ...feedbackRoute, middleware: [giveFeedback] }, async (c) => {
    const body = c.req.valid('json');
    const prediction = await deps.history.prediction(body.prediction_id);
    if (!prediction)
      throw new ApiError(
        404,
        'no stored prediction with this id (expired, or this deployment keeps no predictions)',
      );
    const known = [...manifest.labels, manifest.unknown.label];
    if (body.label !== undefined && !known.includes(body.label))
      throw new ApiError(422, `label must be one of ${known.join(', ')}`, {
        details: [{ path: 'label', message: 'unknown label' }],
      });
    const correct = body.correct ?? body.label === prediction.label;
    if (body.label !== undefined && correct !== (body.label === prediction.label))
      throw new ApiError(422, '`correct` contradicts `label`', {
        details: [{ path: 'correct', message: 'contradiction' }],
      });
    const label = body.label ?? (correct ? prediction.label : null);
    const principal = c.get('principal');
    try {
      await deps.history.addFeedback(
        body.prediction_id,
        prediction,
        { correct, label },
        principal ? `${principal.kind}:${principal.subject}` : 'anonymous',
      );
    } catch (error) {
      if (error instanceof FeedbackConflictError) throw new ApiError(409, error.message);
      throw error;
    }
    deps.metrics.feedback.inc({
      function: FUNCTION,
      model: `${prediction.model}@${prediction.version}`,
      agreement: correct ? 'agree' : 'disagree',
    });
    return c.json({ prediction_id: body.prediction_id, correct, label, stored: true as const }, 201);
  });

  app.openapi({ ...statsRoute, middleware: [readStats] }, async (c) => {
    const s = await deps.history.feedbackStats();
    return c.json({ total: s.total, agree: s.agree, agreement_rate: s.agreementRate }, 200);
  });

  app.openapi(infoRoute, (c) =>
    c.json(
      {
        model_version: modelVersion,
        labels: [...manifest.labels],
        unknown: {
          label: manifest.unknown.label,
          min_mass: manifest.unknown.minMass,
          min_confidence: manifest.unknown.minConfidence,
        },
        backbone: manifest.backbone.name,
        metrics: deps.card.metrics.map(({ dataset, split, metric, value }) => ({
          dataset,
          split,
          metric,
          value,
        })),
        limits: {
          max_bytes: limits.maxBytes,
          max_pixels: limits.maxPixels,
          batch_max_items: limits.batchMaxItems,
          formats: [...SUPPORTED_FORMATS],
        },
      },
      200,
    ),
  );

  const html = pageHtml({
    labels: manifest.labels,
    unknownLabel: manifest.unknown.label,
    maxBytes: limits.maxBytes,
  });
  const asset = (body: string, type: string) => (c: Context<AppEnv>) =>
    c.body(body, 200, {
      'Content-Type': type,
      'Cache-Control': 'no-cache',
      'Content-Security-Policy': PAGE_CSP,
    });
  app.get('/', asset(html, 'text/html; charset=utf-8'));
  app.get('/app.js', asset(PAGE_JS, 'text/javascript; charset=utf-8'));
  app.get('/app.css', asset(PAGE_CSS, 'text/css; charset=utf-8'));
  app.get('/favicon.svg', asset(FAVICON_SVG, 'image/svg+xml'));
  return app;
}

interface Upload {
  bytes: Uint8Array;
  filename: string | null;
}

/** Reads images from multipart (`field`, up to `max` of them) or from a raw `image/*` body. */
async function readUploads(c: Context<AppEnv>, field: string, max: number): Promise<Upload[]> {
  const type = (c.req.header('content-type') ?? '').toLowerCase();
  if (type.startsWith('image/')) {
    if (field !== 'file')
      throw new ApiError(415, 'send the batch as multipart/form-data with repeated `files` fields');
    return [{ bytes: new Uint8Array(await c.req.arrayBuffer()), filename: null }];
  }
  if (!type.startsWith('multipart/form-data'))
    throw new ApiError(
      415,
      `send multipart/form-data with a \`${field}\` field${field === 'file' ? ', or an image/* body' : ''}`,
    );
  let form: Record<string, unknown>;
  try {
    form = await c.req.parseBody({ all: true });
  } catch {
    throw new ApiError(400, 'the multipart body could not be parsed');
  }
  const value = form[field];
  const files = (Array.isArray(value) ? value : value === undefined ? [] : [value]).filter(
    (v): v is File => v instanceof File,
  );
  const missing = (message: string) =>
    new ApiError(422, message, { details: [{ path: field, message: 'required' }] });
  if (files.length === 0) throw missing(`the \`${field}\` field must hold an image file`);
  if (files.length > max)
    throw new ApiError(
      max === 1 ? 422 : 413,
      `at most ${max} image${max === 1 ? '' : 's'} per request; got ${files.length}`,
      {
        details: [{ path: field, message: 'too many files' }],
      },
    );
  return Promise.all(
    files.map(async (f) => ({ bytes: new Uint8Array(await f.arrayBuffer()), filename: f.name || null })),
  );
}
