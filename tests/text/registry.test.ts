import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COLLECTIONS } from '../../shared/ports/collections.js';
import type { DocumentStore } from '../../shared/ports/documents.js';
import { type ModelFolderContents, writeModelFolder } from '../../shared/text/classifier.js';
import {
  createTextModelRegistry,
  ModelNotFoundError,
  type RegistryRecord,
  type TextModelRegistry,
} from '../../shared/text/registry.js';
import { createTestPlatform, type TestPlatform } from '../support/platform.js';
import {
  FRIENDLY,
  INSULTS,
  tinyFeatures,
  tinyModelContents,
  trainTinyToxicity,
} from '../support/tiny-model.js';

const insults = INSULTS.slice(0, 10);
const friendly = FRIENDLY.slice(0, 10);
const features = tinyFeatures({ buckets: 2 ** 10 });
const model = trainTinyToxicity(features, insults, friendly);

function contents(name: string, version: string): ModelFolderContents {
  return tinyModelContents({
    model,
    features,
    name,
    version,
    file: 'tests/text/registry.test.ts',
    rows: insults.length + friendly.length,
  });
}

const NAME = 'toxicity-test';
const tmp = await mkdtemp(join(tmpdir(), 'vigil-registry-'));
const modelsDir = join(tmp, 'models');
const write = (name: string, version: string) =>
  writeModelFolder(join(modelsDir, name, version), contents(name, version));
await Promise.all(['1.0.0', '1.2.0', '1.10.0', '2.0.0'].map((v) => write(NAME, v)));
// Noise the listing skips: a broken manifest (warned), a folder without one, a non-version folder.
await mkdir(join(modelsDir, NAME, '1.5.0'));
await writeFile(join(modelsDir, NAME, '1.5.0', 'manifest.json'), '{"schema": "vigil.text-model/0"}');
await mkdir(join(modelsDir, NAME, '1.6.0'));
await mkdir(join(modelsDir, NAME, 'notes'));
// A valid model just outside modelsDir: a traversal that escaped would find it.
await writeModelFolder(join(tmp, 'outside', '1.0.0'), contents('outside', '1.0.0'));

let t: TestPlatform;
let documents: DocumentStore;
const opened: TextModelRegistry[] = [];
function open(extra: { documents?: DocumentStore | undefined; closeGraceMs?: number } = {}) {
  const warnings: string[] = [];
  const registry = createTextModelRegistry({
    modelsDir,
    documents,
    clock: () => new Date(t.now.value),
    onWarning: (message) => warnings.push(message),
    ...extra,
  });
  opened.push(registry);
  return { registry, warnings };
}
const records = () => documents.collection<RegistryRecord>(COLLECTIONS.modelRegistry);
const toxic = async (registry: TextModelRegistry, version?: string) =>
  (await (await registry.classifier(NAME, version)).score(['you are an idiot']))[0]?.toxicity?.toxic;

beforeAll(async () => {
  t = await createTestPlatform();
  documents = t.platform.documents;
});
afterAll(async () => {
  await Promise.all(opened.map((r) => r.close()));
  await t?.cleanup();
  await rm(tmp, { recursive: true, force: true });
});

describe('text model registry', () => {
  it('lists versions newest first by semver, skipping folders without a valid manifest', async () => {
    const { registry, warnings } = open();
    const versions = await registry.versions(NAME);
    expect(versions.map((v) => v.version)).toEqual(['2.0.0', '1.10.0', '1.2.0', '1.0.0']);
    expect(versions[1]).toEqual({
      name: NAME,
      version: '1.10.0',
      dir: join(modelsDir, NAME, '1.10.0'),
      createdAt: '2025-01-01T00:00:00.000Z',
      languages: ['en'],
      heads: ['toxicity'],
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/toxicity-test@1\.5\.0: .*invalid model manifest at schema/);
    expect(await registry.versions('no-such-model')).toEqual([]);
  });

  it('serves the newest version as champion without a record, memoized', async () => {
    const { registry } = open();
    expect(await registry.championVersion(NAME)).toBe('2.0.0');
    const champion = await registry.classifier(NAME);
    expect(champion.manifest.version).toBe('2.0.0');
    expect(await registry.classifier(NAME)).toBe(champion);
    expect(await registry.classifier(NAME, '2.0.0')).toBe(champion);
    expect(await registry.classifier(NAME, '2')).toBe(champion);
    expect(await toxic(registry)).toBeGreaterThan(0.5);
  });

  it('pins an exact version or the newest of a major', async () => {
    const { registry } = open();
    expect((await registry.classifier(NAME, '1.2.0')).manifest.version).toBe('1.2.0');
    expect((await registry.classifier(NAME, '1')).manifest.version).toBe('1.10.0');
    expect(await registry.classifier(NAME, '1')).toBe(await registry.classifier(NAME, '1.10.0'));
  });

  it.each([
    [NAME, '9.9.9', /Text model "toxicity-test" has no version "9\.9\.9"/],
    [NAME, '3', /has no version "3"/],
    [NAME, '1.2', /has no version "1\.2"/],
    [NAME, 'latest', /has no version "latest"/],
    [NAME, '1.5.0', /has no version "1\.5\.0"/],
    ['no-such-model', undefined, /No text model "no-such-model"/],
    ['../outside', '1.0.0', /No text model "\.\.\/outside"/],
    [`${NAME}/../../outside`, undefined, /No text model/],
    [tmp, undefined, /No text model/],
    ['', undefined, /No text model ""/],
  ])('refuses %j version %j with ModelNotFoundError', async (name, version, message) => {
    const { registry } = open();
    const error = await registry.classifier(name, version).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelNotFoundError);
    expect((error as Error).message).toMatch(message);
  });

  it('refuses traversal in every method', async () => {
    const { registry } = open();
    for (const call of [
      () => registry.versions('../outside'),
      () => registry.championVersion('../outside'),
      () => registry.refresh('../outside'),
      () => registry.promote('../outside', '1.0.0', 'mallory'),
      () => registry.promote(NAME, '../../outside/1.0.0', 'mallory'),
    ])
      await expect(call()).rejects.toBeInstanceOf(ModelNotFoundError);
  });

  it('switches to a promoted champion on refresh and closes the old one after the grace period', async () => {
    const { registry } = open({ closeGraceMs: 150 });
    const old = await registry.classifier(NAME);
    expect(old.manifest.version).toBe('2.0.0');

    await registry.promote(NAME, '1.2.0', 'alice');
    expect(await records().get(NAME)).toEqual({
      name: NAME,
      champion: '1.2.0',
      updatedAt: t.now.value,
      updatedBy: 'alice',
    });
    // Cached until refresh, so every request between two refreshes sees one champion.
    expect(await registry.championVersion(NAME)).toBe('2.0.0');
    expect(await registry.refresh(NAME)).toEqual({ name: NAME, previous: '2.0.0', current: '1.2.0' });
    expect(await registry.championVersion(NAME)).toBe('1.2.0');
    expect((await registry.classifier(NAME)).manifest.version).toBe('1.2.0');
    expect(await registry.refresh(NAME)).toEqual({ name: NAME, previous: '1.2.0', current: '1.2.0' });

    expect(await old.score(['still serving in-flight requests'])).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 300));
    await expect(old.score(['too late'])).rejects.toThrow(/closed/);
    // Pinning the retired version loads it afresh.
    expect((await registry.classifier(NAME, '2.0.0')).manifest.version).toBe('2.0.0');

    const other = open().registry;
    expect(await other.championVersion(NAME)).toBe('1.2.0');
    await expect(registry.promote(NAME, '1.5.0', 'alice')).rejects.toThrow(ModelNotFoundError);
    await records().delete(NAME);
  });

  it('falls back to the newest version when the recorded champion is gone, with a warning', async () => {
    await records().set(NAME, { name: NAME, champion: '1.9.9', updatedAt: t.now.value, updatedBy: 'bob' });
    const { registry, warnings } = open();
    expect(await registry.championVersion(NAME)).toBe('2.0.0');
    expect(warnings).toContain(
      'Text model toxicity-test: registry champion "1.9.9" is not on disk; serving 2.0.0',
    );
    await records().delete(NAME);
  });

  it('keeps the previous champion serving when the new one is corrupt', async () => {
    const name = 'flaky-test';
    await write(name, '1.0.0');
    const { registry } = open();
    const working = await registry.classifier(name);

    const bad = await write(name, '1.1.0');
    const onnx = await readFile(bad.model);
    const middle = Math.floor(onnx.length / 2);
    onnx[middle] = (onnx[middle] as number) ^ 0xff;
    await writeFile(bad.model, onnx);

    await expect(registry.refresh(name)).rejects.toThrow(/refusing a corrupt or swapped model/);
    expect(await registry.championVersion(name)).toBe('1.0.0');
    expect(await registry.classifier(name)).toBe(working);
    expect(await working.score(['you are an idiot'])).toHaveLength(1);

    // The failed load is not memoized: once the folder is fixed, the next refresh takes it.
    await write(name, '1.1.0');
    expect(await registry.refresh(name)).toEqual({ name, previous: '1.0.0', current: '1.1.0' });
  });

  it('works without a documents store, where promoting is refused', async () => {
    const { registry } = open({ documents: undefined });
    expect(await registry.championVersion(NAME)).toBe('2.0.0');
    await expect(registry.promote(NAME, '1.0.0', 'alice')).rejects.toThrow(/needs a documents store/);
  });

  it('refuses calls once closed', async () => {
    const { registry } = open();
    await registry.close();
    await expect(registry.classifier(NAME)).rejects.toThrow(/closed/);
  });

  it("serves the repo's committed toxicity-en model", async () => {
    const registry = createTextModelRegistry({ modelsDir: resolve(import.meta.dirname, '../../models') });
    opened.push(registry);
    expect(await registry.championVersion('toxicity-en')).toBe('1.0.0');
    const [scores] = await (await registry.classifier('toxicity-en')).score(['you are a stupid idiot']);
    expect(scores?.toxicity?.toxic).toBeGreaterThan(0.5);
  });
});
