/**
 * The MLOps loop end to end through the real Functions Framework (`getTestServer`), with CloudEvents in
 * structured and binary mode, Firestore and Pub/Sub on the emulators and the blobs store in a folder:
 * upload → validation → retrain request → candidate → promotion; bad files, duplicates, a worse
 * candidate, and drift checks on an unshifted and a shifted sample.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import {
  pubsubPublishedEvent,
  STORAGE_FINALIZED,
  storageFinalizedEvent,
  TOPICS,
} from '../../shared/mlops/cloud-events.js';
import type { DriftSummary } from '../../shared/mlops/drift-check.js';
import { createServingModels } from '../../shared/mlops/serving.js';
import { ModelVersionStore } from '../../shared/mlops/versions.js';
import { COLLECTIONS } from '../../shared/ports/collections.js';
import type { EventMessage } from '../../shared/ports/events.js';
import { loadPlatformConfig } from '../../shared/runtime/config.js';
import type { VigilCloudEvent } from '../../shared/runtime/function.js';
import { createPlatform, type Platform } from '../../shared/runtime/platform.js';
import { EMULATOR_PROJECT } from '../support/emulators.js';
import { type Row, splits, toCsv, writeWeakChampion } from './fixtures.js';

const firestoreHost = inject('firestoreEmulatorHost');
const pubsubHost = inject('pubsubEmulatorHost');
const MODEL = 'toxicity-en';

describe.skipIf(!firestoreHost || !pubsubHost)('MLOps loop through the Functions Framework', () => {
  let dir: string;
  let platform: Platform;
  let versions: ModelVersionStore;
  const servers: Record<string, { base: string; server: Server }> = {};
  const requests: EventMessage[] = [];
  const logLines: Record<string, unknown>[] = [];
  const data = splits();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigil-mlops-'));
    await writeWeakChampion(join(dir, 'models'));
    const env: Record<string, string> = {
      VIGIL_ENV: 'local',
      VIGIL_DATA_DIR: join(dir, 'data'),
      VIGIL_MODELS_DIR: join(dir, 'models'),
      VIGIL_DOCUMENTS: 'firestore',
      VIGIL_FIRESTORE_PREFIX: `mlops_${randomUUID().slice(0, 8)}_`,
      VIGIL_EVENTS: 'pubsub',
      GOOGLE_CLOUD_PROJECT: EMULATOR_PROJECT,
      FIRESTORE_EMULATOR_HOST: firestoreHost,
      PUBSUB_EMULATOR_HOST: pubsubHost,
      VIGIL_JWT_SECRET: 'test-secret-that-is-at-least-32-characters-long',
      VIGIL_TRAINING_DATA: 'blobs',
      VIGIL_MODEL_POLL_SECONDS: '0',
      VIGIL_DRIFT_MIN_SAMPLES: '50',
      VIGIL_LOG_LEVEL: 'WARNING',
    };
    Object.assign(process.env, env);
    platform = await createPlatform(loadPlatformConfig(env));
    versions = new ModelVersionStore(platform.documents);
    await platform.blobs.put(`training/base/${MODEL}/base.csv`, toCsv(data.base));
    await platform.blobs.put(`training/eval/${MODEL}/eval.csv`, toCsv(data.evaluation));
    await platform.events.subscribe(TOPICS.retrainRequests, `test-${randomUUID().slice(0, 8)}`, async (m) => {
      requests.push(m);
    });

    // The functions' alert entries are Cloud Logging JSON lines on stdout.
    const write = process.stdout.write.bind(process.stdout);
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
      for (const line of String(chunk).split('\n')) {
        if (line.startsWith('{')) {
          try {
            logLines.push(JSON.parse(line) as Record<string, unknown>);
          } catch {}
        }
      }
      return (write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
    });

    await import('../../functions/on-dataset-upload/index.js');
    await import('../../functions/retrain/index.js');
    await import('../../functions/drift-check/index.js');
    const { getTestServer } = await import('@google-cloud/functions-framework/testing');
    for (const name of ['on-dataset-upload', 'retrain', 'drift-check']) {
      const server = getTestServer(name);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      servers[name] = { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
    }
  }, 120_000);

  afterAll(async () => {
    vi.restoreAllMocks();
    for (const { server } of Object.values(servers)) await new Promise((resolve) => server.close(resolve));
    await platform?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Structured mode: the whole event is the JSON body. */
  async function structured(fn: string, event: VigilCloudEvent): Promise<number> {
    const res = await fetch(servers[fn]!.base, {
      method: 'POST',
      headers: { 'Content-Type': 'application/cloudevents+json' },
      body: JSON.stringify({ specversion: '1.0', datacontenttype: 'application/json', ...event }),
    });
    return res.status;
  }

  /** Binary mode: attributes in ce-* headers, the data as the body. */
  async function binary(fn: string, event: VigilCloudEvent): Promise<number> {
    const res = await fetch(servers[fn]!.base, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'ce-specversion': '1.0',
        'ce-id': event.id,
        'ce-source': event.source,
        'ce-type': event.type,
        ...(event.subject ? { 'ce-subject': event.subject } : {}),
        ...(event.time ? { 'ce-time': event.time } : {}),
      },
      body: JSON.stringify(event.data),
    });
    return res.status;
  }

  async function upload(name: string, body: Buffer) {
    const info = await platform.blobs.put(name, body, { contentType: 'text/csv' });
    return storageFinalizedEvent('vigil-datasets', info);
  }

  async function nextRequest(count: number): Promise<EventMessage> {
    const deadline = Date.now() + 20_000;
    while (requests.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(requests.length).toBeGreaterThanOrEqual(count);
    return requests[count - 1]!;
  }

  const retrainEvent = (m: EventMessage) => pubsubPublishedEvent(TOPICS.retrainRequests, m, EMULATOR_PROJECT);

  it('turns a good upload into a retrain request, a candidate and a promotion', async () => {
    const event = await upload(`datasets/${MODEL}/good.csv`, toCsv(data.upload));
    expect(await structured('on-dataset-upload', event)).toBe(204);
    const message = await nextRequest(1);
    expect(message.data).toMatchObject({ model: MODEL, upload: { name: `datasets/${MODEL}/good.csv` } });
    const report = JSON.parse(
      (await platform.blobs.get(`datasets/${MODEL}/good.csv.validation.json`))!.data.toString(),
    );
    expect(report).toMatchObject({ ok: true, retrainRequested: message.id });

    expect(await binary('retrain', retrainEvent(message))).toBe(204);
    const record = await versions.get(MODEL, '1.0.1');
    expect(record).toMatchObject({ stage: 'champion', promotedBy: expect.stringMatching(/^retrain:/) });
    expect(record!.trainingData).toMatchObject({
      baseRows: data.base.length,
      upload: { rows: data.upload.length },
    });
    expect(record!.artifact.files['model.onnx']).toBe(record!.artifact.sha256);
    expect(Object.keys(record!.artifact.files).sort()).toEqual([
      'baseline.json',
      'card.json',
      'manifest.json',
      'model.onnx',
    ]);
    expect((await versions.champion(MODEL))?.champion).toBe('1.0.1');
    const md = await platform.blobs.get(`${record!.reportLocation}/report.md`);
    expect(md!.data.toString()).toContain('**promoted**');
    expect(await platform.blobs.head(`${record!.reportLocation}/roc-0.svg`)).not.toBeNull();

    // A serving instance picks up the new champion without a restart, fetched and checksum-verified.
    const serving = await createServingModels(platform, 'toxicity', [MODEL], { poll: false });
    expect(serving.served()).toBe(`${MODEL}@1.0.1`);
    const [scores] = await (await serving.registry.classifier(MODEL)).score(['you are a worthless moron']);
    expect(scores?.toxicity?.toxic).toBeGreaterThan(0.5);
    const metrics = await platform.metrics.registry.getSingleMetricAsString('vigil_model_info');
    expect(metrics).toContain(`model="${MODEL}",version="1.0.1"`);
    await serving.registry.close();
  });

  it('registers one version when the retrain message is delivered again', async () => {
    const message = requests[0]!;
    expect(await binary('retrain', retrainEvent(message))).toBe(204);
    expect(await structured('retrain', retrainEvent(message))).toBe(204);
    expect((await versions.list(MODEL)).map((r) => r.version)).toEqual(['1.0.1']);
  });

  it('writes a report beside a bad file, ignores duplicates and foreign objects, and requests no retrain', async () => {
    const bad = await upload(`datasets/${MODEL}/bad.csv`, toCsv(data.upload, 'no-label'));
    expect(await binary('on-dataset-upload', bad)).toBe(204);
    const report = JSON.parse(
      (await platform.blobs.get(`datasets/${MODEL}/bad.csv.validation.json`))!.data.toString(),
    );
    expect(report).toMatchObject({ ok: false, retrainRequested: null });
    expect(report.problems.map((p: { check: string }) => p.check)).toContain('schema');

    // The good upload's event again (same generation) and an object outside datasets/.
    const again = {
      ...(await storageFinalizedEvent(
        'vigil-datasets',
        (await platform.blobs.head(`datasets/${MODEL}/good.csv`))!,
      )),
    };
    expect(await structured('on-dataset-upload', again)).toBe(204);
    const elsewhere = await upload('reports/whatever.csv', toCsv(data.upload));
    expect(await structured('on-dataset-upload', { ...elsewhere, type: STORAGE_FINALIZED })).toBe(204);
    expect(await platform.blobs.head('reports/whatever.csv.validation.json')).toBeNull();

    // Pub/Sub needs a moment to deliver anything that was (wrongly) published.
    await new Promise((r) => setTimeout(r, 1500));
    expect(requests).toHaveLength(1);
  });

  it('registers a worse candidate without promoting it', async () => {
    // The good upload's rows with every label flipped: the candidate learns mostly the wrong way round.
    const flipped: Row[] = data.upload.map((r) => ({ ...r, toxic: r.toxic === 1 ? 0 : 1 }));
    const event = await upload(`datasets/${MODEL}/flipped.csv`, toCsv(flipped));
    expect(await structured('on-dataset-upload', event)).toBe(204);
    expect(await binary('retrain', retrainEvent(await nextRequest(2)))).toBe(204);
    const record = await versions.get(MODEL, '1.0.2');
    expect(record).toMatchObject({ stage: 'candidate', promotedBy: null });
    expect(record!.decision).toMatch(/^keep champion/);
    expect((await versions.champion(MODEL))?.champion).toBe('1.0.1');
  });

  it('finds no drift in predictions like the training data, and alerts on a shifted batch', async () => {
    const serving = await createServingModels(platform, 'toxicity', [MODEL], { poll: false });
    const classifier = await serving.registry.classifier(MODEL);
    const texts = [...data.base, ...data.upload].map((r) => r.text);
    const scores = await classifier.score(texts);
    const predictions = platform.documents.collection(COLLECTIONS.predictions);
    const now = Date.now();
    for (const [i, text] of texts.entries()) {
      await predictions.set(randomUUID(), {
        function: 'toxicity',
        model: MODEL,
        version: '1.0.1',
        createdAt: new Date(now - 60_000 + i),
        expiresAt: new Date(now + 86_400_000),
        language: 'en',
        scores: { TOXICITY: scores[i]!.toxicity!.toxic },
        text,
        redactedKinds: [],
      });
    }
    await serving.registry.close();
    const before = logLines.length;
    const scheduled = pubsubPublishedEvent(
      TOPICS.driftChecks,
      { id: randomUUID(), data: { models: [MODEL] } },
      EMULATOR_PROJECT,
    );
    expect(await structured('drift-check', scheduled)).toBe(204);
    const calm = (await platform.documents.collection<DriftSummary>(COLLECTIONS.driftReports).get(MODEL))!;
    expect(calm).toMatchObject({ status: 'none', drifted: false, rows: texts.length, version: '1.0.1' });
    expect(logLines.slice(before).some((l) => l.alert === 'model-drift')).toBe(false);

    // Long, insulting, French-labelled texts with e-mail addresses: every feature moves.
    const shifted = Array.from({ length: 120 }, (_, i) => {
      const insult = data.rest.filter((r) => r.toxic === 1)[i % 96]!.text;
      return `"${insult}, ${insult}, write to troll${i}@example.com ${'and again '.repeat(30)}",fr`;
    });
    const batch = await upload(`drift/${MODEL}/batch.csv`, Buffer.from(`text,lang\n${shifted.join('\n')}\n`));
    expect(await binary('drift-check', batch)).toBe(204);
    const drifted = (await platform.documents.collection<DriftSummary>(COLLECTIONS.driftReports).get(MODEL))!;
    expect(drifted).toMatchObject({ status: 'alert', drifted: true, rows: 120 });
    expect(drifted.features.find((f) => f.feature === 'score')?.severity).toBe('alert');
    const alert = logLines.slice(before).find((l) => l.alert === 'model-drift');
    expect(alert).toMatchObject({ severity: 'ERROR', model: MODEL, status: 'alert' });
    const report = await platform.blobs.get(`${drifted.reportLocation}/report.md`);
    expect(report!.data.toString()).toContain('drift (alert)');
    expect(await platform.blobs.head(`${drifted.reportLocation}/scores.svg`)).not.toBeNull();
    // The redelivered scheduled event writes nothing new.
    expect(await structured('drift-check', scheduled)).toBe(204);
    expect(
      (await platform.documents.collection<DriftSummary>(COLLECTIONS.driftReports).get(MODEL))!.status,
    ).toBe('alert');
  });
});
