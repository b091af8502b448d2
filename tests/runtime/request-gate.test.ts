/** The gate that lets shutdown wait for requests in flight. */
import { describe, expect, it } from 'vitest';
import { RequestGate } from '../../shared/runtime/request-gate.js';

describe('RequestGate', () => {
  it('drains once the requests in flight have left, and admits none after drain starts', async () => {
    const gate = new RequestGate();
    expect(gate.enter()).toBe(true);
    expect(gate.enter()).toBe(true);
    let drained: boolean | undefined;
    const draining = gate.drain(5_000).then((result) => {
      drained = result;
    });
    expect(gate.enter()).toBe(false);
    gate.leave();
    await new Promise((resolve) => setImmediate(resolve));
    expect(drained).toBeUndefined();
    expect(gate.inFlight).toBe(1);
    gate.leave();
    await draining;
    expect(drained).toBe(true);
  });

  it('drains at once when idle, and gives up after the timeout with requests still in flight', async () => {
    expect(await new RequestGate().drain(5_000)).toBe(true);
    const busy = new RequestGate();
    busy.enter();
    expect(await busy.drain(20)).toBe(false);
    expect(busy.draining).toBe(true);
  });
});
