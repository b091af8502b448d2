/** Prediction history and feedback of the toxicity function: redacted, expiring, erasable per data subject. */
import { randomUUID } from 'node:crypto';
import { COLLECTIONS } from '../../shared/ports/collections.js';
import type { Collection, DocumentStore } from '../../shared/ports/documents.js';
import { redactPii } from '../../shared/privacy/redact.js';
import { storableText } from '../../shared/privacy/storage-policy.js';
import { BackgroundWrites } from '../../shared/runtime/background-writes.js';

export interface PredictionDoc {
  function: 'toxicity';
  createdAt: Date;
  expiresAt: Date;
  model: string;
  version: string;
  language: string;
  /** Attribute (or seed label) → probability. */
  scores: Record<string, number>;
  /** PII-redacted text; null when the deployment keeps scores only. */
  text: string | null;
  redactedKinds: string[];
  clientToken: string | null;
  communityId: string | null;
  /** Who asked (`apiKey:<id>` / `user:<sub>`): listing by client token stays within one caller. */
  requestedBy: string;
}

export interface FeedbackDoc {
  function: 'toxicity';
  source: 'perspective-suggestscore';
  createdAt: Date;
  expiresAt: Date;
  language: string | null;
  /** Attribute → the score the client suggests. */
  suggested: Record<string, number>;
  text: string;
  redactedKinds: string[];
  clientToken: string | null;
  communityId: string | null;
  requestedBy: string;
}

export interface HistoryPolicy {
  /** False: nothing about scored comments is written (the deployment-wide `doNotStore`). */
  storePredictions: boolean;
  retentionDays: number;
  feedbackRetentionDays: number;
}

export interface PredictionInput {
  text: string;
  doNotStore: boolean;
  model: string;
  version: string;
  language: string;
  scores: Record<string, number>;
  clientToken?: string | undefined;
  communityId?: string | undefined;
  requestedBy: string;
}

/**
 * @example
 *   const history = new PredictionHistory(platform.documents, policy, platform.clock, { onWriteError });
 *   await history.record({ text, doNotStore: false, model: 'toxicity-en', ... });
 *   await history.flush(); // before reading back or shutting down
 */
export interface WriteBehindOptions {
  /**
   * Prediction writes allowed in flight behind the response; past it, `record` waits for its own
   * write (backpressure instead of unbounded memory). Default 10,000.
   */
  maxPendingWrites?: number;
  /** A write behind the response failed: the caller has its answer, so this is the only report. */
  onWriteError?: (error: unknown) => void;
}

export class PredictionHistory {
  readonly #predictions: Collection<PredictionDoc>;
  readonly #feedback: Collection<FeedbackDoc>;
  readonly #writes: BackgroundWrites;

  constructor(
    documents: DocumentStore,
    readonly policy: HistoryPolicy,
    private readonly clock: () => Date,
    options: WriteBehindOptions = {},
  ) {
    this.#predictions = documents.collection<PredictionDoc>(COLLECTIONS.predictions);
    this.#feedback = documents.collection<FeedbackDoc>(COLLECTIONS.feedback);
    this.#writes = new BackgroundWrites(
      options.onWriteError ?? (() => undefined),
      options.maxPendingWrites ?? 10_000,
    );
  }

  /** Prediction writes still behind the response. */
  get pendingWrites(): number {
    return this.#writes.pending;
  }

  /** Resolves once every prediction write issued so far has settled (reads, erasure and shutdown wait on it). */
  flush(): Promise<void> {
    return this.#writes.flush();
  }

  /**
   * Stores one prediction unless the caller or the deployment said not to. Returns the id (null when
   * nothing is stored) and the redacted text, which seed 000's `/predict` echoes.
   *
   * Write-behind: the text is redacted now, the write is issued now (so the store orders it before any
   * later read or erasure), but the response does not wait for its commit — a WASM Postgres commit or
   * a Firestore round trip would otherwise sit on every request's latency. `flush()` (reads, erasure,
   * shutdown) waits for it; a failed write goes to `onWriteError`. Only a crash of the process loses
   * the writes still in flight (milliseconds' worth under load).
   */
  async record(p: PredictionInput): Promise<{ id: string | null; redactedText: () => string }> {
    // Redaction costs tens of µs per comment: nothing stored, nothing redacted unless asked for.
    if (!this.policy.storePredictions || p.doNotStore)
      return { id: null, redactedText: () => redactPii(p.text).text };
    const now = this.clock();
    const stored = storableText(
      p.text,
      { doNotStore: false, retentionDays: this.policy.retentionDays },
      now,
    )!;
    const id = randomUUID();
    const write = this.#predictions.set(id, {
      function: 'toxicity',
      createdAt: now,
      expiresAt: stored.expiresAt,
      model: p.model,
      version: p.version,
      language: p.language,
      scores: p.scores,
      text: stored.text,
      redactedKinds: stored.redactedKinds,
      clientToken: p.clientToken ?? null,
      communityId: p.communityId ?? null,
      requestedBy: p.requestedBy,
    });
    await this.#writes.track(write);
    return { id, redactedText: () => stored.text };
  }

  /** Suggested scores are labelled data for retraining: kept (redacted) for the feedback retention. */
  async recordFeedback(f: {
    text: string;
    language: string | null;
    suggested: Record<string, number>;
    clientToken?: string | undefined;
    communityId?: string | undefined;
    requestedBy: string;
  }): Promise<string | null> {
    // A deployment that keeps nothing keeps no feedback text either.
    if (!this.policy.storePredictions) return null;
    const now = this.clock();
    const stored = storableText(
      f.text,
      { doNotStore: false, retentionDays: this.policy.feedbackRetentionDays },
      now,
    );
    const id = randomUUID();
    await this.#feedback.set(id, {
      function: 'toxicity',
      source: 'perspective-suggestscore',
      createdAt: now,
      expiresAt: stored!.expiresAt,
      language: f.language,
      suggested: f.suggested,
      text: stored!.text,
      redactedKinds: stored!.redactedKinds,
      clientToken: f.clientToken ?? null,
      communityId: f.communityId ?? null,
      requestedBy: f.requestedBy,
    });
    return id;
  }

  /** A data subject's predictions, newest first; only those the same caller made unless `anyCaller`. */
  async list(clientToken: string, options: { requestedBy: string; anyCaller: boolean; limit: number }) {
    const where = [
      { field: 'clientToken', op: '==' as const, value: clientToken },
      ...(options.anyCaller ? [] : [{ field: 'requestedBy', op: '==' as const, value: options.requestedBy }]),
    ];
    await this.flush();
    const docs = await this.#predictions.query({ where, limit: MAX_PAGE });
    return docs
      .sort((a, b) => b.data.createdAt.getTime() - a.data.createdAt.getTime())
      .slice(0, options.limit);
  }

  /** GDPR erasure: every stored prediction and feedback of this client token, whoever made it. */
  async erase(clientToken: string): Promise<{ predictions: number; feedback: number }> {
    await this.flush();
    return {
      predictions: await eraseAll(this.#predictions, clientToken),
      feedback: await eraseAll(this.#feedback, clientToken),
    };
  }
}

const MAX_PAGE = 1000;

async function eraseAll(collection: Collection<{ clientToken: string | null }>, clientToken: string) {
  let deleted = 0;
  for (;;) {
    const page = await collection.query({
      where: [{ field: 'clientToken', op: '==', value: clientToken }],
      limit: MAX_PAGE,
    });
    for (const doc of page) if (await collection.delete(doc.id)) deleted++;
    if (page.length < MAX_PAGE) return deleted;
  }
}
