/** Hashed word and character n-grams with sublinear tf: the deterministic text → sparse vector step. */
import { z } from 'zod';
import type { SparseDoc } from './linear-model.js';
import { NormalizerSpecSchema, normalizeText } from './normalize.js';

const Range = z.tuple([z.number().int().min(1).max(8), z.number().int().min(1).max(8)]);

export const FeatureSpecSchema = z
  .object({
    hash: z.literal('fnv1a32-fmix').describe('FNV-1a over UTF-16 code units, murmur3 fmix32 finaliser'),
    seed: z.number().int().nonnegative(),
    buckets: z
      .number()
      .int()
      .refine((n) => n >= 2 && n <= 2 ** 24 && (n & (n - 1)) === 0, 'a power of two up to 2^24'),
    words: Range.nullable().describe('word n-gram orders [min, max], or null for none'),
    chars: Range.nullable().describe('character n-gram lengths [min, max] inside " word " bounds'),
    sublinearTf: z.boolean().describe('tf → 1 + ln(tf)'),
    perBlockNorm: z
      .boolean()
      .optional()
      .describe(
        'words hash into the lower half of the buckets and characters into the upper half, and each half is L2-normalised on its own (as a union of two TF-IDF vectorisers)',
      ),
    normalizer: NormalizerSpecSchema,
  })
  .strict();
export type FeatureSpec = z.infer<typeof FeatureSpecSchema>;

/** The first character bucket when words and characters are normalised apart, else 0. */
export function blockSplit(spec: Pick<FeatureSpec, 'buckets' | 'perBlockNorm'>): number {
  return spec.perBlockNorm ? spec.buckets / 2 : 0;
}

const TOKEN = /[\p{L}\p{N}_]+/gu;
const FNV_PRIME = 16777619;
// Distinct salts keep the word "ab" and the character bigram "ab" apart.
const WORD_SALT = 0x9e3779b1;
const BIGRAM_SALT = 0x85ebca6b;
const CHAR_SALT = 0xc2b2ae35;

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function hashString(s: string, seed: number): number {
  let h = (2166136261 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h;
}

/** The normalised words a text is hashed from. */
export function tokenize(text: string, spec: Pick<FeatureSpec, 'normalizer'>): string[] {
  return normalizeText(text, spec.normalizer).match(TOKEN) ?? [];
}

/**
 * Calls `emit(bucket, word, span)` for every feature occurrence: each word n-gram (`span` words from
 * `word` on), then the character n-grams of each ` word ` (sklearn's char_wb; span 1). The one
 * definition of the hashing, shared by the featurizer and the explainer.
 */
export function forEachFeature(
  words: readonly string[],
  spec: FeatureSpec,
  emit: (bucket: number, word: number, span: number) => void,
): void {
  const split = blockSplit(spec);
  const mask = spec.buckets - 1;
  if (spec.words) {
    const [min, max] = spec.words;
    const hashes = words.map((w) => hashString(w, spec.seed ^ WORD_SALT));
    for (let i = 0; i < hashes.length; i++) {
      let h = hashes[i] as number;
      for (let n = 1; n <= max && i + n <= hashes.length; n++) {
        if (n > 1) h = Math.imul(h ^ BIGRAM_SALT, FNV_PRIME) ^ (hashes[i + n - 1] as number);
        if (n < min) continue;
        const hash = fmix32(Math.imul(h, n));
        emit(split ? hash & (split - 1) : hash & mask, i, n);
      }
    }
  }
  if (spec.chars) {
    const [min, max] = spec.chars;
    const base = (2166136261 ^ spec.seed ^ CHAR_SALT) >>> 0;
    for (let w = 0; w < words.length; w++) {
      const padded = ` ${words[w]} `;
      const length = padded.length;
      for (let start = 0; start < length; start++) {
        let h = base;
        for (let end = start; end < length && end - start < max; end++) {
          h = Math.imul(h ^ padded.charCodeAt(end), FNV_PRIME);
          if (end - start + 1 < min) continue;
          const hash = fmix32(h);
          emit(split ? (hash & (split - 1)) | split : hash & mask, w, 1);
        }
      }
    }
  }
}

/** A feature's value from how many times it occurred (counts saturate at 65,535, as the featurizer's do). */
export function tfValue(count: number, sublinear: boolean): number {
  const tf = Math.min(count, 65535);
  return tf === 1 ? 1 : sublinear ? 1 + Math.log(tf) : tf;
}

/**
 * Turns texts into hashed sparse vectors. One instance reuses its scratch buffers, so it is cheap
 * per call but not re-entrant across async boundaries (it never awaits).
 *
 * @example
 *   const f = new Featurizer(spec);
 *   const doc = f.featurize('You are an idiot'); // { indices: Int32Array, values: Float32Array }
 */
export class Featurizer {
  readonly spec: FeatureSpec;
  readonly #counts: Uint16Array;
  #touched = new Int32Array(4096);
  #size = 0;

  constructor(spec: FeatureSpec) {
    this.spec = FeatureSpecSchema.parse(spec);
    this.#counts = new Uint16Array(spec.buckets);
  }

  featurize(text: string): SparseDoc {
    return this.featurizeWords(tokenize(text, this.spec));
  }

  /** The same, from words already tokenised with this spec (`tokenize(text, spec)`). */
  featurizeWords(words: readonly string[]): SparseDoc {
    this.#size = 0;
    forEachFeature(words, this.spec, this.#add);
    return this.#collect();
  }

  // An arrow property, so forEachFeature can call it without a bind per text.
  readonly #add = (index: number): void => {
    const count = this.#counts[index] as number;
    if (count === 0) {
      if (this.#size === this.#touched.length) {
        const grown = new Int32Array(this.#size * 2);
        grown.set(this.#touched);
        this.#touched = grown;
      }
      this.#touched[this.#size++] = index;
    }
    if (count < 65535) this.#counts[index] = count + 1;
  };

  #collect(): SparseDoc {
    const indices = this.#touched.slice(0, this.#size).sort();
    const values = new Float32Array(indices.length);
    const sublinear = this.spec.sublinearTf;
    for (let k = 0; k < indices.length; k++) {
      const index = indices[k] as number;
      values[k] = tfValue(this.#counts[index] as number, sublinear);
      this.#counts[index] = 0;
    }
    return { indices, values };
  }
}
