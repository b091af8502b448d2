/**
 * The toxicity function: a Perspective-API-compatible endpoint, seed 000's API (`/token`, `/predict`,
 * `/model/*`), batch scoring, prediction history and GDPR erasure.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import type { Principal } from '../../shared/auth/scopes.js';
import { createHttpApp, type HttpAppOptions } from '../../shared/http/app.js';
import type { AppEnv } from '../../shared/http/context.js';
import { ApiError } from '../../shared/http/errors.js';
import { type Metrics, recordPrediction } from '../../shared/http/metrics.js';
import { errorResponses, SECURED } from '../../shared/http/schemas.js';
import { registerMlopsRoutes } from '../../shared/mlops/routes.js';
import type { ServingModels } from '../../shared/mlops/serving.js';
import type { DocumentStore } from '../../shared/ports/documents.js';
import { decide } from '../../shared/text/classifier.js';
import { type ModelCard, parseCard } from '../../shared/text/manifest.js';
import type { TextModelRegistry } from '../../shared/text/registry.js';
import { type PasswordGrantDeps, registerPasswordGrant } from '../auth/app.js';
import type { PredictionHistory } from './history.js';
import {
  AnalyzeCommentRequest,
  AnalyzeCommentResponse,
  BatchAnalyzeRequest,
  BatchAnalyzeResponse,
  ErasureParams,
  ErasureResponse,
  LANGUAGE_ATTRIBUTES,
  ModelInfo,
  PerspectiveError,
  PredictionList,
  PredictionsQuery,
  PredictRequest,
  PredictResponse,
  RefreshResponse,
  SuggestCommentScoreRequest,
  SuggestCommentScoreResponse,
} from './schemas.js';
import { LANGUAGE_MODEL, PerspectiveApiError, ToxicityScoring, toxicityModel } from './scoring.js';

export interface ToxicityDeps {
  http: Omit<HttpAppOptions, 'title' | 'version' | 'description'>;
  guard: (scopes: readonly string[]) => MiddlewareHandler<AppEnv>;
  registry: TextModelRegistry;
  history: PredictionHistory;
  metrics: Metrics;
  limits: { maxChars: number; batchMaxItems: number };
  /** Seed 000 served `POST /token` itself; absent when the deployment leaves tokens to `auth`. */
  passwordGrant?: PasswordGrantDeps;
  /** The MLOps loop: `GET /drift`, version records, promotion/rollback, the `X-Vigil-Model` header. */
  mlops?: { models: ServingModels; documents: DocumentStore };
}

export const VERSION = '1.0.0';
const FUNCTION = 'toxicity';

const perspectiveErrors = {
  400: { description: 'Invalid request', content: { 'application/json': { schema: PerspectiveError } } },
  401: {
    description: 'Missing or invalid credentials',
    content: { 'application/json': { schema: PerspectiveError } },
  },
  403: { description: 'Missing scope', content: { 'application/json': { schema: PerspectiveError } } },
  429: { description: 'Rate limited', content: { 'application/json': { schema: PerspectiveError } } },
};

const analyzeRoute = createRoute({
  method: 'post',
  path: '/v1alpha1/comments:analyze',
  tags: ['Perspective API'],
  summary: 'Score a comment (Perspective-compatible)',
  description: [
    'Field-for-field compatible with `commentanalyzer.googleapis.com/v1alpha1/comments:analyze`.',
    'Attributes and the model label behind each: TOXICITY→toxic, SEVERE_TOXICITY→severe_toxic,',
    'IDENTITY_ATTACK→identity_hate, INSULT→insult, PROFANITY→obscene, THREAT→threat.',
    'Languages: **en** supports all six; **fr** supports TOXICITY only. Other pairs answer 400',
    'with `LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE`, as Perspective does. `comment.text` is limited to',
    '20,000 characters. Span offsets are UTF-16 code units, end exclusive (as Perspective).',
  ].join(' '),
  security: SECURED,
  request: { body: { required: true, content: { 'application/json': { schema: AnalyzeCommentRequest } } } },
  responses: {
    200: { description: 'Scores', content: { 'application/json': { schema: AnalyzeCommentResponse } } },
    ...perspectiveErrors,
  },
});

const suggestRoute = createRoute({
  method: 'post',
  path: '/v1alpha1/comments:suggestscore',
  tags: ['Perspective API'],
  summary: 'Suggest the right scores for a comment (stored as labelled feedback for retraining)',
  security: SECURED,
  request: {
    body: { required: true, content: { 'application/json': { schema: SuggestCommentScoreRequest } } },
  },
  responses: {
    200: { description: 'Stored', content: { 'application/json': { schema: SuggestCommentScoreResponse } } },
    ...perspectiveErrors,
  },
});

const batchRoute = createRoute({
  method: 'post',
  path: '/v1/comments:batchAnalyze',
  tags: ['vigil API'],
  summary: 'Score up to 100 comments in one call; each result stands alone',
  description:
    'Each item is an AnalyzeCommentRequest; a bad item gets its own error and the others are scored.',
  security: SECURED,
  request: { body: { required: true, content: { 'application/json': { schema: BatchAnalyzeRequest } } } },
  responses: {
    200: {
      description: 'One result per request, in order',
      content: { 'application/json': { schema: BatchAnalyzeResponse } },
    },
    ...perspectiveErrors,
  },
});

const predictRoute = createRoute({
  method: 'post',
  path: '/predict',
  tags: ['seed 000 API'],
  summary: 'Score a comment (seed 000): is_toxic and a 0–100 score',
  security: SECURED,
  request: { body: { required: true, content: { 'application/json': { schema: PredictRequest } } } },
  responses: {
    200: { description: 'The verdict', content: { 'application/json': { schema: PredictResponse } } },
    ...errorResponses(400, 401, 403, 413, 415, 429),
  },
});

const modelInfoRoute = createRoute({
  method: 'get',
  path: '/model/info',
  tags: ['seed 000 API'],
  summary: 'The serving model: name, version, thresholds and metrics from its card',
  security: SECURED,
  responses: {
    200: { description: 'Model information', content: { 'application/json': { schema: ModelInfo } } },
    ...errorResponses(401, 403, 429),
  },
});

const refreshRoute = createRoute({
  method: 'post',
  path: '/model/refresh',
  tags: ['seed 000 API'],
  summary: 'Reload the champion models from the registry without a restart (admin)',
  security: SECURED,
  responses: {
    200: {
      description: 'Previous and current versions',
      content: { 'application/json': { schema: RefreshResponse } },
    },
    ...errorResponses(401, 403, 429, 503),
  },
});

const predictionsRoute = createRoute({
  method: 'get',
  path: '/v1/predictions',
  tags: ['history and privacy'],
  summary: "A client token's stored predictions (yours only, unless admin); expired ones are never returned",
  security: SECURED,
  request: { query: PredictionsQuery },
  responses: {
    200: { description: 'Newest first', content: { 'application/json': { schema: PredictionList } } },
    ...errorResponses(400, 401, 403, 429),
  },
});

const erasureRoute = createRoute({
  method: 'delete',
  path: '/v1/data-subjects/{clientToken}',
  tags: ['history and privacy'],
  summary: 'GDPR erasure: delete every stored prediction and feedback of a client token (admin)',
  security: SECURED,
  request: { params: ErasureParams },
  responses: {
    200: { description: 'What was deleted', content: { 'application/json': { schema: ErasureResponse } } },
    ...errorResponses(400, 401, 403, 429),
  },
});

/**
 * @example
 *   const app = createApp({ http, guard, registry, history, metrics, limits });
 *   await app.request('/v1alpha1/comments:analyze?key=…', { method: 'POST', body: JSON.stringify(req) });
 */
export function createApp(deps: ToxicityDeps): OpenAPIHono<AppEnv> {
  const app = createHttpApp({
    ...deps.http,
    title: 'vigil toxicity',
    version: VERSION,
    description:
      'Toxicity scoring. A drop-in for the Perspective API (change only the base URL), seed 000’s `/predict` API, batch scoring, prediction history and erasure.',
  });
  const scoring = new ToxicityScoring(deps.registry, { maxChars: deps.limits.maxChars });
  const analyze = deps.guard(['toxicity:analyze']);
  const admin = deps.guard(['admin']);
  if (deps.mlops)
    registerMlopsRoutes(app, {
      ...deps.mlops,
      names: [toxicityModel('en'), toxicityModel('fr'), LANGUAGE_MODEL],
      driftNames: [toxicityModel('en'), toxicityModel('fr')],
      read: analyze,
      manage: deps.guard(['models:manage']),
    });

  // Before the routes, so it wraps their guards and validators too.
  app.use('/v1alpha1/*', perspectiveErrorShape);
  app.use('/v1/comments:batchAnalyze', perspectiveErrorShape);

  app.openapi({ ...analyzeRoute, middleware: [analyze] }, async (c) => {
    const started = performance.now();
    const outcome = await scoring.analyze(c.req.valid('json'));
    await record(c, outcome, c.req.valid('json'), started);
    return c.json(outcome.response, 200);
  });

  app.openapi({ ...suggestRoute, middleware: [analyze] }, async (c) => {
    const body = c.req.valid('json');
    scoring.checkText(body.comment.text);
    const suggested = Object.fromEntries(
      Object.entries(body.attributeScores).map(([k, v]) => [k, v.summaryScore.value]),
    );
    const requested = body.languages?.map((l) => l.toLowerCase().split(/[-_]/)[0] as string);
    const language =
      requested?.find((l) => Object.hasOwn(LANGUAGE_ATTRIBUTES, l)) ??
      (await scoring.detectLanguage(body.comment.text));
    await deps.history.recordFeedback({
      text: body.comment.text,
      language,
      suggested,
      clientToken: body.clientToken,
      communityId: body.communityId,
      requestedBy: principalId(c.get('principal')),
    });
    return c.json(
      {
        ...(body.languages ? { requestedLanguages: body.languages } : { detectedLanguages: [language] }),
        ...(body.clientToken !== undefined ? { clientToken: body.clientToken } : {}),
      },
      200,
    );
  });

  app.openapi({ ...batchRoute, middleware: [analyze] }, async (c) => {
    const { requests } = c.req.valid('json');
    if (requests.length > deps.limits.batchMaxItems) {
      throw new PerspectiveApiError(
        `At most ${deps.limits.batchMaxItems} requests per batch; got ${requests.length}.`,
      );
    }
    const results = [];
    for (const [index, item] of requests.entries()) {
      const started = performance.now();
      try {
        const parsed = AnalyzeCommentRequest.safeParse(item);
        if (!parsed.success) {
          const fields = parsed.error.issues.map((i) => i.path.join('.') || '(root)').join(', ');
          throw new PerspectiveApiError(`Invalid request: ${fields}.`);
        }
        const outcome = await scoring.analyze(parsed.data);
        await record(c, outcome, parsed.data, started);
        results.push({ index, response: outcome.response });
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        results.push({ index, error: perspectiveBody(error, c.get('requestId')).error });
      }
    }
    return c.json({ results }, 200);
  });

  if (deps.passwordGrant) registerPasswordGrant(app, deps.passwordGrant);

  app.openapi({ ...predictRoute, middleware: [analyze] }, async (c) => {
    const started = performance.now();
    const { text } = c.req.valid('json');
    if (text.trim() === '') throw new ApiError(400, 'text must not be empty');
    if (text.length > deps.limits.maxChars)
      throw new ApiError(400, `text is limited to ${deps.limits.maxChars} characters`);
    const { language } = await scoring.resolveLanguage(text, undefined);
    if (language !== 'en' && language !== 'fr')
      throw new ApiError(400, 'only English and French comments are scored');
    const classifier = await scoring.classifier(language);
    const head = classifier.manifest.heads[0]!;
    const [scores] = await classifier.score([text]);
    const probability = scores?.[head.name]?.toxic as number;
    const isToxic = decide(head, scores?.[head.name] ?? {}).includes('toxic');
    const outcome = {
      model: classifier.manifest.name,
      version: classifier.manifest.version,
      language,
      scores: { TOXICITY: probability },
      response: { attributeScores: {}, languages: [language] },
    };
    const stored = await record(c, outcome, { comment: { text } }, started);
    return c.json(
      { text: stored.redactedText(), is_toxic: isToxic, score: Math.round(probability * 100) },
      200,
    );
  });

  app.openapi({ ...modelInfoRoute, middleware: [analyze] }, async (c) => {
    const en = await deps.registry.classifier(toxicityModel('en'));
    const fr = await deps.registry.classifier(toxicityModel('fr'));
    const head = en.manifest.heads[0]!;
    const card = await readCard(deps.registry, en.manifest.name, en.manifest.version);
    return c.json(
      {
        model_name: en.manifest.name,
        version: en.manifest.version,
        languages: [...en.manifest.languages, ...fr.manifest.languages],
        labels: [...head.labels],
        thresholds: { ...head.thresholds },
        trained_at: en.manifest.createdAt,
        metrics: card.metrics.filter((m) => m.split === 'test' || m.split === 'official_test_toxic_only'),
        models: [en, fr].map((m) => ({
          name: m.manifest.name,
          version: m.manifest.version,
          languages: m.manifest.languages,
        })),
      },
      200,
    );
  });

  app.openapi({ ...refreshRoute, middleware: [admin] }, async (c) => {
    const models = [];
    for (const name of [toxicityModel('en'), toxicityModel('fr'), LANGUAGE_MODEL]) {
      models.push(await deps.registry.refresh(name));
    }
    c.get('logger').info('models refreshed', {
      models: models.map((m) => `${m.name}@${m.current}`).join(','),
    });
    return c.json({ models }, 200);
  });

  app.openapi({ ...predictionsRoute, middleware: [analyze] }, async (c) => {
    const { clientToken, limit } = c.req.valid('query');
    const principal = c.get('principal');
    const docs = await deps.history.list(clientToken, {
      requestedBy: principalId(principal),
      anyCaller: principal.scopes.has('admin'),
      limit,
    });
    return c.json(
      {
        predictions: docs.map(({ id, data }) => ({
          id,
          createdAt: data.createdAt.toISOString(),
          expiresAt: data.expiresAt.toISOString(),
          model: data.model,
          version: data.version,
          language: data.language,
          scores: data.scores,
          text: data.text,
          communityId: data.communityId,
        })),
      },
      200,
    );
  });

  app.openapi({ ...erasureRoute, middleware: [admin] }, async (c) => {
    const { clientToken } = c.req.valid('param');
    const deleted = await deps.history.erase(clientToken);
    c.get('logger').info('data subject erased', {
      predictions: deleted.predictions,
      feedback: deleted.feedback,
    });
    return c.json({ clientToken, deleted }, 200);
  });

  /** Writes history (unless doNotStore) and prediction metrics for one scored comment. */
  async function record(
    c: Context<AppEnv>,
    outcome: { model: string; version: string; language: string; scores: Record<string, number> },
    request: {
      comment: { text: string };
      doNotStore?: boolean | undefined;
      clientToken?: string | undefined;
      communityId?: string | undefined;
    },
    started: number,
  ): Promise<{ redactedText: () => string }> {
    const stored = await deps.history.record({
      text: request.comment.text,
      doNotStore: request.doNotStore ?? false,
      model: outcome.model,
      version: outcome.version,
      language: outcome.language,
      scores: outcome.scores,
      clientToken: request.clientToken,
      communityId: request.communityId,
      requestedBy: principalId(c.get('principal')),
    });
    const toxicity = outcome.scores.TOXICITY ?? Math.max(0, ...Object.values(outcome.scores));
    recordPrediction(deps.metrics, FUNCTION, {
      model: `${outcome.model}@${outcome.version}`,
      label: toxicity >= 0.5 ? 'toxic' : 'not_toxic',
      confidence: toxicity >= 0.5 ? toxicity : 1 - toxicity,
      durationSeconds: (performance.now() - started) / 1000,
    });
    return { redactedText: stored.redactedText };
  }

  return app;
}

async function readCard(registry: TextModelRegistry, name: string, version: string): Promise<ModelCard> {
  const info = (await registry.versions(name)).find((v) => v.version === version);
  if (!info) throw new ApiError(503, `model ${name}@${version} is no longer on disk`);
  const file = path.join(info.dir, 'card.json');
  return parseCard(JSON.parse(await readFile(file, 'utf8')), file);
}

function principalId(principal: Principal): string {
  return `${principal.kind}:${principal.subject}`;
}

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  405: 'UNIMPLEMENTED',
  413: 'INVALID_ARGUMENT',
  415: 'INVALID_ARGUMENT',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

function perspectiveBody(error: ApiError, requestId: string) {
  return {
    error: {
      code: error.status as number,
      message: error.message,
      status: STATUS_NAMES[error.status] ?? 'UNKNOWN',
      ...(error instanceof PerspectiveApiError && error.perspectiveDetails.length > 0
        ? { details: error.perspectiveDetails }
        : {}),
      requestId,
    },
  };
}

/**
 * Perspective clients read `error.code` as the HTTP status and `error.status` as the gRPC name:
 * rewrite vigil's envelope into that shape on the Perspective routes, whatever produced it.
 */
const perspectiveErrorShape: MiddlewareHandler<AppEnv> = async function perspectiveErrorShape(c, next) {
  await next();
  if (c.res.status < 400) return;
  const body = (await c.res
    .clone()
    .json()
    .catch(() => null)) as { error?: { code?: unknown; message?: string } } | null;
  if (!body?.error || typeof body.error.code !== 'string') return;
  const status = c.res.status;
  const error =
    c.error instanceof ApiError
      ? c.error
      : new ApiError(status as 400, status >= 500 ? 'internal error' : (body.error.message ?? 'error'));
  const headers = new Headers(c.res.headers);
  c.res = new Response(JSON.stringify(perspectiveBody(error, c.get('requestId'))), { status, headers });
};
