/** The dynamic batcher: same-turn calls share a run, chunks respect maxBatch, concurrency bounds runs in flight. */
import { describe, expect, it } from 'vitest';
import { createBatcher } from '../../shared/ml/batcher.js';

/** A runner whose runs finish only when the test says so, recording each run's items. */
function controlledRunner() {
  const runs: { items: number[]; finish: () => void; fail: (e: Error) => void }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const run = (items: readonly number[]) =>
    new Promise<number[]>((resolve, reject) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const done = () => inFlight--;
      runs.push({
        items: [...items],
        finish: () => {
          done();
          resolve(items.map((x) => x * 10));
        },
        fail: (e) => {
          done();
          reject(e);
        },
      });
    });
  return { run, runs, maxInFlight: () => maxInFlight };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('createBatcher', () => {
  it('runs calls made in the same turn together and gives each caller its own results in order', async () => {
    const r = controlledRunner();
    const score = createBatcher(r.run, 64);
    const a = score([1, 2]);
    const b = score([3]);
    await tick();
    expect(r.runs.map((x) => x.items)).toEqual([[1, 2, 3]]);
    r.runs[0]!.finish();
    expect(await a).toEqual([10, 20]);
    expect(await b).toEqual([30]);
  });

  it('splits a large batch into chunks of maxBatch', async () => {
    const calls: number[][] = [];
    const score = createBatcher(async (items: readonly number[]) => {
      calls.push([...items]);
      return items.map((x) => -x);
    }, 3);
    expect(await score([1, 2, 3, 4, 5, 6, 7])).toEqual([-1, -2, -3, -4, -5, -6, -7]);
    expect(calls).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
  });

  it('with concurrency 1, later calls wait for the running batch and then share one run', async () => {
    const r = controlledRunner();
    const score = createBatcher(r.run, 64);
    const first = score([1]);
    await tick();
    const second = score([2]);
    const third = score([3]);
    await tick();
    expect(r.runs).toHaveLength(1);
    r.runs[0]!.finish();
    await first;
    await tick();
    expect(r.runs.map((x) => x.items)).toEqual([[1], [2, 3]]);
    r.runs[1]!.finish();
    expect(await Promise.all([second, third])).toEqual([[20], [30]]);
  });

  it('with concurrency 2, a second batch starts while the first runs, and a third waits for a slot', async () => {
    const r = controlledRunner();
    const score = createBatcher(r.run, 64, { concurrency: 2 });
    const results = [score([1])];
    await tick();
    results.push(score([2]));
    await tick();
    results.push(score([3]));
    await tick();
    expect(r.runs.map((x) => x.items)).toEqual([[1], [2]]);
    r.runs[1]!.finish();
    await tick();
    expect(r.runs.map((x) => x.items)).toEqual([[1], [2], [3]]);
    r.runs[0]!.finish();
    r.runs[2]!.finish();
    expect(await Promise.all(results)).toEqual([[10], [20], [30]]);
    expect(r.maxInFlight()).toBe(2);
  });

  it('rejects every caller of a failed batch and keeps serving later ones', async () => {
    const r = controlledRunner();
    const score = createBatcher(r.run, 64, { concurrency: 2 });
    const a = score([1]);
    const b = score([2]);
    await tick();
    r.runs[0]!.fail(new Error('model failed'));
    await expect(a).rejects.toThrow('model failed');
    await expect(b).rejects.toThrow('model failed');
    const c = score([3]);
    await tick();
    r.runs[1]!.finish();
    expect(await c).toEqual([30]);
  });

  it('answers an empty call without running the model', async () => {
    const r = controlledRunner();
    const score = createBatcher(r.run, 64);
    expect(await score([])).toEqual([]);
    await tick();
    expect(r.runs).toHaveLength(0);
  });
});
