/**
 * Writes made behind the response (prediction history, drift samples): tracked so reads, erasure and
 * shutdown can wait for them, bounded so a slow store applies backpressure instead of growing memory,
 * and reported when they fail, since the caller already has its answer.
 */
export class BackgroundWrites {
  readonly #pending = new Set<Promise<void>>();

  constructor(
    private readonly onError: (error: unknown) => void,
    /** Past this many writes in flight, `track` waits for the write it was given. */
    private readonly maxPending = Number.POSITIVE_INFINITY,
  ) {}

  get pending(): number {
    return this.#pending.size;
  }

  /** Tracks a write; returns at once unless the backlog is full, then once this write has settled. */
  async track(write: Promise<unknown>): Promise<void> {
    const tracked: Promise<void> = write
      .then(
        () => undefined,
        (error: unknown) => this.onError(error),
      )
      .finally(() => this.#pending.delete(tracked));
    this.#pending.add(tracked);
    if (this.#pending.size > this.maxPending) await tracked;
  }

  /** Resolves once every write tracked so far (and any tracked meanwhile) has settled. */
  async flush(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }
}
