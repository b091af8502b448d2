/**
 * The hate-speech detector seam: vigil's linear FR+EN model in process (default), or a heavy model
 * on a remote Open Inference Protocol V2 server with a timeout and a fallback to the local model.
 */

import type { V2TextClassifier } from '../../shared/inference/v2-client.js';
import { thresholdOf } from '../../shared/text/classifier.js';
import type { TextModelRegistry } from '../../shared/text/registry.js';

export const HATE_MODEL = 'hate-speech';
export const LANGUAGE_MODEL = 'language-id';

export interface HateScore {
  /** Probability that the text is hateful. */
  probability: number;
  /** The decision threshold for this text's language. */
  threshold: number;
  language: string;
  /** Which model answered: `hate-speech@1.0.0` or the remote model's name. */
  model: string;
  remote: boolean;
}

export interface HateDetector {
  score(texts: readonly string[]): Promise<HateScore[]>;
  remote: { url: string; model: string; client: V2TextClassifier; threshold: number } | null;
}

export interface HateDetectorOptions {
  registry: TextModelRegistry;
  remote?: { url: string; client: V2TextClassifier; threshold: number } | undefined;
  /** Called when the remote model failed and the local one answered instead. */
  onFallback?: (reason: string) => void;
}

/**
 * @example
 *   const detector = createHateDetector({ registry });
 *   const [score] = await detector.score(['Je déteste ces gens']);
 */
export function createHateDetector(options: HateDetectorOptions): HateDetector {
  const { registry } = options;

  async function languages(texts: readonly string[]): Promise<string[]> {
    const classifier = await registry.classifier(LANGUAGE_MODEL);
    const head = classifier.manifest.heads[0]!;
    const max = classifier.manifest.limits.maxChars;
    const scores = await classifier.score(texts.map((t) => t.slice(0, max)));
    return scores.map((s) => {
      const probs = s[head.name] ?? {};
      return Object.entries(probs).reduce(
        (best, [label, p]) => (p > (probs[best] ?? -1) ? label : best),
        'other',
      );
    });
  }

  /** The language only picks the threshold, so the hate model scores while the language is detected. */
  async function local(texts: readonly string[], detecting: Promise<string[]>): Promise<HateScore[]> {
    const classifier = await registry.classifier(HATE_MODEL);
    const head = classifier.manifest.heads.find((h) => h.name === 'hateful');
    if (head?.activation !== 'sigmoid') throw new Error(`${HATE_MODEL} has no sigmoid "hateful" head`);
    const [scores, langs] = await Promise.all([classifier.score(texts), detecting]);
    const model = `${classifier.manifest.name}@${classifier.manifest.version}`;
    return scores.map((s, i) => ({
      probability: s.hateful?.hateful as number,
      threshold: thresholdOf(head, 'hateful', langs[i]),
      language: langs[i] as string,
      model,
      remote: false,
    }));
  }

  return {
    remote: options.remote ? { ...options.remote, model: options.remote.client.model } : null,
    async score(texts) {
      const detecting = languages(texts);
      // Always awaited below, but maybe after another await fails first: never an unhandled rejection.
      detecting.catch(() => undefined);
      const remote = options.remote;
      if (!remote) return local(texts, detecting);
      const classifying = remote.client.classify(texts);
      classifying.catch(() => undefined);
      const langs = await detecting;
      try {
        const probs = await classifying;
        return probs.map((p, i) => ({
          probability: p.hateful as number,
          threshold: remote.threshold,
          language: langs[i] as string,
          model: remote.client.model,
          remote: true,
        }));
      } catch (error) {
        options.onFallback?.(error instanceof Error ? error.message : 'remote model failed');
        return local(texts, detecting);
      }
    },
  };
}

/** Seed 001's severity scale over the confidence of a hateful verdict. */
export function severity(
  hateful: boolean,
  confidence: number,
): 'Critique' | 'Élevée' | 'Moyenne' | 'Faible' | 'Aucune' {
  if (!hateful) return 'Aucune';
  if (confidence > 0.9) return 'Critique';
  if (confidence >= 0.8) return 'Élevée';
  if (confidence >= 0.6) return 'Moyenne';
  return 'Faible';
}
