/**
 * MLOps routes every serving function mounts: `GET /drift` (the latest drift summary of its models, as
 * seed 003 has it), `GET /models/{name}/versions` and `PUT /models/{name}/champion` (promotion and
 * rollback, `models:manage`).
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../http/context.js';
import { ApiError } from '../http/errors.js';
import { errorResponses, SECURED } from '../http/schemas.js';
import type { DocumentStore } from '../ports/documents.js';
import { latestDrift } from './drift-check.js';
import type { ServingModels } from './serving.js';
import { VersionNotFoundError } from './versions.js';

export interface MlopsRouteDeps {
  models: ServingModels;
  documents: DocumentStore;
  /** The models this function serves (the only ones its routes accept). */
  names: readonly string[];
  /** Models `GET /drift` reports on; default `names`. */
  driftNames?: readonly string[];
  /** Guard of `GET /drift` (the function's read scope). */
  read: MiddlewareHandler<AppEnv>;
  /** Guard of the registry routes (`models:manage`). */
  manage: MiddlewareHandler<AppEnv>;
}

const Feature = z.object({
  feature: z.string(),
  psi: z.number().nullable(),
  delta: z.number().nullable(),
  ks: z.object({ statistic: z.number(), pValue: z.number() }).nullable(),
  severity: z.string(),
});

export const DriftResponse = z
  .object({
    drift_detected: z.boolean().openapi({ description: 'true when any model’s latest check found drift' }),
    models: z.array(
      z.object({
        model: z.string(),
        version: z.string().nullable(),
        status: z.string().openapi({
          example: 'none',
          description: 'none | warning | alert | insufficient_data | no_baseline | never_checked',
        }),
        drifted: z.boolean(),
        checkedAt: z.string().nullable(),
        rows: z.number(),
        source: z.string().nullable(),
        features: z.array(Feature),
        report: z
          .string()
          .nullable()
          .openapi({ description: 'blob prefix of report.json / report.md / charts' }),
      }),
    ),
  })
  .openapi('DriftStatus');

const VersionRecord = z.object({
  version: z.string(),
  stage: z.string(),
  createdAt: z.string().nullable(),
  promotedBy: z.string().nullable(),
  decision: z.string().nullable(),
  metrics: z.record(z.string(), z.record(z.string(), z.number())),
  onDisk: z.boolean(),
});

export const VersionList = z
  .object({ name: z.string(), champion: z.string(), versions: z.array(VersionRecord) })
  .openapi('ModelVersions');

const NameParam = z.object({
  name: z
    .string()
    .regex(/^[a-z0-9-]{1,64}$/)
    .openapi({ param: { name: 'name', in: 'path' }, example: 'toxicity-en' }),
});
export const PromoteRequest = z
  .object({
    version: z
      .string()
      .regex(/^\d+\.\d+\.\d+$/)
      .openapi({ example: '1.0.0' }),
  })
  .openapi('PromoteRequest');
export const PromoteResponse = z
  .object({ name: z.string(), previous: z.string().nullable(), current: z.string() })
  .openapi('PromoteResponse');

const driftRoute = createRoute({
  method: 'get',
  path: '/drift',
  tags: ['MLOps'],
  summary: 'Latest drift check of the models behind this function',
  security: SECURED,
  responses: {
    200: { description: 'Drift status', content: { 'application/json': { schema: DriftResponse } } },
    ...errorResponses(401, 403, 429),
  },
});

const versionsRoute = createRoute({
  method: 'get',
  path: '/models/{name}/versions',
  tags: ['MLOps'],
  summary: 'Registered versions of a model: stage, metrics per evaluation set, who promoted it',
  security: SECURED,
  request: { params: NameParam },
  responses: {
    200: { description: 'Versions', content: { 'application/json': { schema: VersionList } } },
    ...errorResponses(401, 403, 404, 429),
  },
});

const promoteRoute = createRoute({
  method: 'put',
  path: '/models/{name}/champion',
  tags: ['MLOps'],
  summary:
    'Make a version the champion (promotion or rollback); this instance switches at once, others on their next poll',
  security: SECURED,
  request: {
    params: NameParam,
    body: { required: true, content: { 'application/json': { schema: PromoteRequest } } },
  },
  responses: {
    200: {
      description: 'Previous and current champion',
      content: { 'application/json': { schema: PromoteResponse } },
    },
    ...errorResponses(400, 401, 403, 404, 429),
  },
});

export function registerMlopsRoutes(app: OpenAPIHono<AppEnv>, deps: MlopsRouteDeps): void {
  const known = (name: string) => {
    if (!deps.names.includes(name))
      throw new ApiError(404, `this function does not serve a model named ${JSON.stringify(name)}`);
  };

  app.openapi({ ...driftRoute, middleware: [deps.read] }, async (c) => {
    const models = [];
    for (const name of deps.driftNames ?? deps.names) {
      const s = await latestDrift(deps.documents, name);
      models.push({
        model: name,
        version: s?.version ?? null,
        status: s?.status ?? 'never_checked',
        drifted: s?.drifted ?? false,
        checkedAt: s ? new Date(s.createdAt).toISOString() : null,
        rows: s?.rows ?? 0,
        source: s?.source ?? null,
        features: s?.features ?? [],
        report: s?.reportLocation ?? null,
      });
    }
    return c.json({ drift_detected: models.some((m) => m.drifted), models }, 200);
  });

  app.openapi({ ...versionsRoute, middleware: [deps.manage] }, async (c) => {
    const { name } = c.req.valid('param');
    known(name);
    const onDisk = (await deps.models.registry.versions(name)).map((v) => v.version);
    const records = await deps.models.versions.list(name);
    const champion = await deps.models.registry.championVersion(name);
    const listed: z.infer<typeof VersionRecord>[] = records.map((r) => ({
      version: r.version,
      stage: r.version === champion ? 'champion' : r.stage,
      createdAt: new Date(r.createdAt).toISOString(),
      promotedBy: r.promotedBy,
      decision: r.decision,
      metrics: r.metrics,
      onDisk: onDisk.includes(r.version),
    }));
    for (const version of onDisk.filter((v) => !records.some((r) => r.version === v)))
      listed.push({
        version,
        stage: version === champion ? 'champion' : 'archived',
        createdAt: null,
        promotedBy: null,
        decision: null,
        metrics: {},
        onDisk: true,
      });
    return c.json({ name, champion, versions: listed }, 200);
  });

  app.openapi({ ...promoteRoute, middleware: [deps.manage] }, async (c) => {
    const { name } = c.req.valid('param');
    const { version } = c.req.valid('json');
    known(name);
    const principal = c.get('principal');
    const by = principal ? `${principal.kind}:${principal.subject}` : 'anonymous';
    const onDisk = (await deps.models.registry.versions(name)).map((v) => v.version);
    try {
      await deps.models.versions.promote(name, version, by, onDisk);
    } catch (error) {
      if (error instanceof VersionNotFoundError) throw new ApiError(404, `${name} has no version ${version}`);
      throw error;
    }
    const result = await deps.models.registry.refresh(name);
    c.get('logger').info('champion set', {
      model: name,
      previous: result.previous,
      current: result.current,
      by,
    });
    return c.json({ name, previous: result.previous, current: result.current }, 200);
  });
}
