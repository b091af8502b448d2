/** The machine diagnostics the benches print beside their figures. */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cpuTimes, describeSteal, stealShare } from '../../scripts/bench/support.js';

describe('host steal', () => {
  it('is the steal column’s share of all CPU time between two readings', () => {
    // user nice system idle iowait irq softirq steal (then guest columns, ignored)
    const before = [100, 0, 20, 500, 0, 0, 5, 10, 0, 0];
    const after = [160, 0, 30, 600, 0, 0, 10, 30, 0, 0];
    expect(stealShare(before, after)).toBeCloseTo(20 / 195, 10);
    expect(describeSteal(stealShare(before, after))).toBe('host steal 10.3% of CPU time');
    expect(stealShare(undefined, after)).toBeUndefined();
    expect(stealShare(before, before)).toBeUndefined();
    expect(describeSteal(undefined)).toMatch(/not measured/);
  });

  it.runIf(existsSync('/proc/stat'))('reads this machine’s counters', () => {
    const times = cpuTimes();
    expect(times?.length).toBeGreaterThanOrEqual(8);
    expect(times?.every((t) => Number.isInteger(t) && t >= 0)).toBe(true);
  });
});
