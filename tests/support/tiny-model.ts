/** Tiny real text models for tests: a few dozen hand-written sentences, trained and described like the real ones. */
import { createHash } from 'node:crypto';
import type { ModelFolderContents } from '../../shared/text/classifier.js';
import { type FeatureSpec, Featurizer } from '../../shared/text/features.js';
import type { LinearTextModel } from '../../shared/text/linear-model.js';
import type { TextModelHead } from '../../shared/text/manifest.js';
import { DEFAULT_NORMALIZER } from '../../shared/text/normalize.js';
import { featurizeAll, learnIdf, toMatrix, trainLinearModel } from '../../shared/text/train.js';

export const INSULTS = [
  'you are an idiot',
  'what a stupid moron',
  'shut up you pathetic loser',
  'you are a worthless idiot',
  'nobody likes you, you dumb clown',
  'go away you stupid fool',
  'you are so dumb it hurts',
  'what an ignorant moron you are',
  'you pathetic little troll',
  'get lost, idiot',
  'your brain is useless, you fool',
  'you are a disgusting loser',
  'stupid idiot, learn to read',
  'you clueless moron',
  'what a dumb and worthless comment, loser',
  'only a pathetic fool would write this',
  'you are the dumbest troll here',
  'shut up, you ignorant clown',
  'you idiot, stop editing',
  'moron, nobody asked you',
];

export const FRIENDLY = [
  'thank you for your help',
  'what a lovely idea',
  'have a great day, friend',
  'thanks, this article is really helpful',
  'I appreciate your kind words',
  'welcome to the project, glad you are here',
  'great work on the new section',
  'thanks for fixing the references',
  'your edits look good to me',
  'I enjoyed reading this, thank you',
  'nice photo, well done',
  'happy to help with the review',
  'thank you, that makes sense',
  'good point, I agree with you',
  'this is a wonderful contribution',
  'cheers, see you at the meetup',
  'kind regards and best wishes',
  'well written and clear, thanks',
  'I love this discussion',
  'please let me know if you need anything',
];

export function tinyFeatures(overrides: Partial<FeatureSpec> = {}): FeatureSpec {
  return {
    hash: 'fnv1a32-fmix',
    seed: 0,
    buckets: 2 ** 12,
    words: [1, 2],
    chars: [2, 4],
    sublinearTf: true,
    normalizer: DEFAULT_NORMALIZER,
    ...overrides,
  };
}

/** A one-label sigmoid `toxicity` head trained on insults (1) and friendly sentences (0). */
export function trainTinyToxicity(
  features: FeatureSpec,
  insults: readonly string[] = INSULTS,
  friendly: readonly string[] = FRIENDLY,
): LinearTextModel {
  const texts = [...insults, ...friendly];
  const docs = featurizeAll(new Featurizer(features), texts);
  const idf = learnIdf(docs, features.buckets);
  return trainLinearModel(toMatrix(docs, idf), idf, [
    {
      name: 'toxicity',
      activation: 'sigmoid',
      labels: ['toxic'],
      targets: Float32Array.from(texts, (_, i) => (i < insults.length ? 1 : 0)),
      c: 4,
    },
  ]);
}

export const TOXIC_HEAD: TextModelHead = {
  name: 'toxicity',
  activation: 'sigmoid',
  labels: ['toxic'],
  thresholds: { toxic: 0.5 },
};

/** Manifest and card for a test model, complete enough to pass the real schemas. */
export function tinyModelContents(options: {
  model: LinearTextModel;
  features: FeatureSpec;
  name: string;
  version: string;
  /** The test file that wrote it, named in the card's provenance. */
  file: string;
  rows: number;
  heads?: TextModelHead[];
  languages?: string[];
  summary?: string;
  seconds?: number;
  limits?: string[];
}): ModelFolderContents {
  const { model, features, name, version, file, rows } = options;
  const createdAt = '2025-01-01T00:00:00.000Z';
  return {
    model,
    manifest: {
      name,
      version,
      task: 'toxicity',
      createdAt,
      languages: options.languages ?? ['en'],
      inputs: {
        indices: { dtype: 'int64', shape: ['batch', 'width'] },
        values: { dtype: 'float32', shape: ['batch', 'width'] },
      },
      features,
      heads: options.heads ?? [TOXIC_HEAD],
      limits: { maxChars: 2000 },
    },
    card: {
      name,
      version,
      summary: options.summary ?? 'Toy English toxicity detector for tests.',
      intendedUse: 'Tests only; not for moderation.',
      data: {
        training: [
          {
            corpus: 'hand-written',
            split: 'train',
            file,
            rows,
            sha256: createHash('sha256').update(`${file}:${rows}`).digest('hex'),
            provenance: 'Written for this test.',
          },
        ],
        evaluation: [],
      },
      training: {
        command: `vitest run ${file}`,
        seconds: options.seconds ?? 0,
        rows,
        validationRows: 0,
        hyperparameters: { c: 4, buckets: features.buckets },
        machine: 'test',
        nodeVersion: process.version,
      },
      metrics: [],
      baselines: [],
      limits: options.limits ?? [`${rows} sentences of training data.`],
      createdAt,
    },
  };
}
