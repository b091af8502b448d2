/** Writes behind the response: tracked, flushed, bounded, and reported when they fail. */
import { describe, expect, it } from 'vitest';
import { BackgroundWrites } from '../../shared/runtime/background-writes.js';

function deferred() {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('BackgroundWrites', () => {
  it('returns at once, counts the write as pending, and flush waits for it', async () => {
    const writes = new BackgroundWrites(() => undefined);
    const w = deferred();
    await writes.track(w.promise);
    expect(writes.pending).toBe(1);
    let flushed = false;
    const flushing = writes.flush().then(() => {
      flushed = true;
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(flushed).toBe(false);
    w.resolve();
    await flushing;
    expect(writes.pending).toBe(0);
  });

  it('reports a failed write instead of rejecting anyone', async () => {
    const errors: string[] = [];
    const writes = new BackgroundWrites((e) => errors.push((e as Error).message));
    const w = deferred();
    await writes.track(w.promise);
    w.reject(new Error('store down'));
    await writes.flush();
    expect(errors).toEqual(['store down']);
  });

  it('past maxPending, track waits for its own write', async () => {
    const writes = new BackgroundWrites(() => undefined, 1);
    const first = deferred();
    const second = deferred();
    await writes.track(first.promise);
    let returned = false;
    const tracking = writes.track(second.promise).then(() => {
      returned = true;
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(returned).toBe(false);
    second.resolve();
    await tracking;
    expect(writes.pending).toBe(1);
    first.resolve();
    await writes.flush();
    expect(writes.pending).toBe(0);
  });
});
