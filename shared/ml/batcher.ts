/**
 * Dynamic batching: calls that arrive in the same turn of the event loop (concurrent requests) are
 * run together, in chunks of at most `maxBatch` items, so a busy server pays a model's per-run
 * overhead once per batch instead of once per request.
 */
export type BatchRunner<I, O> = (items: readonly I[]) => Promise<O[]>;

export function createBatcher<I, O>(
  run: BatchRunner<I, O>,
  maxBatch: number,
): (items: readonly I[]) => Promise<O[]> {
  const queue: { items: readonly I[]; resolve: (r: O[]) => void; reject: (e: unknown) => void }[] = [];
  let flushing = false;

  async function runChunked(items: readonly I[]): Promise<O[]> {
    const results: O[] = [];
    for (let start = 0; start < items.length; start += maxBatch)
      results.push(...(await run(items.slice(start, start + maxBatch))));
    return results;
  }

  async function flush(): Promise<void> {
    while (queue.length > 0) {
      const callers = queue.splice(0, queue.length);
      try {
        const results = await runChunked(callers.flatMap((c) => c.items));
        let offset = 0;
        for (const c of callers) {
          c.resolve(results.slice(offset, offset + c.items.length));
          offset += c.items.length;
        }
      } catch (error) {
        for (const c of callers) c.reject(error);
      }
    }
    flushing = false;
  }

  return (items) => {
    if (items.length === 0) return Promise.resolve([]);
    return new Promise<O[]>((resolve, reject) => {
      queue.push({ items, resolve, reject });
      if (!flushing) {
        flushing = true;
        setImmediate(flush);
      }
    });
  };
}
