/** Explanations of linear text models: the ONNX file read back, per-word contributions that add up to the logit, and the reasoning sentence. */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, describe, expect, it } from 'vitest';
import { loadTextClassifier, writeModelFolder } from '../../shared/text/classifier.js';
import {
  type Contribution,
  explainText,
  plainChunkToken,
  readLinearModel,
  reasoningText,
} from '../../shared/text/explain.js';
import { blockSplit, type FeatureSpec, Featurizer, tokenize } from '../../shared/text/features.js';
import { type LinearTextModel, linearLogits, sigmoid, tfidf } from '../../shared/text/linear-model.js';
import { parseManifest, type TextModelHead, type TextModelManifest } from '../../shared/text/manifest.js';
import { DEFAULT_NORMALIZER } from '../../shared/text/normalize.js';
import {
  featurizeAll,
  type HeadTask,
  learnIdf,
  toMatrix,
  trainLinearModel,
} from '../../shared/text/train.js';
import { tinyModelContents } from '../support/tiny-model.js';

const { onnx } = onnxProto;

const rude = [
  'you are an idiot',
  'what a stupid moron',
  'shut up you pathetic loser',
  'go away you stupid fool',
  'get lost, idiot',
  'you dumb clown, nobody asked',
  'tu es un abruti',
  'quel imbécile, tais-toi',
  'dégage, espèce de crétin',
  'vous êtes des idiots finis',
];
const polite = [
  'thank you for your help',
  'what a lovely idea',
  'have a great day, friend',
  'thanks, this article is really helpful',
  'great work on the new section',
  'I enjoyed reading this, thank you',
  'merci beaucoup pour ton aide',
  'quelle belle idée, bravo',
  'bonne journée à toi, l’ami',
  'c’est un travail remarquable, merci',
];
const texts = [...rude, ...polite];

const varied = [
  'you are an idiot, you idiot, IDIOT!!! idiot idiot',
  'see https://example.com/a?b=1 and www.foo.org, write to a.b@c.com or @bob',
  'what a lovely day 😀😀 🎉 thanks 👍',
  'Ça, c’est vraiment génial — merci à vous, l’équipe, à bientôt !',
  '1d10t, sh!t, f u c k you, n00b, b@stard, s.h.i.t',
  'soooooo stupiiiiid, aaaa a a a a b',
  'ＹＯＵ ＡＲＥ ＡＮ ＩＤＩＯＴ',
  'İstanbul 3.14 covid19 2ème 1er 10 000 ½',
  'Vous êtes des abrutis finis, dégagez tous. Quelle honte !',
  'thank you thank you thank you',
  'x',
  '',
  '   !!! ... ???  ',
];

const tmp = await mkdtemp(join(tmpdir(), 'vigil-explain-'));
afterAll(() => rm(tmp, { recursive: true, force: true }));

/** Trains a tiny model (a sigmoid and a softmax head) and writes it as a model folder. */
async function trainFolder(name: string, perBlockNorm: boolean) {
  const features: FeatureSpec = {
    hash: 'fnv1a32-fmix',
    seed: 7,
    buckets: 2 ** 12,
    words: [1, 2],
    chars: [2, 4],
    sublinearTf: true,
    perBlockNorm,
    normalizer: DEFAULT_NORMALIZER,
  };
  const featurizer = new Featurizer(features);
  const docs = featurizeAll(featurizer, texts);
  const idf = learnIdf(docs, features.buckets);
  const split = blockSplit(features);
  const isRude = (i: number) => i < rude.length;
  const tasks: HeadTask[] = [
    {
      name: 'toxicity',
      activation: 'sigmoid',
      labels: ['toxic'],
      targets: Float32Array.from(texts, (_, i) => (isRude(i) ? 1 : 0)),
      c: 4,
    },
    {
      name: 'tone',
      activation: 'softmax',
      labels: ['rude', 'neutral', 'polite'],
      targets: Float32Array.from(texts, (_, i) => (isRude(i) ? 0 : i % 3 === 0 ? 1 : 2)),
      c: 4,
    },
  ];
  const model = trainLinearModel(toMatrix(docs, idf, split), idf, tasks, { blockSplit: split });
  const heads: TextModelHead[] = [
    { name: 'toxicity', activation: 'sigmoid', labels: ['toxic'], thresholds: { toxic: 0.5 } },
    { name: 'tone', activation: 'softmax', labels: ['rude', 'neutral', 'polite'] },
  ];
  const paths = await writeModelFolder(
    join(tmp, name, '0.0.1'),
    tinyModelContents({
      model,
      features,
      name,
      version: '0.0.1',
      file: 'tests/text/explain.test.ts',
      rows: texts.length,
      heads,
      languages: ['en', 'fr'],
    }),
  );
  const manifest = parseManifest(JSON.parse(await readFile(paths.manifest, 'utf8')), paths.manifest);
  return { model, featurizer, manifest, path: paths.model };
}

const MODELS = resolve(import.meta.dirname, '../../models');
async function committed(name: string) {
  const dir = join(MODELS, name, '1.0.0');
  const manifest = parseManifest(JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')), dir);
  const model = await readLinearModel(join(dir, 'model.onnx'), manifest);
  return { dir, manifest, model, featurizer: new Featurizer(manifest.features) };
}

const joint = await trainFolder('joint-norm', false);
const blocks = await trainFolder('block-norm', true);
const hate = await committed('hate-speech');
const toxicityEn = await committed('toxicity-en');

/** The label's logit as scoring computes it: raw for a sigmoid head, centred over the head for a softmax. */
function referenceLogit(
  model: LinearTextModel,
  featurizer: Featurizer,
  text: string,
  head: string,
  label: string,
) {
  const z = linearLogits(model, featurizer.featurize(text));
  let offset = 0;
  for (const h of model.heads) {
    const scores = Array.from(z.subarray(offset, offset + h.labels.length));
    if (h.name === head) {
      const own = scores[h.labels.indexOf(label)] as number;
      return h.activation === 'softmax' ? own - scores.reduce((a, b) => a + b, 0) / scores.length : own;
    }
    offset += h.labels.length;
  }
  throw new Error(`no head ${head}`);
}

const ALL = { top: Number.POSITIVE_INFINITY };

function expectValidSpans(text: string, contributions: Contribution[]) {
  for (const c of contributions) {
    expect(c.begin).toBeGreaterThanOrEqual(0);
    expect(c.end).toBeGreaterThan(c.begin);
    expect(c.end).toBeLessThanOrEqual(text.length);
    expect(c.text).toBe(text.slice(c.begin, c.end));
    expect(c.text.trim()).toBe(c.text);
  }
}

describe('readLinearModel', () => {
  it.each([
    ['joint-norm', joint],
    ['per-block norm', blocks],
  ])('reads back the %s model it was exported from', async (_, { model, manifest, path }) => {
    const read = await readLinearModel(path, manifest);
    expect(read.buckets).toBe(model.buckets);
    expect(read.idf).toEqual(model.idf);
    expect(read.weights).toEqual(model.weights);
    expect(read.bias).toEqual(model.bias);
    expect(read.heads).toEqual(model.heads);
    expect(read.blockSplit ?? 0).toBe(model.blockSplit ?? 0);
  });

  it('reads a file exported before the table layout (idf and weights as two initializers)', async () => {
    const { model, manifest, path } = blocks;
    const decoded = onnx.ModelProto.decode(await readFile(path));
    const float = (name: string, dims: number[], data: Float32Array) => ({
      name,
      dims,
      dataType: onnx.TensorProto.DataType.FLOAT,
      rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    });
    const outputs = model.bias.length;
    decoded.graph!.initializer = [
      ...(decoded.graph?.initializer ?? []).filter((t) => t.name !== 'table'),
      float('idf', [model.buckets], model.idf),
      float('weights', [model.buckets, outputs], model.weights),
    ];
    const bytes = onnx.ModelProto.encode(decoded).finish();
    const old = join(tmp, 'old-layout.onnx');
    await writeFile(old, bytes);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const read = await readLinearModel(old, {
      ...manifest,
      model: { ...manifest.model, sha256, bytes: bytes.length },
    });
    expect(read.idf).toEqual(model.idf);
    expect(read.weights).toEqual(model.weights);
    expect(read.bias).toEqual(model.bias);
  });

  it('refuses a manifest that does not describe the file', async () => {
    const { manifest, path } = joint;
    const heads = manifest.heads.map((h) => (h.name === 'tone' ? { ...h, labels: ['rude', 'polite'] } : h));
    const wrong: [Partial<TextModelManifest>, RegExp][] = [
      [{ model: { ...manifest.model, sha256: 'f'.repeat(64) } }, /sha256/],
      [
        { features: { ...manifest.features, buckets: 2 ** 13 } },
        /initializer table is \[4096,5\], not \[8192,5\]/,
      ],
      [{ features: { ...manifest.features, perBlockNorm: true } }, /vigil\.blockSplit is 0, not 2048/],
      [{ heads: heads as TextModelHead[] }, /table is \[4096,5\], not \[4096,4\].*vigil\.heads/],
    ];
    for (const [change, message] of wrong)
      await expect(readLinearModel(path, { ...manifest, ...change })).rejects.toThrow(message);
  });

  it('reads the committed hate-speech model as onnxruntime scores it', async () => {
    const classifier = await loadTextClassifier(hate.dir);
    try {
      const scores = await classifier.score(varied);
      for (const [i, text] of varied.entries()) {
        const logit = referenceLogit(hate.model, hate.featurizer, text, 'hateful', 'hateful');
        expect(Math.abs(sigmoid(logit) - (scores[i]?.hateful?.hateful ?? Number.NaN))).toBeLessThan(1e-5);
      }
    } finally {
      await classifier.close();
    }
  });
});

describe('explainText', () => {
  const cases: [string, { model: LinearTextModel; featurizer: Featurizer }, string, string][] = [
    ['joint-norm toxic', joint, 'toxicity', 'toxic'],
    ['joint-norm softmax rude', joint, 'tone', 'rude'],
    ['per-block toxic', blocks, 'toxicity', 'toxic'],
    ['per-block softmax polite', blocks, 'tone', 'polite'],
    ['hate-speech hateful', hate, 'hateful', 'hateful'],
    ['hate-speech davidson hate', hate, 'davidson', 'hate'],
    ['toxicity-en toxic', toxicityEn, 'toxicity', 'toxic'],
  ];

  it.each(cases)(
    '%s: contributions over all words plus the bias add up to the logit',
    (_, m, head, label) => {
      for (const text of varied) {
        const { logit, bias, contributions } = explainText(m.model, m.featurizer, text, head, label, ALL);
        const want = referenceLogit(m.model, m.featurizer, text, head, label);
        expect(Math.abs(logit - want), text).toBeLessThan(1e-9);
        const sum = contributions.reduce((s, c) => s + c.contribution, bias);
        expect(Math.abs(sum - logit), text).toBeLessThan(1e-6);
        expectValidSpans(text, contributions);
        const sorted = contributions.map((c) => c.contribution).sort((a, b) => b - a);
        expect(contributions.map((c) => c.contribution)).toEqual(sorted);
        if (/[\p{L}\p{N}]/u.test(text)) expect(contributions.length).toBeGreaterThan(0);
      }
    },
  );

  it('adds up and keeps valid spans on random texts', () => {
    let seed = 42;
    const next = () => {
      seed = (seed * 48271) % 2147483647;
      return seed / 2147483647;
    };
    const alphabet = [..."aaeeiosttrnl  ..,!@$1037_-/:'’éÉçœ"].concat([
      'e\u0301',
      '😀',
      'Ｉ',
      'ß',
      'İ',
      '\n',
      'http://',
      'www.',
    ]);
    for (let i = 0; i < 300; i++) {
      const text = Array.from(
        { length: 1 + Math.floor(next() * 60) },
        () => alphabet[Math.floor(next() * alphabet.length)],
      ).join('');
      for (const [m, head, label] of [
        [blocks, 'tone', 'rude'],
        [hate, 'hateful', 'hateful'],
      ] as const) {
        const { logit, bias, contributions } = explainText(m.model, m.featurizer, text, head, label, ALL);
        const sum = contributions.reduce((s, c) => s + c.contribution, bias);
        expect(Math.abs(sum - logit), JSON.stringify(text)).toBeLessThan(1e-6);
        expectValidSpans(text, contributions);
      }
    }
  });

  it('explains a text at the 5,000-character limit, and the next text as if it came first', () => {
    // Thousands of feature occurrences and distinct features: more than the scratch buffers start with.
    const long = Array.from({ length: 400 }, (_, i) => `${varied[i % 10]} mot${i.toString(36)}`)
      .join(' ')
      .slice(0, 5000);
    expect(hate.featurizer.featurize(long).indices.length).toBeGreaterThan(1024);
    const before = explainText(hate.model, hate.featurizer, varied[0] as string, 'hateful', 'hateful', ALL);
    const { logit, bias, contributions } = explainText(
      hate.model,
      hate.featurizer,
      long,
      'hateful',
      'hateful',
      ALL,
    );
    expect(
      Math.abs(logit - referenceLogit(hate.model, hate.featurizer, long, 'hateful', 'hateful')),
    ).toBeLessThan(1e-9);
    const sum = contributions.reduce((s, c) => s + c.contribution, bias);
    expect(Math.abs(sum - logit)).toBeLessThan(1e-6);
    expectValidSpans(long, contributions);
    expect(explainText(hate.model, hate.featurizer, varied[0] as string, 'hateful', 'hateful', ALL)).toEqual(
      before,
    );
  });

  it('explains a text without words as the bias alone', () => {
    const { logit, bias, contributions } = explainText(
      joint.model,
      joint.featurizer,
      ' 😀 !!! ',
      'toxicity',
      'toxic',
    );
    expect(contributions).toEqual([]);
    expect(logit).toBe(bias);
    expect(bias).toBeCloseTo(joint.model.bias[0] as number, 6);
  });

  it('keeps the strongest words each way by default', () => {
    const text = varied.slice(0, 5).join(' ');
    const all = explainText(blocks.model, blocks.featurizer, text, 'toxicity', 'toxic', ALL).contributions;
    const some = explainText(blocks.model, blocks.featurizer, text, 'toxicity', 'toxic').contributions;
    const positive = all.filter((c) => c.contribution > 0);
    const negative = all.filter((c) => c.contribution < 0);
    expect(positive.length).toBeGreaterThan(3);
    expect(negative.length).toBeGreaterThan(3);
    expect(some).toEqual([...positive.slice(0, 3), ...negative.slice(-3)]);
  });

  it('names the insult as the top contribution on toxicity-en', () => {
    for (const text of ['you are an idiot, thanks', 'Thanks for the edit, you moron.']) {
      const word = /idiot|moron/.exec(text)?.[0] as string;
      const [top] = explainText(
        toxicityEn.model,
        toxicityEn.featurizer,
        text,
        'toxicity',
        'toxic',
      ).contributions;
      expect(top).toEqual({
        text: word,
        begin: text.indexOf(word),
        end: text.indexOf(word) + word.length,
        contribution: expect.any(Number),
      });
      expect(top?.contribution).toBeGreaterThan(1);
    }
  });

  it('maps normalised words back to the original spans they came from', () => {
    const spans = (text: string) =>
      explainText(joint.model, joint.featurizer, text, 'toxicity', 'toxic', ALL)
        .contributions.map((c) => c.text)
        .sort();
    const text = "Hey @bob, F U C K you sh!t-head l'homme https://x.com/a?b ＩＤＩＯＴ!!! soooo 😀";
    const expected = [
      'Hey',
      'bob',
      'F U C K',
      'you',
      'sh!t-head',
      'l',
      'homme',
      'https://x.com/a?b',
      'ＩＤＩＯＴ',
      'soooo',
    ];
    expect(spans(text)).toEqual(expected.sort());
    // Spaced letters squashed after joining ("aaaa" → "aa") spell no run of pieces; the next word resynchronises.
    expect(spans('a a a a bad')).toEqual(['a a', 'bad']);
  });

  it('gives each word its own features, half of each word bigram, and a share of features it shares', () => {
    // Random weights over a featurizer without collisions in practice: each expected share is computed
    // from bucket sets of the words featurized alone, independently of the hashing in explain.ts.
    const spec: FeatureSpec = { ...joint.featurizer.spec, buckets: 2 ** 20, words: [1, 2], chars: [2, 3] };
    const featurizer = new Featurizer(spec);
    let seed = 1;
    const random = () => {
      seed = (seed * 48271) % 2147483647;
      return (seed / 2147483647) * 2 - 1;
    };
    const heads = [{ name: 'toxicity', activation: 'sigmoid' as const, labels: ['toxic'] }];
    const model: LinearTextModel = {
      buckets: spec.buckets,
      idf: Float32Array.from({ length: spec.buckets }, () => 2 + random()),
      weights: Float32Array.from({ length: spec.buckets }, random),
      bias: Float32Array.of(0.5),
      heads,
    };
    const text = 'abc abd';
    const doc = featurizer.featurize(text);
    const x = tfidf(doc, model.idf);
    const push = new Map(
      Array.from(doc.indices, (index, k) => [index, (x[k] as number) * (model.weights[index] as number)]),
    );
    const own = new Set(featurizer.featurize('abc').indices);
    const other = new Set(featurizer.featurize('abd').indices);
    const bigram = [...doc.indices].filter((i) => !own.has(i) && !other.has(i));
    expect(bigram).toHaveLength(1);
    const sum = (indices: Iterable<number>, factor: number) =>
      [...indices].reduce((s, i) => s + factor * (push.get(i) as number), 0);
    const shared = [...own].filter((i) => other.has(i));
    const alone = [...own].filter((i) => !other.has(i));
    expect(shared.length).toBeGreaterThan(0); // " a", " ab", "ab"
    const expected = sum(alone, 1) + sum(shared, 0.5) + sum(bigram, 0.5);
    const got = explainText(model, featurizer, text, 'toxicity', 'toxic', ALL).contributions.find(
      (c) => c.text === 'abc',
    );
    expect(got?.contribution).toBeCloseTo(expected, 12);

    // A repeated word: its occurrences split the shared unigram and characters evenly.
    const twice = explainText(model, featurizer, 'abc abc', 'toxicity', 'toxic', ALL).contributions;
    expect(twice).toHaveLength(2);
    expect(twice[0]?.contribution).toBeCloseTo(twice[1]?.contribution as number, 12);
  });

  it('refuses an unknown label or head', () => {
    expect(() => explainText(joint.model, joint.featurizer, 'hi', 'tone', 'toxic')).toThrow(
      /no label "toxic"/,
    );
    expect(() => explainText(joint.model, joint.featurizer, 'hi', 'nope', 'toxic')).toThrow(/no label/);
  });

  it('refuses features hashed into another number of buckets than the model has', () => {
    const spec = { ...joint.featurizer.spec, buckets: joint.model.buckets * 2 };
    expect(() => explainText(joint.model, { spec }, 'you idiot', 'toxicity', 'toxic')).toThrow(/buckets/);
  });
});

describe('reasoningText', () => {
  const text = 'you are an idiot, thanks';
  const { contributions } = explainText(toxicityEn.model, toxicityEn.featurizer, text, 'toxicity', 'toxic');
  const strongest = (sign: number) =>
    contributions.reduce((best, c) => (sign * c.contribution > sign * best.contribution ? c : best));

  it('names the words that pushed towards a hateful verdict, in French and English', () => {
    const top = strongest(1).text;
    const fr = reasoningText('fr', { hateful: true, confidence: 0.923 }, contributions);
    const en = reasoningText('en', { hateful: true, confidence: 0.923 }, contributions);
    expect(fr).toMatch(/^Classé haineux \(confiance 92 %\) : les? termes? « /);
    expect(fr).toContain(`« ${top} »`);
    expect(fr).not.toContain('“');
    expect(en).toMatch(/^Classified as hateful \(confidence 92%\): the terms? “/);
    expect(en).toContain(`“${top}”`);
    expect(en).not.toContain('«');
    for (const sentence of [fr, en]) {
      expect(sentence).not.toContain(text);
      expect(sentence).not.toContain(strongest(-1).text);
    }
  });

  it('names the words that pushed away from the label for a not-hateful verdict', () => {
    const top = strongest(-1).text;
    expect(reasoningText('fr', { hateful: false, confidence: 0.6 }, contributions)).toContain(`« ${top} »`);
    const en = reasoningText('en', { hateful: false, confidence: 0.6 }, contributions);
    expect(en).toMatch(/^Classified as not hateful \(confidence 60%\): /);
    expect(en).toContain(`“${top}”`);
    expect(en).not.toContain(strongest(1).text);
  });

  it('says so when no word weighs clearly', () => {
    const tiny: Contribution[] = [
      { text: 'hello', begin: 0, end: 5, contribution: 0.01 },
      { text: 'there', begin: 6, end: 11, contribution: -0.02 },
    ];
    const fr = reasoningText('fr', { hateful: false, confidence: 0.9 }, tiny);
    expect(fr).toContain('aucun terme ne pèse nettement');
    expect(fr).not.toMatch(/«|hello|there/);
    const en = reasoningText('en', { hateful: true, confidence: 0.9 }, tiny);
    expect(en).toContain('no term weighs clearly');
    expect(en).not.toMatch(/“|hello|there/);
  });

  it('quotes each word once, at most three, clipped, and none much weaker than the strongest', () => {
    const url = `https://example.com/${'a'.repeat(200)}`;
    const words: Contribution[] = [
      { text: url, begin: 0, end: url.length, contribution: 3 },
      { text: 'Idiot', begin: 0, end: 5, contribution: 2.5 },
      { text: 'idiot', begin: 0, end: 5, contribution: 2.4 },
      { text: 'moron', begin: 0, end: 5, contribution: 2 },
      { text: 'dumb', begin: 0, end: 4, contribution: 1.9 },
      { text: 'the', begin: 0, end: 3, contribution: 0.2 },
    ];
    const en = reasoningText('en', { hateful: true, confidence: 1 }, words);
    expect(en).not.toContain(url);
    expect(en).toContain('“https://example.com/');
    expect(en).toContain('…”');
    expect(en.match(/“/g)).toHaveLength(3);
    expect(en).toContain('“Idiot”');
    expect(en).not.toMatch(/“idiot”|“dumb”|“the”/);
    const emoji = '😀'.repeat(60);
    const clipped = reasoningText('en', { hateful: true, confidence: 1 }, [
      { text: emoji, begin: 0, end: 120, contribution: 1 },
    ]);
    expect(clipped).toContain(`“${'😀'.repeat(39)}…”`);
    const fr = reasoningText('fr', { hateful: true, confidence: 1 }, words.slice(3));
    expect(fr).toBe(
      'Classé haineux (confiance 100 %) : les termes « moron », « dumb » pèsent le plus vers ce verdict.',
    );
  });
});

describe('plainChunkToken (the normaliser-free path for plain chunks)', () => {
  // Random chunks over letters, the punctuation it accepts and characters the normaliser rewrites.
  const alphabet = "aAbBeEoOsSxyzZ.,;:?!'@$|*01357-é";
  let seed = 7;
  const random = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const chunks = [
    ...['Hello', 'gens,', 'eux.', 'WHAT?', 'Soooo', 'AaA', 'aaa.', 'http', 'www.', 'wow!', "l'homme"],
    ...['1d10t', 'été', 'x.', 'I', 'ok;', 'abc:', 'xurl', 'sh!t', 'a.b', 'idiot..', ',', 'Zz'],
    ...Array.from({ length: 4000 }, () =>
      Array.from(
        { length: 1 + Math.floor(random() * 7) },
        () => alphabet[Math.floor(random() * alphabet.length)],
      ).join(''),
    ),
  ];
  const specs = [
    DEFAULT_NORMALIZER,
    { ...DEFAULT_NORMALIZER, lowercase: false },
    { ...DEFAULT_NORMALIZER, squashRepeats: false },
  ];

  it('answers exactly what tokenize does, whenever it answers', () => {
    let answered = 0;
    for (const spec of specs)
      for (const chunk of chunks) {
        const token = plainChunkToken(chunk, spec);
        if (token === undefined) continue;
        answered++;
        expect([chunk, token]).toEqual([chunk, ...tokenize(chunk, { normalizer: spec })]);
      }
    // The path is taken for the common shapes, not only in theory.
    expect(plainChunkToken('Gens,', DEFAULT_NORMALIZER)).toBe('gens');
    expect(answered).toBeGreaterThan(300);
  });

  it('leaves chunks the normaliser changes to the general path', () => {
    for (const chunk of ['Soooo', 'AaA', 'wow!', "l'homme", '1d10t', 'été', 'a.b', 'idiot..'])
      expect(plainChunkToken(chunk, DEFAULT_NORMALIZER)).toBeUndefined();
  });
});
