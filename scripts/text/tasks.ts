/** The text models vigil trains: data, features, heads, hyperparameters and the figures each must beat. */
import type { FeatureSpec } from '../../shared/text/features.js';
import { DEFAULT_NORMALIZER } from '../../shared/text/normalize.js';
import type { CorpusName, LabelledText } from './corpora.js';

export const JIGSAW_LABELS = [
  'toxic',
  'severe_toxic',
  'obscene',
  'threat',
  'insult',
  'identity_hate',
] as const;
export const DAVIDSON_CLASSES = ['hate', 'offensive', 'neither'] as const;
export const LANGUAGES = ['en', 'fr', 'other'] as const;

/** A training row: its text and, per head, its targets (null = the row says nothing about that head). */
export interface TrainingRow {
  text: string;
  /** Sigmoid heads: one 0/1 per label. Softmax heads: [classIndex]. */
  targets: Record<string, number[] | null>;
}

export interface HeadSpec {
  name: string;
  activation: 'sigmoid' | 'softmax';
  labels: readonly string[];
  c: number | readonly number[];
  naiveBayes?: boolean | readonly boolean[];
  classWeights?: readonly number[];
  solver?: 'multinomial' | 'one-vs-rest';
  /** Softmax heads: offsets tuned on validation for macro F1 (default), or the plain most likely label. */
  decision?: 'tuned-offsets' | 'argmax';
  /** Sigmoid heads: prevalence of each label in the traffic the model serves, when the training pool differs. */
  servingPrevalence?: readonly number[];
  /** How a row of a corpus maps to this head's targets; null when the corpus does not label it. */
  targets: (row: LabelledText, corpus: CorpusName) => number[] | null;
}

/** Which model output is compared with which corpus target when evaluating. */
export interface EvaluationSpec {
  corpus: CorpusName;
  split: string;
  binary: { head: string; label: string; target: string }[];
  multiclass?: { head: string; target: string };
  /** HateCheck suites: accuracy per functionality of this head/label at its threshold. */
  functionalities?: { head: string; label: string };
  /** Paired bias probe: the mean score gap between this set and another with the same ids. */
  pairedWith?: { split: string; head: string; label: string };
  /** Language identification: every row of this set should be routed to this language. */
  language?: string;
}

export interface BaselineSpec {
  corpus: CorpusName;
  split: string;
  metric: 'meanRocAuc' | 'rocAuc' | 'weightedF1' | 'macroF1' | 'classF1';
  head: string;
  label?: string;
  baseline: number;
  source: string;
}

export interface TextTaskSpec {
  name: string;
  version: string;
  summary: string;
  intendedUse: string;
  languages: string[];
  features: FeatureSpec;
  training: CorpusName[];
  /** Adds rows from outside ../shared/data (the language identifier's "other" class). */
  extraTraining?: 'gettext-catalogues';
  heads: HeadSpec[];
  evaluation: EvaluationSpec[];
  baselines: BaselineSpec[];
  maxChars: number;
  epochs: number;
  limits: string[];
}

const SKLEARN =
  'scikit-learn TF-IDF word 1-2 + char 2-5, LogisticRegression(liblinear), same train split, this machine';

const binary = (value: number | undefined) => (value === undefined ? null : [value]);

const features = (overrides: Partial<FeatureSpec> = {}): FeatureSpec => ({
  hash: 'fnv1a32-fmix',
  seed: 20261121,
  buckets: 2 ** 18,
  words: [1, 2],
  chars: [2, 5],
  sublinearTf: true,
  normalizer: DEFAULT_NORMALIZER,
  ...overrides,
});

const toxicityEn: TextTaskSpec = {
  name: 'toxicity-en',
  version: '1.0.0',
  summary:
    'English multi-label toxicity (Jigsaw labels), the model behind the Perspective-compatible endpoint.',
  intendedUse:
    'Scoring English user comments for moderation queues: rank and triage, with a human in the loop for removals.',
  languages: ['en'],
  features: features({ perBlockNorm: true }),
  training: ['jigsaw-toxic-comments'],
  heads: [
    {
      name: 'toxicity',
      activation: 'sigmoid',
      labels: JIGSAW_LABELS,
      c: [4, 2, 4, 4, 2, 4],
      naiveBayes: [true, false, false, false, false, false],
      // Kaggle's full train.csv (159,571 rows): the pool here is enriched to ~23% toxic.
      servingPrevalence: [0.0958, 0.01, 0.0529, 0.003, 0.0494, 0.0088],
      targets: (row) =>
        row.targets.severe_toxic === undefined ? null : JIGSAW_LABELS.map((l) => row.targets[l] ?? 0),
    },
  ],
  evaluation: [
    { corpus: 'jigsaw-toxic-comments', split: 'test', binary: JIGSAW_LABELS.map((l) => jigsaw(l)) },
    {
      corpus: 'jigsaw-toxic-comments',
      split: 'official_test_labeled',
      binary: JIGSAW_LABELS.map((l) => jigsaw(l)),
    },
    { corpus: 'jigsaw-toxic-comments', split: 'official_test_toxic_only', binary: [jigsaw('toxic')] },
    {
      corpus: 'wikipedia-talk-toxicity-subset-en',
      split: 'test',
      binary: [jigsaw('toxic')],
      pairedWith: { split: 'test_identity_fuzzed', head: 'toxicity', label: 'toxic' },
    },
    { corpus: 'wikipedia-talk-toxicity-subset-en', split: 'test_identity_fuzzed', binary: [jigsaw('toxic')] },
  ],
  baselines: [
    {
      corpus: 'jigsaw-toxic-comments',
      split: 'test',
      metric: 'meanRocAuc',
      head: 'toxicity',
      baseline: 0.9738,
      source: SKLEARN,
    },
    {
      corpus: 'jigsaw-toxic-comments',
      split: 'official_test_toxic_only',
      metric: 'rocAuc',
      head: 'toxicity',
      label: 'toxic',
      baseline: 0.9619,
      source: SKLEARN,
    },
  ],
  maxChars: 20_000,
  epochs: 6,
  limits: [
    'Trained on Wikipedia talk-page comments (2018): other registers (gaming chat, reviews, tweets) score less reliably.',
    'threat (254 training positives) and severe_toxic (849) are rare: their thresholds and probabilities are noisy.',
    'Probabilities are corrected from the enriched training pool (~23% toxic) to Kaggle prevalence (9.6%); traffic with another base rate needs its own thresholds.',
    'Identity terms raise scores (see the fuzzed-identity probe gap in the report); do not use it to rank people or groups.',
    'A bag of n-grams: negation, quotation and sarcasm are not understood.',
  ],
};

function jigsaw(label: string) {
  return { head: 'toxicity', label, target: label };
}

const FRENCH_HATE: CorpusName[] = ['french-hate-speech-superset', 'mlma-hate-speech-fr'];

const toxicityFr: TextTaskSpec = {
  name: 'toxicity-fr',
  version: '1.0.0',
  summary: 'French toxicity for the Perspective-compatible endpoint (`languages: ["fr"]`).',
  intendedUse: 'Scoring French user comments for moderation queues, with a human in the loop for removals.',
  languages: ['fr'],
  features: features({ perBlockNorm: true }),
  training: [...FRENCH_HATE, 'jigsaw-toxic-comments'],
  heads: [
    {
      name: 'toxicity',
      activation: 'sigmoid',
      labels: ['toxic'],
      c: 4,
      naiveBayes: true,
      // MLMA's broad "anything but plainly normal" is closer to toxicity than to hate: kept here.
      // Jigsaw's English comments carry the toxicity notion itself (insults, obscenity, no target
      // needed); the French tweets carry the language.
      targets: (row) => binary(row.targets.toxic ?? row.targets.hateful),
    },
  ],
  evaluation: [
    {
      corpus: 'jigsaw-multilingual-fr',
      split: 'test',
      binary: [{ head: 'toxicity', label: 'toxic', target: 'toxic' }],
    },
    {
      corpus: 'french-hate-speech-superset',
      split: 'test',
      binary: [{ head: 'toxicity', label: 'toxic', target: 'hateful' }],
    },
  ],
  baselines: [],
  maxChars: 20_000,
  epochs: 10,
  limits: [
    'No labelled French toxicity training set exists here: it learns from French hate-speech sets (tweets), a narrower notion than toxicity (insults and obscenity without a target are under-flagged).',
    'Evaluated on Jigsaw Multilingual French (Wikipedia comments) only; never trained on it.',
    'Only `toxic` is produced; the other Perspective attributes are English-only.',
  ],
};

const hateSpeech: TextTaskSpec = {
  name: 'hate-speech',
  version: '1.0.0',
  summary: 'French + English hateful vs not, and Davidson’s hate / offensive / neither for English.',
  intendedUse: 'Flagging hateful posts for review in French and English social media moderation.',
  languages: ['en', 'fr'],
  features: features({ perBlockNorm: true }),
  // MLMA calls every tweet that is not plainly "normal" hateful (offensive, disrespectful, fearful…),
  // which contradicts the other sets — and the French superset already holds MLMA's French tweets
  // under its own labels. Training on MLMA cost 0.08 ROC AUC on French validation rows (0.74 vs
  // 0.82), so it is an evaluation set only.
  training: [
    'davidson-hate-speech-en',
    'hatexplain-en',
    'olid-offenseval2019-en',
    'french-hate-speech-superset',
  ],
  heads: [
    {
      name: 'hateful',
      activation: 'sigmoid',
      labels: ['hateful'],
      c: 4,
      naiveBayes: true,
      targets: (row) => binary(row.targets.hateful),
    },
    {
      name: 'davidson',
      activation: 'softmax',
      labels: DAVIDSON_CLASSES,
      c: 4,
      solver: 'one-vs-rest',
      targets: (row, corpus) => (corpus === 'davidson-hate-speech-en' ? binary(row.targets.davidson) : null),
    },
  ],
  evaluation: [
    ...(
      ['davidson-hate-speech-en', 'mlma-hate-speech-en', 'hatexplain-en', 'olid-offenseval2019-en'] as const
    ).map((corpus) => ({ corpus, split: 'test', binary: [hateful()] })),
    {
      corpus: 'davidson-hate-speech-en',
      split: 'test',
      binary: [],
      multiclass: { head: 'davidson', target: 'davidson' },
    },
    ...FRENCH_HATE.map((corpus) => ({ corpus, split: 'test', binary: [hateful()] })),
    {
      corpus: 'hatecheck-en',
      split: 'test',
      binary: [hateful()],
      functionalities: { head: 'hateful', label: 'hateful' },
    },
    {
      corpus: 'multilingual-hatecheck-fr',
      split: 'test',
      binary: [hateful()],
      functionalities: { head: 'hateful', label: 'hateful' },
    },
  ],
  baselines: [
    {
      corpus: 'davidson-hate-speech-en',
      split: 'test',
      metric: 'weightedF1',
      head: 'davidson',
      baseline: 0.892,
      source: SKLEARN,
    },
    {
      corpus: 'davidson-hate-speech-en',
      split: 'test',
      metric: 'macroF1',
      head: 'davidson',
      baseline: 0.757,
      source: SKLEARN,
    },
    {
      corpus: 'davidson-hate-speech-en',
      split: 'test',
      metric: 'classF1',
      head: 'davidson',
      label: 'hate',
      baseline: 0.467,
      source: SKLEARN,
    },
    {
      corpus: 'french-hate-speech-superset',
      split: 'test',
      metric: 'rocAuc',
      head: 'hateful',
      label: 'hateful',
      baseline: 0.85,
      source: SKLEARN,
    },
    {
      corpus: 'french-hate-speech-superset',
      split: 'test',
      metric: 'classF1',
      head: 'hateful',
      label: 'hateful',
      baseline: 0.627,
      source: SKLEARN,
    },
  ],
  maxChars: 20_000,
  epochs: 10,
  limits: [
    'Trained on tweets and Gab posts; "hateful" follows each source’s own definition (MLMA counts any non-normal tweet, OLID only targeted group insults).',
    'HateCheck shows where it fails (see the functionality table): counter-speech, quoted and negated hate and reclaimed slurs are often flagged.',
    'The Davidson head is English-only and inherits that set’s known dialect bias (AAE tweets are over-flagged as offensive).',
  ],
};

function hateful() {
  return { head: 'hateful', label: 'hateful', target: 'hateful' };
}

const ALL_TEXT_SETS: CorpusName[] = [
  'jigsaw-toxic-comments',
  'davidson-hate-speech-en',
  'mlma-hate-speech-en',
  'hatexplain-en',
  'olid-offenseval2019-en',
  'french-hate-speech-superset',
  'mlma-hate-speech-fr',
];

const languageId: TextTaskSpec = {
  name: 'language-id',
  version: '1.0.0',
  summary: 'Routes a text to the English or French models, or to neither (other languages).',
  intendedUse: 'Choosing which language model scores a comment when the caller did not say.',
  languages: ['en', 'fr', 'mul'],
  features: features({ buckets: 2 ** 16, words: [1, 1], chars: [1, 4] }),
  training: ALL_TEXT_SETS,
  extraTraining: 'gettext-catalogues',
  heads: [
    {
      name: 'language',
      activation: 'softmax',
      labels: LANGUAGES,
      c: 10,
      solver: 'one-vs-rest',
      // Offsets tuned for macro F1 pushed short English texts ("ok") to French: routing uses the argmax.
      decision: 'argmax',
      targets: (row) => [LANGUAGES.indexOf(row.lang)],
    },
  ],
  evaluation: [
    ...(
      [
        ['jigsaw-toxic-comments', 'test'],
        ['jigsaw-toxic-comments', 'official_test_toxic_only'],
        ['wikipedia-talk-toxicity-subset-en', 'test'],
        ['davidson-hate-speech-en', 'test'],
        ['mlma-hate-speech-en', 'test'],
        ['hatexplain-en', 'test'],
        ['olid-offenseval2019-en', 'test'],
        ['hatecheck-en', 'test'],
      ] as const
    ).map(([corpus, split]) => ({ corpus, split, binary: [], language: 'en' })),
    ...(
      [
        ['french-hate-speech-superset', 'test'],
        ['mlma-hate-speech-fr', 'test'],
        ['jigsaw-multilingual-fr', 'test'],
        ['multilingual-hatecheck-fr', 'test'],
      ] as const
    ).map(([corpus, split]) => ({ corpus, split, binary: [], language: 'fr' })),
  ],
  baselines: [],
  maxChars: 20_000,
  epochs: 10,
  limits: [
    'The "other" class is learned from software UI translations (Debian gettext catalogues), not from social media text.',
    'Very short texts (a word or two, emoji only) carry little evidence; callers should pass a language when they know it.',
    'Code-switched text gets the majority language.',
  ],
};

export const TEXT_TASKS: Record<string, TextTaskSpec> = Object.fromEntries(
  [toxicityEn, toxicityFr, hateSpeech, languageId].map((task) => [task.name, task]),
);
