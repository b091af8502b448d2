/**
 * A sample of a detector's predictions for drift checks, for functions that keep no prediction history
 * (hate-speech): probability, language, text length and whether PII was found — never the text.
 * Written after the response path (fire and forget), honouring `VIGIL_STORE_PREDICTIONS=false`.
 */
import type { Logger } from '../logging/logger.js';
import { COLLECTIONS } from '../ports/collections.js';
import type { DocumentStore } from '../ports/documents.js';
import { redactPii } from '../privacy/redact.js';
import { BackgroundWrites } from '../runtime/background-writes.js';

export interface PredictionSampler {
  /** Records each item with probability `rate`; returns at once. */
  record(
    items: readonly {
      text: string;
      model: string;
      version: string;
      score: number;
      field: string;
      language: string;
    }[],
  ): void;
  /** Resolves when every pending write has finished (tests, shutdown). */
  flush(): Promise<void>;
}

export function createPredictionSampler(options: {
  documents: DocumentStore;
  clock: () => Date;
  logger: Logger;
  fn: string;
  rate: number;
  privacy: { storePredictions: boolean; retentionDays: number };
  random?: () => number;
}): PredictionSampler {
  const predictions = options.documents.collection(COLLECTIONS.predictions);
  const random = options.random ?? Math.random;
  const writes = new BackgroundWrites((error) =>
    options.logger.warn('prediction sample not stored', { reason: String(error).slice(0, 200) }),
  );
  const enabled = options.privacy.storePredictions && options.rate > 0;
  return {
    record(items) {
      if (!enabled) return;
      const chosen = items.filter(() => random() < options.rate);
      if (chosen.length === 0) return;
      const now = options.clock();
      // PII detection (a named-entity pass, ≈ 0.1 ms for a 100-character text) and the write run after the response,
      // not on the request's path.
      const write = new Promise<void>((resolve) => setImmediate(resolve)).then(() =>
        Promise.all(
          chosen.map((item) =>
            predictions.set(crypto.randomUUID(), {
              function: options.fn,
              createdAt: now,
              expiresAt: new Date(now.getTime() + options.privacy.retentionDays * 86_400_000),
              model: item.model,
              version: item.version,
              language: item.language,
              scores: { [item.field]: item.score },
              text: null,
              textLength: item.text.length,
              redactedKinds: [...new Set(redactPii(item.text).spans.map((s) => s.kind))],
              clientToken: null,
              communityId: null,
              requestedBy: 'drift-sample',
            }),
          ),
        ),
      );
      void writes.track(write);
    },
    flush() {
      return writes.flush();
    },
  };
}
