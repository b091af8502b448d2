/**
 * The serving side of the loop in the toxicity and hate-speech functions: `GET /drift`, the version
 * header and gauge, promotion and rollback through the admin route, a champion switch without restart.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hateSpeechFunction } from '../../functions/hate-speech/module.js';
import { toxicityFunction } from '../../functions/toxicity/module.js';
import { publishModelFolder } from '../../shared/mlops/artifacts.js';
import type { DriftSummary } from '../../shared/mlops/drift-check.js';
import { ModelVersionStore } from '../../shared/mlops/versions.js';
import { COLLECTIONS } from '../../shared/ports/collections.js';
import type { FetchApp } from '../../shared/runtime/function.js';
import { send } from '../support/http.js';
import { MODELS_DIR, startTestFunction, type TestPlatform } from '../support/platform.js';

const BOOTSTRAP = 'bootstrap-key-from-the-operator-0123456789';
const admin = { 'X-API-Key': BOOTSTRAP };
const MODEL = 'toxicity-en';

/** Publishes the committed toxicity-en 1.0.0 under another version number, as a retrain run would. */
async function registerCopy(t: TestPlatform, version: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-copy-'));
  const from = join(MODELS_DIR, MODEL, '1.0.0');
  for (const file of ['model.onnx', 'card.json'])
    await writeFile(join(dir, file), await readFile(join(from, file)));
  const manifest = JSON.parse(await readFile(join(from, 'manifest.json'), 'utf8'));
  await writeFile(join(dir, 'manifest.json'), JSON.stringify({ ...manifest, version }));
  const artifact = await publishModelFolder(t.platform.blobs, dir, MODEL, version);
  await rm(dir, { recursive: true, force: true });
  await new ModelVersionStore(t.platform.documents).register({
    name: MODEL,
    version,
    stage: 'candidate',
    createdAt: t.platform.clock(),
    artifact,
    trainingData: { base: 'test', baseRows: 0, upload: null, feedbackRows: 0 },
    metrics: { set: { 'rocAuc:toxicity.toxic': 0.9 } },
    primaryMetric: 'rocAuc:toxicity.toxic',
    runKey: `copy-${version}`,
    reportLocation: null,
    promotedAt: null,
    promotedBy: null,
    decision: 'keep champion: test copy',
  });
}

describe('toxicity function: MLOps routes', () => {
  let t: TestPlatform;
  let app: FetchApp;
  let analyst: string;

  beforeAll(async () => {
    ({ t, app } = await startTestFunction(toxicityFunction, {
      VIGIL_BOOTSTRAP_API_KEY: BOOTSTRAP,
      VIGIL_MODEL_POLL_SECONDS: '0',
    }));
    analyst = (
      await t.platform.apiKeys.create({ name: 'analyst', scopes: ['toxicity:analyze'], createdBy: 'test' })
    ).key;
  });
  afterAll(() => t?.cleanup());

  const analyze = () =>
    send(app, '/v1alpha1/comments:analyze', {
      json: {
        comment: { text: 'you are an idiot' },
        requestedAttributes: { TOXICITY: {} },
        languages: ['en'],
      },
      headers: { 'X-API-Key': analyst },
    });

  it('names the served versions on every response, errors included', async () => {
    const ok = await analyze();
    expect(ok.status).toBe(200);
    expect(ok.headers.get('X-Vigil-Model')).toBe('toxicity-en@1.0.0, toxicity-fr@1.0.0, language-id@1.0.0');
    const denied = await send(app, '/drift');
    expect(denied.status).toBe(401);
    expect(denied.headers.get('X-Vigil-Model')).toContain('toxicity-en@1.0.0');
    for (const path of ['/health/ready', '/metrics', '/openapi.json', '/no-such-route'])
      expect((await send(app, path)).headers.get('X-Vigil-Model'), path).toContain('toxicity-en@1.0.0');
  });

  it('GET /drift shows never_checked, then the latest summary', async () => {
    const before = await send<{ drift_detected: boolean; models: { model: string; status: string }[] }>(
      app,
      '/drift',
      { headers: { 'X-API-Key': analyst } },
    );
    expect(before.body).toEqual({
      drift_detected: false,
      models: [
        expect.objectContaining({ model: 'toxicity-en', status: 'never_checked' }),
        expect.objectContaining({ model: 'toxicity-fr', status: 'never_checked' }),
      ],
    });
    const summary: DriftSummary = {
      model: MODEL,
      version: '1.0.0',
      createdAt: t.platform.clock(),
      status: 'warning',
      drifted: true,
      source: 'test',
      rows: 500,
      features: [
        {
          feature: 'score',
          psi: 0.17,
          delta: null,
          ks: { statistic: 0.12, pValue: 0.001 },
          severity: 'warning',
        },
      ],
      reportLocation: 'reports/drift/toxicity-en/x',
    };
    await t.platform.documents.collection<DriftSummary>(COLLECTIONS.driftReports).set(MODEL, summary);
    const after = await send<{
      drift_detected: boolean;
      models: { status: string; rows: number; report: string }[];
    }>(app, '/drift', {
      headers: { 'X-API-Key': analyst },
    });
    expect(after.body.drift_detected).toBe(true);
    expect(after.body.models[0]).toMatchObject({
      status: 'warning',
      rows: 500,
      report: 'reports/drift/toxicity-en/x',
    });
  });

  it('promotes a registered version and rolls back, switching without a restart', async () => {
    await registerCopy(t, '1.0.1');
    const denied = await send(app, `/models/${MODEL}/champion`, {
      method: 'PUT',
      json: { version: '1.0.1' },
      headers: { 'X-API-Key': analyst },
    });
    expect(denied.status).toBe(403);
    const missing = await send(app, `/models/${MODEL}/champion`, {
      method: 'PUT',
      json: { version: '9.9.9' },
      headers: admin,
    });
    expect(missing.status).toBe(404);

    const promoted = await send(app, `/models/${MODEL}/champion`, {
      method: 'PUT',
      json: { version: '1.0.1' },
      headers: admin,
    });
    expect(promoted.body).toEqual({ name: MODEL, previous: '1.0.0', current: '1.0.1' });
    expect((await analyze()).headers.get('X-Vigil-Model')).toContain('toxicity-en@1.0.1');
    const gauge = await t.platform.metrics.registry.getSingleMetricAsString('vigil_model_info');
    expect(gauge).toContain('model="toxicity-en",version="1.0.1"');
    expect(gauge).not.toContain('model="toxicity-en",version="1.0.0"');

    const rollback = await send(app, `/models/${MODEL}/champion`, {
      method: 'PUT',
      json: { version: '1.0.0' },
      headers: admin,
    });
    expect(rollback.body).toEqual({ name: MODEL, previous: '1.0.1', current: '1.0.0' });
    const list = await send<{
      champion: string;
      versions: { version: string; stage: string; onDisk: boolean }[];
    }>(app, `/models/${MODEL}/versions`, { headers: admin });
    expect(list.body.champion).toBe('1.0.0');
    expect(list.body.versions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ version: '1.0.1', stage: 'archived', onDisk: true }),
        expect.objectContaining({ version: '1.0.0', stage: 'champion', onDisk: true }),
      ]),
    );
  });

  it('follows a promotion recorded by another instance on refresh', async () => {
    await new ModelVersionStore(t.platform.documents).promote(MODEL, '1.0.1', 'elsewhere');
    expect((await analyze()).headers.get('X-Vigil-Model')).toContain('toxicity-en@1.0.0');
    const refreshed = await send(app, '/model/refresh', { method: 'POST', headers: admin });
    expect(refreshed.status).toBe(200);
    expect((await analyze()).headers.get('X-Vigil-Model')).toContain('toxicity-en@1.0.1');
  });
});

describe('hate-speech function: MLOps routes', () => {
  let t: TestPlatform;
  let app: FetchApp;

  beforeAll(async () => {
    ({ t, app } = await startTestFunction(hateSpeechFunction, {
      VIGIL_BOOTSTRAP_API_KEY: BOOTSTRAP,
      VIGIL_MODEL_POLL_SECONDS: '0',
      VIGIL_DRIFT_SAMPLE_RATE: '1',
    }));
  });
  afterAll(() => t?.cleanup());

  it('serves GET /drift for its model and the version header', async () => {
    const reply = await send<{ models: { model: string; status: string }[] }>(app, '/drift', {
      headers: admin,
    });
    expect(reply.status).toBe(200);
    expect(reply.body.models).toEqual([
      expect.objectContaining({ model: 'hate-speech', status: 'never_checked' }),
    ]);
    expect(reply.headers.get('X-Vigil-Model')).toBe('hate-speech@1.0.0, language-id@1.0.0');
  });

  it('keeps a text-free sample of its predictions for drift checks', async () => {
    const texts = [
      'Je déteste ces gens, ils sont tous pareils',
      'What a lovely day, write to ana@example.com',
    ];
    for (const text of texts)
      expect((await send(app, '/api/v1/hatecomment/detect', { json: { text }, headers: admin })).status).toBe(
        200,
      );
    // Samples are written after the response: wait for both.
    const query = () =>
      t.platform.documents
        .collection<{
          function: string;
          model: string;
          text: string | null;
          textLength: number;
          redactedKinds: string[];
          scores: Record<string, number>;
        }>(COLLECTIONS.predictions)
        .query({ where: [{ field: 'function', op: '==', value: 'hate-speech' }] });
    let stored = await query();
    for (let tries = 0; stored.length < texts.length && tries < 100; tries++) {
      await new Promise((r) => setTimeout(r, 20));
      stored = await query();
    }
    expect(stored.map((d) => d.data.textLength).sort()).toEqual(texts.map((x) => x.length).sort());
    expect(stored.every((d) => d.data.text === null && d.data.model === 'hate-speech')).toBe(true);
    expect(stored.every((d) => typeof d.data.scores.hateful === 'number')).toBe(true);
    expect(stored.some((d) => d.data.redactedKinds.includes('email'))).toBe(true);
    expect(JSON.stringify(stored)).not.toContain('déteste');
  });

  it('refuses models it does not serve', async () => {
    const reply = await send(app, '/models/toxicity-en/versions', { headers: admin });
    expect(reply.status).toBe(404);
  });
});
