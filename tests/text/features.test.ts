/** Golden cases for normalisation and hashing, and the trainer's fit on separable data: the contract training and serving share. */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../shared/ml/random.js';
import { type FeatureSpec, Featurizer } from '../../shared/text/features.js';
import { type SparseDoc, scoreLinear } from '../../shared/text/linear-model.js';
import { DEFAULT_NORMALIZER, type NormalizerSpec, normalizeText } from '../../shared/text/normalize.js';
import {
  featurizeAll,
  type HeadTask,
  learnIdf,
  type TrainOptions,
  toMatrix,
  trainLinearModel,
} from '../../shared/text/train.js';

const OFF: NormalizerSpec = {
  nfkc: false,
  lowercase: false,
  foldAccents: false,
  placeholders: false,
  squashRepeats: false,
  deobfuscate: false,
};

describe('normalizeText', () => {
  it.each([
    ['full-width letters', 'ｉｄｉｏｔ', 'idiot'],
    ['full-width capitals and punctuation', 'Ｈｅｌｌｏ！', 'hello!'],
    ['a letter repeated 3+ times', 'soooo', 'soo'],
    ['spaced letters', 'f u c k', 'fuck'],
    ['dotted letters', 's.h.i.t', 'shit'],
    ['"!" inside a word', 'sh!t', 'shit'],
    ['leet digits', 'h3ll0 idi0t', 'hello idiot'],
    ['"$" inside a word', 'a$$hole', 'asshole'],
    ['a mask that is no letter', 'f*ck', 'f*ck'],
    ['an ordinal without leet digits', '2nd', '2nd'],
    ['a number', '300', ' xnum '],
    ['a decimal and a grouped number', '3.14 and 1,000', ' xnum  and  xnum '],
    ['an amount', '$5', '$ xnum '],
    ['a URL', 'see https://Example.com/x?y=1 now', 'see  xurl  now'],
    ['an upper-case URL', 'SEE HTTP://EXAMPLE.COM NOW', 'see  xurl  now'],
    ['a mention', 'hi @John_Doe!', 'hi  xuser !'],
    ['a trailing "!"', 'Hello!', 'hello!'],
    ['French accents', 'Énervé, ça va', 'énervé, ça va'],
    ['more stand-ins than letters', '1d10t', 'idiot'],
    ['ordinals and numbered words', '1st 3rd 4th 10k covid19 mp3', '1st 3rd 4th 10k covid19 mp3'],
    ['"@" inside a word', 'b@stard', 'bastard'],
    ['an email', 'write to me.you@mail.example.org', 'write to  xemail '],
    ['French single-letter words', 'Il y a à faire', 'il y a à faire'],
  ])('DEFAULT_NORMALIZER: %s', (_, input, expected) => {
    expect(normalizeText(input, DEFAULT_NORMALIZER)).toBe(expected);
  });

  it.each<[keyof NormalizerSpec | 'none', string, string]>([
    ['none', 'Ｈｉ @Bob 300 soooo f u c k', 'Ｈｉ @Bob 300 soooo f u c k'],
    ['nfkc', 'ｉｄｉｏｔ ＩＤＩＯＴ', 'idiot IDIOT'],
    ['lowercase', 'ÉNERVÉ', 'énervé'],
    ['foldAccents', 'Énervé, ça va', 'Enerve, ca va'],
    ['placeholders', '300 @bob www.x.fr 2nd', ' xnum   xuser   xurl  2nd'],
    ['squashRepeats', 'Nooooo!!! soooo', 'Noo!!! soo'],
    ['deobfuscate', 'f u c k Sh!t h3ll0 2nd 300 Hello!', 'fuck Shit hello 2nd 300 Hello!'],
  ])('only %s', (flag, input, expected) => {
    const spec = flag === 'none' ? OFF : { ...OFF, [flag]: true };
    expect(normalizeText(input, spec)).toBe(expected);
  });

  it('folds accents only when asked', () => {
    expect(normalizeText('Énervé, ça va', { ...DEFAULT_NORMALIZER, foldAccents: true })).toBe(
      'enerve, ca va',
    );
  });
});

// The hash written out again from its definition, in BigInt arithmetic, to catch drift in the Math.imul version.
const M32 = 0xffffffffn;
const WORD_SALT = 0x9e3779b1n;
const CHAR_SALT = 0xc2b2ae35n;

function fnv1a(s: string, seed: bigint): bigint {
  let h = (2166136261n ^ seed) & M32;
  for (let i = 0; i < s.length; i++) h = ((h ^ BigInt(s.charCodeAt(i))) * 16777619n) & M32;
  return h;
}

function fmix32(h: bigint): bigint {
  h ^= h >> 16n;
  h = (h * 0x85ebca6bn) & M32;
  h ^= h >> 13n;
  h = (h * 0xc2b2ae35n) & M32;
  return h ^ (h >> 16n);
}

const bucketOf = (s: string, salt: bigint, spec: FeatureSpec) =>
  Number(fmix32(fnv1a(s, BigInt(spec.seed) ^ salt)) & BigInt(spec.buckets - 1));

const spec = (overrides: Partial<FeatureSpec>): FeatureSpec => ({
  hash: 'fnv1a32-fmix',
  seed: 0,
  buckets: 2 ** 18,
  words: null,
  chars: null,
  sublinearTf: false,
  normalizer: OFF,
  ...overrides,
});

describe('Featurizer hashing', () => {
  const words = spec({ words: [1, 1] });
  const bigrams = spec({ chars: [2, 2] });

  it.each(['idiot', 'hello', 'you', 'Énervé'])('puts the word %j in its FNV-1a + fmix32 bucket', (word) => {
    const doc = new Featurizer(words).featurize(word);
    expect([...doc.indices]).toEqual([bucketOf(word, WORD_SALT, words)]);
    expect([...doc.values]).toEqual([1]);
  });

  it('hashes character bigrams of " word " with their own salt', () => {
    const expected = [' a', 'ab', 'b '].map((gram) => bucketOf(gram, CHAR_SALT, bigrams));
    expect([...new Featurizer(bigrams).featurize('ab').indices]).toEqual(expected.sort((a, b) => a - b));
  });

  it('keeps the buckets trained models depend on', () => {
    // Pinned: a change here silently invalidates every model trained before it.
    expect([...new Featurizer(words).featurize('idiot hello').indices]).toEqual([115723, 148520]);
    expect([...new Featurizer({ ...words, seed: 42 }).featurize('idiot').indices]).toEqual([73647]);
    expect([...new Featurizer(bigrams).featurize('ab').indices]).toEqual([5700, 88535, 164783]);
  });

  it('is deterministic across instances and calls', () => {
    const rich = spec({ words: [1, 2], chars: [1, 4], sublinearTf: true, normalizer: DEFAULT_NORMALIZER });
    const texts = ['You are an IDIOT!!!', 'thanks @bob, see https://x.org', '', 'ça va très bien'];
    const a = new Featurizer(rich);
    const first = texts.map((text) => a.featurize(text));
    // A second pass on the same instance proves the scratch counts are reset between texts.
    expect(texts.map((text) => a.featurize(text))).toEqual(first);
    expect(featurizeAll(new Featurizer(rich), texts)).toEqual(first);
  });

  it('returns sorted unique indices within the buckets', () => {
    const f = new Featurizer(spec({ buckets: 2 ** 10, words: [1, 3], chars: [1, 5] }));
    const { indices, values } = f.featurize('the quick brown fox jumps over the lazy dog the end');
    expect(indices.length).toBe(values.length);
    for (let k = 0; k < indices.length; k++) {
      expect(indices[k]).toBeGreaterThanOrEqual(0);
      expect(indices[k]).toBeLessThan(2 ** 10);
      if (k > 0) expect(indices[k]).toBeGreaterThan(indices[k - 1] as number);
    }
  });

  it('scales a repeated word to 1 + ln(tf) when sublinear', () => {
    const text = 'idiot idiot idiot';
    expect([...new Featurizer(words).featurize(text).values]).toEqual([3]);
    const sublinear = new Featurizer({ ...words, sublinearTf: true }).featurize(text);
    expect(sublinear.values.length).toBe(1);
    expect(sublinear.values[0]).toBeCloseTo(1 + Math.log(3), 6);
  });

  it('counts every substring of " word " whose length is in range, like char_wb', () => {
    const word = 'idiot';
    const padded = ` ${word} `;
    const [min, max] = [2, 4];
    let substrings = 0;
    for (let n = min; n <= max; n++) substrings += padded.length - n + 1;
    const doc = new Featurizer(spec({ chars: [min, max] })).featurize(word);
    expect(doc.values.reduce((sum, v) => sum + v, 0)).toBe(substrings);
    expect(substrings).toBe(15);
  });
});

describe('trainLinearModel on separable data', () => {
  const vocabularies = [
    ['apple', 'banana', 'cherry', 'grape', 'lemon', 'mango', 'peach', 'plum'],
    ['hammer', 'wrench', 'drill', 'saw', 'chisel', 'pliers', 'clamp', 'level'],
    ['violin', 'piano', 'guitar', 'flute', 'cello', 'drum', 'harp', 'oboe'],
  ];
  const random = mulberry32(7);
  const classes = Array.from({ length: 60 }, (_, i) => i % 3);
  const texts = classes.map((c) => {
    const vocabulary = vocabularies[c] as string[];
    return Array.from({ length: 4 }, () => vocabulary[Math.floor(random() * vocabulary.length)]).join(' ');
  });
  const featurizer = new Featurizer(spec({ buckets: 2 ** 12, words: [1, 1], sublinearTf: true }));
  const docs = featurizeAll(featurizer, texts);
  const tasks: HeadTask[] = [
    {
      name: 'fruit',
      activation: 'sigmoid',
      labels: ['fruit'],
      targets: Float32Array.from(classes, (c) => (c === 0 ? 1 : 0)),
      c: 10,
    },
    {
      name: 'topic',
      activation: 'softmax',
      labels: ['fruit', 'tool', 'music'],
      targets: Float32Array.from(classes),
      c: 10,
    },
  ];
  const train = (onProgress?: TrainOptions['onProgress']) => {
    const idf = learnIdf(docs, featurizer.spec.buckets);
    return trainLinearModel(toMatrix(docs, idf), idf, tasks, { onProgress });
  };

  it('has vocabularies that do not collide, so the set really is separable', () => {
    const buckets = vocabularies.map((v) => new Set(v.flatMap((w) => [...featurizer.featurize(w).indices])));
    const all = buckets.flatMap((set) => [...set]);
    expect(new Set(all).size).toBe(all.length);
  });

  it('fits every training row for a sigmoid and a softmax head, with decreasing softmax loss', () => {
    const losses: number[] = [];
    const model = train((p) => p.head === 'topic' && losses.push(p.loss));
    const argmax = (p: Float64Array) => p.indexOf(Math.max(...p));
    docs.forEach((doc: SparseDoc, i) => {
      const scores = scoreLinear(model, doc);
      expect((scores.fruit?.[0] ?? 0) >= 0.5, `row ${i} fruit`).toBe(classes[i] === 0);
      expect(argmax(scores.topic as Float64Array), `row ${i} topic`).toBe(classes[i]);
    });
    expect(losses.length).toBeGreaterThan(1);
    for (let k = 1; k < losses.length; k++) expect(losses[k]).toBeLessThan(losses[k - 1] as number);
  });

  it('is deterministic', () => {
    const [a, b] = [train(), train()];
    expect(b.weights).toEqual(a.weights);
    expect(b.bias).toEqual(a.bias);
    expect(b.heads).toEqual(a.heads);
  });
});
