/** A real model trained, written as a folder, loaded back and scored: checksums, schemas, chunking and parity with the float64 reference. */
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Tensor } from 'onnxruntime-node';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { decide, loadTextClassifier, writeModelFolder } from '../../shared/text/classifier.js';
import { Featurizer } from '../../shared/text/features.js';
import { scoreLinear } from '../../shared/text/linear-model.js';
import {
  ModelCardSchema,
  parseCard,
  parseManifest,
  type TextModelHead,
  TextModelManifestSchema,
} from '../../shared/text/manifest.js';
import { createOnnxSessionCache } from '../../shared/text/onnx-runtime.js';
import {
  FRIENDLY,
  INSULTS,
  tinyFeatures,
  tinyModelContents,
  trainTinyToxicity,
} from '../support/tiny-model.js';

const insults = INSULTS;
const friendly = FRIENDLY;
const heldOutInsults = ['you are a stupid idiot', 'what a pathetic moron', 'shut up, loser', 'you dumb fool'];
const heldOutFriendly = [
  'thank you so much, friend',
  'great idea, well done',
  'have a lovely day',
  'thanks for the helpful review',
];

const features = tinyFeatures();
const featurizer = new Featurizer(features);
const texts = [...insults, ...friendly];
const model = trainTinyToxicity(features);
const contents = tinyModelContents({
  model,
  features,
  name: 'toxicity-test',
  version: '0.0.1',
  file: 'tests/text/model-folder.test.ts',
  rows: texts.length,
});

const tmp = await mkdtemp(join(tmpdir(), 'vigil-model-folder-'));
const cache = createOnnxSessionCache();
const paths = await writeModelFolder(join(tmp, 'toxicity-test', '0.0.1'), contents);
const classifier = await loadTextClassifier(paths.dir, { sessions: cache });
afterAll(async () => {
  await classifier.close();
  await cache.clear();
  await rm(tmp, { recursive: true, force: true });
});

const toxic = async (batch: string[]) =>
  (await classifier.score(batch)).map((scores) => scores.toxicity?.toxic ?? Number.NaN);

describe('writeModelFolder', () => {
  it('writes a manifest and a card that validate and describe the ONNX file', async () => {
    const onnx = await readFile(paths.model);
    const manifest = parseManifest(JSON.parse(await readFile(paths.manifest, 'utf8')), paths.manifest);
    const card = parseCard(JSON.parse(await readFile(paths.card, 'utf8')), paths.card);
    const sha256 = createHash('sha256').update(onnx).digest('hex');
    expect(manifest.model).toEqual({ file: 'model.onnx', sha256, bytes: onnx.length });
    expect(card.checksum).toEqual({ onnxSha256: sha256 });
    expect(card.size).toEqual({ onnxBytes: onnx.length, parameters: 2 ** 12 + 1 });
    expect(classifier.manifest).toEqual(manifest);
  });

  it('writes 2-space JSON in schema key order, whatever order the caller used', async () => {
    const shuffle = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).reverse()) as T;
    const again = await writeModelFolder(join(tmp, 'shuffled'), {
      model,
      manifest: shuffle({ ...contents.manifest, heads: contents.manifest.heads.map(shuffle) }),
      card: shuffle({
        ...contents.card,
        training: { ...contents.card.training, hyperparameters: { buckets: features.buckets, c: 4 } },
      }),
    });
    for (const file of ['manifest', 'card'] as const) {
      const text = await readFile(paths[file], 'utf8');
      expect(await readFile(again[file], 'utf8')).toBe(text);
      expect(text).toMatch(/^\{\n {2}"schema": "vigil\.[a-z-]+\/1",\n {2}"name": /);
      expect(text.endsWith('}\n')).toBe(true);
    }
    const manifest = JSON.parse(await readFile(paths.manifest, 'utf8'));
    expect(Object.keys(manifest)).toEqual(Object.keys(TextModelManifestSchema.shape));
    const card = JSON.parse(await readFile(paths.card, 'utf8'));
    expect(Object.keys(card)).toEqual(Object.keys(ModelCardSchema.shape));
  });

  it('refuses a manifest that does not describe the model', async () => {
    const heads: TextModelHead[] = [
      { name: 'toxicity', activation: 'sigmoid', labels: ['insult'], thresholds: { insult: 0.5 } },
    ];
    await expect(
      writeModelFolder(join(tmp, 'mismatch'), { ...contents, manifest: { ...contents.manifest, heads } }),
    ).rejects.toThrow(/mismatch: manifest heads .*insult.* ≠ model heads .*toxic/);
    await expect(
      writeModelFolder(join(tmp, 'mismatch'), { ...contents, card: { ...contents.card, version: '0.0.2' } }),
    ).rejects.toThrow(/card is toxicity-test@0\.0\.2 but manifest is toxicity-test@0\.0\.1/);
  });
});

describe('loadTextClassifier', () => {
  it('scores 150 texts in runs of at most 64, in order, like the float64 reference', async () => {
    const pool = [...texts, ...heldOutInsults, ...heldOutFriendly];
    const batch = Array.from(
      { length: 150 },
      (_, i) => `${pool[i % pool.length]} ${pool[(i * 7 + 3) % pool.length]}`,
    );
    batch[0] = '';
    batch[70] = 'ＹＯＵ ＡＲＥ ＡＮ ＩＤＩＯＴ!!!';
    batch[149] = 'see https://example.com @bob 300';
    const session = await cache.load(paths.model);
    const run = vi.spyOn(session, 'run');
    const scores = await classifier.score(batch);
    const runs = run.mock.calls.map(([feeds]) => (feeds as Record<string, Tensor>).indices?.dims[0]);
    run.mockRestore();
    expect(runs).toEqual([64, 64, 22]);
    expect(scores).toHaveLength(150);
    for (const [i, text] of batch.entries()) {
      expect(Object.keys(scores[i] ?? {})).toEqual(['toxicity']);
      expect(Object.keys(scores[i]?.toxicity ?? {})).toEqual(['toxic']);
      const want = scoreLinear(model, featurizer.featurize(text)).toxicity?.[0] ?? Number.NaN;
      const got = scores[i]?.toxicity?.toxic ?? Number.NaN;
      expect(typeof got).toBe('number');
      expect(Math.abs(got - want), `text ${i}`).toBeLessThanOrEqual(1e-5);
    }
    expect(await classifier.score([])).toEqual([]);
  });

  it('ranks held-out insults above held-out friendly sentences', async () => {
    const bad = await toxic(heldOutInsults);
    const good = await toxic(heldOutFriendly);
    expect(Math.min(...bad)).toBeGreaterThan(Math.max(...good));
  });

  it('refuses a model.onnx whose bytes differ from the manifest', async () => {
    const dir = join(tmp, 'corrupt');
    await cp(paths.dir, dir, { recursive: true });
    const onnx = await readFile(join(dir, 'model.onnx'));
    const middle = Math.floor(onnx.length / 2);
    onnx[middle] = (onnx[middle] as number) ^ 0xff;
    await writeFile(join(dir, 'model.onnx'), onnx);
    await expect(loadTextClassifier(dir)).rejects.toThrow(/corrupt[/\\]model\.onnx is \d+ bytes with sha256/);
    // The flipped byte sits in a weight, so only the checksum stands between it and serving.
    const unchecked = await loadTextClassifier(dir, { verifyChecksum: false });
    await unchecked.close();
  });

  it('refuses a manifest whose heads the ONNX graph lacks', async () => {
    const dir = join(tmp, 'extra-label');
    await cp(paths.dir, dir, { recursive: true });
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
    manifest.heads = [
      { ...manifest.heads[0], labels: ['toxic', 'insult'], thresholds: { toxic: 0.5, insult: 0.5 } },
    ];
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
    await expect(loadTextClassifier(dir)).rejects.toThrow(
      /model\.onnx does not match manifest\.json: output "toxicity" is float32 \[batch,1\], not float32 \[batch,2\]/,
    );
  });

  it('rejects an over-long text with a RangeError naming its index, not its content', async () => {
    const error = await classifier.score(['fine', 'x'.repeat(2001)]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toBe('Text 1 has 2001 characters; the limit is 2000');
    expect(await toxic(['y'.repeat(2000)])).toHaveLength(1);
  });

  it('refuses to score once closed, leaving a shared cache usable', async () => {
    const other = await loadTextClassifier(paths.dir, { sessions: cache });
    await other.close();
    await expect(other.score(['hi'])).rejects.toThrow(/closed/);
    expect(await toxic(['hi'])).toHaveLength(1);
  });
});

describe('decide', () => {
  it('takes every sigmoid label at or above its threshold', () => {
    const head: TextModelHead = {
      name: 'toxicity',
      activation: 'sigmoid',
      labels: ['toxic', 'insult', 'threat'],
      thresholds: { toxic: 0.5, insult: 0.8, threat: 0.3 },
    };
    expect(decide(head, { toxic: 0.5, insult: 0.79, threat: 0.9 })).toEqual(['toxic', 'threat']);
    expect(decide(head, { toxic: 0, insult: 0, threat: 0 })).toEqual([]);
    expect(() => decide(head, { toxic: 1 })).toThrow(/label "insult"/);
  });

  it('takes the softmax argmax after decision offsets', () => {
    const head: TextModelHead = {
      name: 'davidson',
      activation: 'softmax',
      labels: ['hate', 'offensive', 'neither'],
    };
    const probs = { hate: 0.3, offensive: 0.4, neither: 0.3 };
    expect(decide(head, probs)).toEqual(['offensive']);
    expect(decide({ ...head, decisionOffsets: { hate: Math.log(2) } }, probs)).toEqual(['hate']);
    expect(decide(head, { hate: 0, offensive: 0, neither: 1 })).toEqual(['neither']);
  });
});

const written = {
  manifest: JSON.parse(await readFile(paths.manifest, 'utf8')),
  card: JSON.parse(await readFile(paths.card, 'utf8')),
};

describe('manifest and card schemas', () => {
  const { manifest, card } = written;
  const where = 'models/toxicity-test/0.0.1/manifest.json';
  const softmax = { name: 'davidson', activation: 'softmax', labels: ['hate', 'neither'] };

  it.each<[string, string, (m: typeof manifest) => unknown]>([
    ['a malformed sha256', 'model.sha256', (m) => Object.assign(m.model, { sha256: 'abc123' })],
    [
      'a threshold for an unknown label',
      'heads.0.thresholds.rude',
      (m) => Object.assign(m.heads[0].thresholds, { rude: 0.5 }),
    ],
    [
      'a label without threshold',
      'heads.0.thresholds.toxic',
      (m) => Object.assign(m.heads[0], { thresholds: {} }),
    ],
    [
      'a threshold of 1.5',
      'heads.0.thresholds.toxic',
      (m) => Object.assign(m.heads[0].thresholds, { toxic: 1.5 }),
    ],
    ['a duplicate head name', 'heads.1.name', (m) => m.heads.push(m.heads[0])],
    ['a duplicate label', 'heads.0.labels.1', (m) => m.heads[0].labels.push('toxic')],
    ['a missing field', 'limits', (m) => delete m.limits],
    ['an unknown field', '(root)', (m) => Object.assign(m, { extra: true })],
    ['a name that is not kebab-case', 'name', (m) => Object.assign(m, { name: 'Toxicity_EN' })],
    ['another schema version', 'schema', (m) => Object.assign(m, { schema: 'vigil.text-model/2' })],
    ['an unknown activation', 'heads.0.activation', (m) => Object.assign(m.heads[0], { activation: 'relu' })],
    [
      'offsets on a sigmoid head',
      'heads.0',
      (m) => Object.assign(m.heads[0], { decisionOffsets: { toxic: 1 } }),
    ],
    [
      'an offset for an unknown label',
      'heads.1.decisionOffsets.hateful',
      (m) => m.heads.push({ ...softmax, decisionOffsets: { hateful: 1 } }),
    ],
    [
      'an unknown feature switch',
      'features.normalizer',
      (m) => Object.assign(m.features.normalizer, { stem: true }),
    ],
  ])('rejects %s at %s', (_, path, mutate) => {
    const broken = structuredClone(manifest);
    mutate(broken);
    expect(() => parseManifest(broken, where)).toThrow(`${where}: invalid model manifest at ${path}: `);
  });

  it('accepts a softmax head with offsets and no thresholds', () => {
    const valid = structuredClone(manifest);
    valid.heads.push({ ...softmax, decisionOffsets: { hate: 0.5 } });
    expect(parseManifest(valid, where).heads[1]).toEqual({ ...softmax, decisionOffsets: { hate: 0.5 } });
  });

  it.each<[string, string, (c: typeof card) => unknown]>([
    [
      'a malformed checksum',
      'checksum.onnxSha256',
      (c) => Object.assign(c.checksum, { onnxSha256: 'f'.repeat(63) }),
    ],
    ['negative rows', 'data.training.0.rows', (c) => Object.assign(c.data.training[0], { rows: -1 })],
    ['no stated limits', 'limits', (c) => Object.assign(c, { limits: [] })],
    ['a date that is not ISO', 'createdAt', (c) => Object.assign(c, { createdAt: '1 Jan 2025' })],
    ['a missing size', 'size', (c) => delete c.size],
  ])('rejects a card with %s at %s', (_, path, mutate) => {
    const broken = structuredClone(card);
    mutate(broken);
    expect(() => parseCard(broken, 'card.json')).toThrow(`card.json: invalid model card at ${path}: `);
  });

  it('never echoes large values', () => {
    const broken = { ...structuredClone(manifest), [`k${'x'.repeat(10_000)}`]: 'y'.repeat(100_000) };
    broken.name = 'N'.repeat(100_000);
    const message = (() => {
      try {
        parseManifest(broken, where);
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(message).toMatch(/invalid model manifest/);
    expect(message?.length).toBeLessThan(400);
  });
});
