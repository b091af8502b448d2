/**
 * The retraining run on its own (embedded store, local blobs): a crash mid-way registers nothing and the
 * retry registers exactly one version; feedback rows join the training data; the local mode turns a file
 * dropped into the datasets folder into the same CloudEvent and a promotion over the in-process bus.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_FUNCTIONS } from '../../functions/registry.js';
import type { InProcessEventBus } from '../../shared/adapters/events/in-process.js';
import { createMemoryLogger } from '../../shared/logging/logger.js';
import { type RetrainDeps, runRetrain } from '../../shared/mlops/retrain.js';
import { createServingModels } from '../../shared/mlops/serving.js';
import { blobTrainingData } from '../../shared/mlops/training-data.js';
import { ModelVersionStore } from '../../shared/mlops/versions.js';
import type { BlobStore } from '../../shared/ports/blobs.js';
import { COLLECTIONS } from '../../shared/ports/collections.js';
import { loadPlatformConfig } from '../../shared/runtime/config.js';
import { createLocalRuntime } from '../../shared/runtime/local.js';
import { createTestPlatform, type TestPlatform } from '../support/platform.js';
import { splits, toCsv, writeWeakChampion } from './fixtures.js';

const MODEL = 'toxicity-en';
const data = splits();

describe('runRetrain', () => {
  let t: TestPlatform;
  let modelsDir: string;

  beforeAll(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), 'vigil-retrain-models-'));
    await writeWeakChampion(modelsDir);
    t = await createTestPlatform({ VIGIL_MODELS_DIR: modelsDir, VIGIL_MODEL_POLL_SECONDS: '0' });
    await t.platform.blobs.put(`training/base/${MODEL}/base.csv`, toCsv(data.base));
    await t.platform.blobs.put(`training/eval/${MODEL}/eval.csv`, toCsv(data.evaluation));
    await t.platform.blobs.put(`datasets/${MODEL}/up.csv`, toCsv(data.upload));
  });
  afterAll(async () => {
    await t?.cleanup();
    await rm(modelsDir, { recursive: true, force: true });
  });

  async function deps(blobs: BlobStore = t.platform.blobs): Promise<RetrainDeps> {
    const models = await createServingModels(t.platform, 'retrain', [MODEL], { poll: false, load: false });
    return {
      blobs,
      documents: t.platform.documents,
      logger: createMemoryLogger(),
      clock: t.platform.clock,
      registry: models.registry,
      syncChampion: async (name) => {
        await models.syncChampion(name);
        await models.registry.refresh(name);
      },
      trainingData: blobTrainingData(t.platform.blobs),
      promotion: { margin: 0.002, tolerance: 0.01 },
    };
  }

  it('leaves no version behind when it crashes before registering, and registers one on retry', async () => {
    const info = (await t.platform.blobs.head(`datasets/${MODEL}/up.csv`))!;
    const request = {
      model: MODEL,
      upload: { bucket: 'local', name: info.name, generation: info.generation },
      requestedBy: 'test',
    };
    const real = t.platform.blobs;
    const failing: BlobStore = {
      kind: real.kind,
      put: async (name, bytes, options) => {
        if (name.endsWith('report.md')) throw new Error('disk full');
        return real.put(name, bytes, options);
      },
      get: (name) => real.get(name),
      head: (name) => real.head(name),
      list: (prefix, options) => real.list(prefix, options),
      delete: (name, options) => real.delete(name, options),
      signedUrl: (name, options) => real.signedUrl(name, options),
      ping: () => real.ping(),
    };
    await expect(runRetrain(await deps(failing), request)).rejects.toThrow('disk full');
    const versions = new ModelVersionStore(t.platform.documents);
    expect(await versions.list(MODEL)).toEqual([]);
    expect((await versions.champion(MODEL))?.champion).toBeUndefined();

    const outcome = await runRetrain(await deps(), request);
    expect(outcome).toMatchObject({ status: 'promoted', version: '1.0.1' });
    expect((await versions.list(MODEL)).map((r) => r.version)).toEqual(['1.0.1']);
    expect(await runRetrain(await deps(), request)).toMatchObject({ status: 'duplicate', version: '1.0.1' });
  });

  it('trains on stored feedback in the model’s languages', async () => {
    const feedback = t.platform.documents.collection(COLLECTIONS.feedback);
    const base = {
      function: 'toxicity',
      source: 'perspective-suggestscore',
      createdAt: t.platform.clock(),
      expiresAt: new Date('2030-01-01'),
      redactedKinds: [],
      requestedBy: 'test',
    };
    await feedback.set('f1', {
      ...base,
      language: 'en',
      suggested: { TOXICITY: 0.9 },
      text: 'you absolute walnut',
    });
    await feedback.set('f2', {
      ...base,
      language: 'en',
      suggested: { TOXICITY: 0.1 },
      text: 'a fine walnut cake',
    });
    await feedback.set('f3', {
      ...base,
      language: 'fr',
      suggested: { TOXICITY: 0.9 },
      text: 'espèce de noix',
    });
    // The image classifier's feedback shares the collection and is not text training data.
    await feedback.set('f4', {
      ...base,
      function: 'image-classifier',
      source: 'image-feedback',
      text: 'a stray text that must not be used',
      suggested: { TOXICITY: 0.9 },
    });
    const outcome = await runRetrain(await deps(), {
      model: MODEL,
      upload: null,
      requestedBy: 'feedback-test',
    });
    const record = await new ModelVersionStore(t.platform.documents).get(MODEL, outcome.version);
    expect(record?.trainingData).toMatchObject({ feedbackRows: 2, upload: null, baseRows: data.base.length });
  });
});

describe('local mode: a dropped file goes through the whole loop', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigil-local-loop-'));
    await writeWeakChampion(join(dir, 'models'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('validates, retrains and promotes over the in-process bus, and writes the report beside the file', async () => {
    const config = loadPlatformConfig({
      VIGIL_DATA_DIR: join(dir, 'data'),
      VIGIL_MODELS_DIR: join(dir, 'models'),
      VIGIL_TRAINING_DATA: 'blobs',
      VIGIL_MODEL_POLL_SECONDS: '0',
      VIGIL_LOG_LEVEL: 'ERROR',
    });
    const runtime = await createLocalRuntime(config, {}, {}, EVENT_FUNCTIONS);
    try {
      const { blobs } = runtime.platform;
      await blobs.put(`training/base/${MODEL}/base.csv`, toCsv(data.base));
      await blobs.put(`training/eval/${MODEL}/eval.csv`, toCsv(data.evaluation));
      expect(runtime.loop?.folders).toEqual([join(dir, 'data', 'datasets'), join(dir, 'data', 'drift')]);
      const folder = join(dir, 'data', 'datasets', MODEL);
      await mkdir(folder, { recursive: true });
      await writeFile(join(folder, 'mine.csv'), toCsv(data.upload));
      // Once when the file appears, once when it has stopped changing.
      expect(await runtime.loop!.scan()).toBe(0);
      expect(await runtime.loop!.scan()).toBe(1);
      await (runtime.platform.events as InProcessEventBus).drain();
      expect((await new ModelVersionStore(runtime.platform.documents).champion(MODEL))?.champion).toBe(
        '1.0.1',
      );
      const report = JSON.parse(await readFile(join(folder, 'mine.csv.validation.json'), 'utf8'));
      expect(report).toMatchObject({ ok: true, model: MODEL });
      // Already delivered: a later scan picks nothing up.
      expect(await runtime.loop!.scan({ immediate: true })).toBe(0);
    } finally {
      runtime.loop?.stop();
      await runtime.platform.close();
    }
  });
});
