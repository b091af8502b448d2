/**
 * Where retraining finds its base training rows and its fixed evaluation sets: the labelled corpora
 * (scripts/mlops/corpus-data.ts, when `../shared/data` is there) or files in the blobs store under
 * `training/base/<model>/` and `training/eval/<model>/` in the upload format (datasets.ts).
 */
import type { BlobStore } from '../ports/blobs.js';
import type { TextModelManifest } from '../text/manifest.js';
import { datasetFormat, type TrainingExample, validateDataset } from './datasets.js';

/** An evaluation row: `<head>.<label>` → 0/1 for the labels this set carries. */
export interface EvalExample {
  text: string;
  lang: string | null;
  truth: Record<string, number>;
}

export interface EvalSet {
  name: string;
  examples: EvalExample[];
}

export interface TrainingData {
  /** Names the source in version records and reports, e.g. `blobs:training/base/toxicity-en/`. */
  describe(model: string): string;
  base(manifest: TextModelManifest): Promise<TrainingExample[]>;
  evaluation(manifest: TextModelManifest): Promise<EvalSet[]>;
}

/** Limits that accept any parseable file: for data already accepted once, read again for training. */
export const PERMISSIVE_LIMITS = {
  maxBytes: Number.MAX_SAFE_INTEGER,
  minRows: 1,
  maxRows: Number.MAX_SAFE_INTEGER,
  maxDuplicateShare: 1,
  maxEmptyShare: 1,
  minClassShare: 0,
};

/** Turns training rows into evaluation rows (sigmoid labels only). */
export function toEvalExamples(
  manifest: TextModelManifest,
  examples: readonly TrainingExample[],
): EvalExample[] {
  return examples.map((e) => {
    const truth: Record<string, number> = {};
    for (const head of manifest.heads) {
      const t = e.targets[head.name];
      if (head.activation !== 'sigmoid' || !t) continue;
      head.labels.forEach((label, l) => {
        truth[`${head.name}.${label}`] = t[l] as number;
      });
    }
    return { text: e.text, lang: e.lang, truth };
  });
}

/**
 * @example
 *   const data = blobTrainingData(platform.blobs);
 *   const rows = await data.base(manifest); // every training/base/toxicity-en/*.csv|jsonl
 */
export function blobTrainingData(blobs: BlobStore): TrainingData {
  async function read(
    prefix: string,
    manifest: TextModelManifest,
  ): Promise<{ name: string; examples: TrainingExample[] }[]> {
    const out = [];
    for (const info of await blobs.list(prefix)) {
      if (!datasetFormat(info.name)) continue;
      const blob = await blobs.get(info.name);
      if (!blob) continue;
      const { validation, examples } = validateDataset(blob.data, info.name, manifest, PERMISSIVE_LIMITS);
      const fatal = validation.problems.filter(
        (p) => p.check === 'format' || p.check === 'schema' || p.check === 'labels',
      );
      if (fatal.length > 0) throw new Error(`${info.name}: ${fatal.map((p) => p.message).join('; ')}`);
      out.push({ name: info.name.slice(prefix.length), examples });
    }
    return out;
  }
  return {
    describe: (model) => `blobs:training/base/${model}/`,
    async base(manifest) {
      return (await read(`training/base/${manifest.name}/`, manifest)).flatMap((f) => f.examples);
    },
    async evaluation(manifest) {
      return (await read(`training/eval/${manifest.name}/`, manifest)).map((f) => ({
        name: f.name,
        examples: toEvalExamples(manifest, f.examples),
      }));
    },
  };
}
