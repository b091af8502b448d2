/**
 * Dynamic batching: calls that arrive in the same turn of the event loop (concurrent requests) are
 * run together, in chunks of at most `maxBatch` items, so a busy server pays a model's per-run
 * overhead once per batch instead of once per request.
 *
 * With `concurrency` above 1, a new batch starts while earlier ones are still running (up to that
 * many at once), so its calls are not held back until the batch ahead of them settles. Note that
 * onnxruntime-node runs inference on the calling thread, in a later turn of the event loop (its `run`
 * is synchronous inside a `setImmediate`): batches in flight take turns on the main thread, they do
 * not run in parallel. Worth it for models whose runs are short (the linear text models); an image
 * backbone that already uses every core keeps the default of 1.
 */
export type BatchRunner<I, O> = (items: readonly I[]) => Promise<O[]>;

interface Caller<I, O> {
  items: readonly I[];
  resolve: (r: O[]) => void;
  reject: (e: unknown) => void;
}

export function createBatcher<I, O>(
  run: BatchRunner<I, O>,
  maxBatch: number,
  options: { concurrency?: number } = {},
): (items: readonly I[]) => Promise<O[]> {
  const concurrency = options.concurrency ?? 1;
  let queue: Caller<I, O>[] = [];
  let scheduled = false;
  let running = 0;

  async function runChunked(items: readonly I[]): Promise<O[]> {
    const results: O[] = [];
    for (let start = 0; start < items.length; start += maxBatch)
      results.push(...(await run(items.slice(start, start + maxBatch))));
    return results;
  }

  async function runBatch(callers: Caller<I, O>[]): Promise<void> {
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

  /** Starts a batch of everything queued, if a slot is free; each finished batch tries again. */
  function flush(): void {
    scheduled = false;
    if (queue.length === 0 || running >= concurrency) return;
    const callers = queue;
    queue = [];
    running++;
    void runBatch(callers).finally(() => {
      running--;
      flush();
    });
  }

  return (items) => {
    if (items.length === 0) return Promise.resolve([]);
    return new Promise<O[]>((resolve, reject) => {
      queue.push({ items, resolve, reject });
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });
  };
}
