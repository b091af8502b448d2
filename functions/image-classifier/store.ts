/**
 * What the image classifier keeps (seed 002's GDPR section): inference logs with technical metadata only
 * (no image content; 180 days by default) and feedback (365 days), both as expiring documents. The image
 * itself goes to the blobs store only when a deployment opts in (`VIGIL_STORE_IMAGES=true`).
 */

import type { BlobStore } from '../../shared/ports/blobs.js';
import { COLLECTIONS } from '../../shared/ports/collections.js';
import type { Collection, DocumentStore } from '../../shared/ports/documents.js';
import type { ImageFormat } from '../../shared/vision/decode.js';

export const FUNCTION = 'image-classifier';
export const IMAGE_PREFIX = 'images/image-classifier/';

export interface ImagePredictionDoc {
  function: typeof FUNCTION;
  createdAt: Date;
  expiresAt: Date;
  model: string;
  version: string;
  label: string;
  confidence: number;
  probabilities: Record<string, number>;
  unknown: boolean;
  /** Input statistics for drift checks; never pixels. */
  input: { format: ImageFormat; width: number; height: number; bytes: number; brightness: number };
  inferenceMs: number;
  /** Blob name of the stored image, or null (the default: images are not kept). */
  image: string | null;
  requestedBy: string;
}

export interface ImageFeedbackDoc {
  function: typeof FUNCTION;
  source: 'image-feedback';
  createdAt: Date;
  expiresAt: Date;
  predictionId: string;
  model: string;
  version: string;
  predicted: string;
  /** Did the user agree with the predicted label? */
  correct: boolean;
  /** The true label when known: the prediction when correct, else what the user said (or null). */
  label: string | null;
  image: string | null;
  requestedBy: string;
}

export interface ImageHistoryPolicy {
  storePredictions: boolean;
  storeImages: boolean;
  logRetentionDays: number;
  feedbackRetentionDays: number;
}

export class FeedbackConflictError extends Error {
  override name = 'FeedbackConflictError';
}

const DAY = 86_400_000;

export class ImageHistory {
  readonly #predictions: Collection<ImagePredictionDoc>;
  readonly #feedback: Collection<ImageFeedbackDoc>;

  constructor(
    documents: DocumentStore,
    private readonly blobs: BlobStore,
    readonly policy: ImageHistoryPolicy,
    private readonly clock: () => Date,
  ) {
    this.#predictions = documents.collection<ImagePredictionDoc>(COLLECTIONS.predictions);
    this.#feedback = documents.collection<ImageFeedbackDoc>(COLLECTIONS.feedback);
  }

  /** Stores the inference log (and, if configured, the image); false when the deployment keeps nothing. */
  async record(
    id: string,
    prediction: Omit<ImagePredictionDoc, 'function' | 'createdAt' | 'expiresAt' | 'image'>,
    image: { bytes: Uint8Array; format: ImageFormat },
  ): Promise<boolean> {
    if (!this.policy.storePredictions) return false;
    const now = this.clock();
    const expiresAt = new Date(now.getTime() + this.policy.logRetentionDays * DAY);
    let stored: string | null = null;
    if (this.policy.storeImages) {
      stored = `${IMAGE_PREFIX}${now.toISOString().slice(0, 10)}/${id}.${image.format === 'jpeg' ? 'jpg' : image.format}`;
      await this.blobs.put(stored, image.bytes, {
        contentType: `image/${image.format}`,
        metadata: { expiresAt: expiresAt.toISOString() },
      });
    }
    await this.#predictions.set(id, {
      function: FUNCTION,
      createdAt: now,
      expiresAt,
      image: stored,
      ...prediction,
    });
    return true;
  }

  async prediction(id: string): Promise<ImagePredictionDoc | null> {
    const doc = await this.#predictions.get(id);
    return doc?.function === FUNCTION ? doc : null;
  }

  /** One feedback per prediction; a second one is a conflict (the first is kept). */
  async addFeedback(
    predictionId: string,
    prediction: ImagePredictionDoc,
    verdict: { correct: boolean; label: string | null },
    requestedBy: string,
  ): Promise<ImageFeedbackDoc> {
    const now = this.clock();
    const doc: ImageFeedbackDoc = {
      function: FUNCTION,
      source: 'image-feedback',
      createdAt: now,
      expiresAt: new Date(now.getTime() + this.policy.feedbackRetentionDays * DAY),
      predictionId,
      model: prediction.model,
      version: prediction.version,
      predicted: prediction.label,
      correct: verdict.correct,
      label: verdict.label,
      image: prediction.image,
      requestedBy,
    };
    if (!(await this.#feedback.create(predictionId, doc)))
      throw new FeedbackConflictError('feedback was already given for this prediction');
    return doc;
  }

  /** Agreement over the feedback still retained. */
  async feedbackStats(): Promise<{ total: number; agree: number; agreementRate: number | null }> {
    const mine = { field: 'function', op: '==' as const, value: FUNCTION };
    const [total, agree] = await Promise.all([
      this.#feedback.count([mine]),
      this.#feedback.count([mine, { field: 'correct', op: '==', value: true }]),
    ]);
    return { total, agree, agreementRate: total === 0 ? null : agree / total };
  }
}

/**
 * The purge the seed asks for: expired inference logs and feedback (Firestore's TTL policy does the same
 * in production) and stored images past the log retention. Returns what was deleted.
 */
export async function purgeExpired(
  documents: DocumentStore,
  blobs: BlobStore,
  now: Date,
  logRetentionDays: number,
): Promise<{ predictions: number; feedback: number; images: number }> {
  const predictions = await documents.collection(COLLECTIONS.predictions).purgeExpired(now);
  const feedback = await documents.collection(COLLECTIONS.feedback).purgeExpired(now);
  let images = 0;
  const cutoff = now.getTime() - logRetentionDays * DAY;
  for (;;) {
    const page = await blobs.list(IMAGE_PREFIX, { limit: 1000 });
    const expired = page.filter((b) => {
      const at = Date.parse(b.metadata.expiresAt ?? '');
      return Number.isFinite(at) ? at <= now.getTime() : b.updated.getTime() <= cutoff;
    });
    for (const blob of expired) if (await blobs.delete(blob.name)) images++;
    // Names start with the upload date, so once a page holds a live image every later one is live too.
    if (page.length < 1000 || expired.length < page.length) break;
  }
  return { predictions, feedback, images };
}
