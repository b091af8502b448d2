/** The machine diagnostics the benches print beside their figures. */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cacheProbeNs, describeProbe, pointerChain, probeFigures } from '../../scripts/bench/cache-probe.js';
import { readReport, tabulate } from '../../scripts/bench/repeat.js';
import {
  cpuTimes,
  describeSteal,
  metricSum,
  stealShare,
  writePostScript,
  wrkMs,
} from '../../scripts/bench/support.js';

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

describe('L3 probe', () => {
  it('reads a working set that fits in L2 faster than one far larger than any cache', () => {
    const small = cacheProbeNs(64 << 10);
    const large = cacheProbeNs(64 << 20);
    expect(small).toBeGreaterThan(0);
    expect(Number.isFinite(large)).toBe(true);
    // L2 hits take a few ns here, memory loads 100+; even a busy host keeps these far apart.
    expect(large).toBeGreaterThan(3 * small);
  });

  it('chains every cache line of the buffer into one cycle', () => {
    const chain = pointerChain(64 << 10);
    const lines = (64 << 10) / 64;
    const seen = new Set<number>();
    let at = 0;
    for (let i = 0; i < lines; i++) {
      seen.add(at);
      at = chain[at] as number;
    }
    expect(seen.size).toBe(lines);
    expect(at).toBe(0);
  });

  it('prints the readings before and after a run', () => {
    expect(describeProbe([17.4, 142.6])).toBe('L3 probe 17 / 143 ns');
    expect(probeFigures([17.4, 142.6])).toBe('17 / 143 ns');
  });
});

describe('bench:repeat', () => {
  it('reads the last JSON line that carries a summary and the targets met', () => {
    const stdout = [
      '/predict: 5230 req/s',
      '{"bench":"other"}',
      '{"summary":{"/predict":"5230 req/s"},"met":{"/predict":false}}',
      '',
    ].join('\n');
    expect(readReport(stdout)).toEqual({ summary: { '/predict': '5230 req/s' }, met: { '/predict': false } });
    expect(readReport('no report {here}\n{not json')).toBeUndefined();
  });

  it('tabulates the runs and counts, per target, the runs that met it', () => {
    const lines = tabulate([
      { at: '02:01:27', summary: { a: '5,230 req/s', b: '717 ms' }, met: { a: false, b: true } },
      { at: '02:02:24', summary: { a: '6,010 req/s', b: '1,204 ms' }, met: { a: true, b: false } },
      { at: '02:03:20', summary: { a: '6,100 req/s', b: '879 ms' }, met: { a: true, b: true } },
    ]);
    expect(lines.slice(0, 5)).toEqual([
      '| run | at | a | b | targets met |',
      '| --- | --- | --- | --- | --- |',
      '| 1 | 02:01:27 | 5,230 req/s | 717 ms | 1 of 2 |',
      '| 2 | 02:02:24 | 6,010 req/s | 1,204 ms | 1 of 2 |',
      '| 3 | 02:03:20 | 6,100 req/s | 879 ms | 2 of 2 |',
    ]);
    expect(lines.slice(-2)).toEqual(['a: met in 2 of 3 runs', 'b: met in 2 of 3 runs']);
  });
});

describe('wrk latency figures', () => {
  it('reads microseconds, milliseconds and seconds as milliseconds', () => {
    expect(wrkMs('850.50us')).toBeCloseTo(0.8505, 6);
    expect(wrkMs('6.44ms')).toBe(6.44);
    expect(wrkMs('1.02s')).toBe(1020);
    expect(wrkMs('?')).toBeNaN();
    expect(wrkMs(undefined)).toBeNaN();
  });
});

describe('wrk POST scripts', () => {
  it('sends the JSON body with an API key, or with the headers given instead', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vigil-wrk-'));
    try {
      const body = { text: 'a "quoted" comment' };
      const withKey = await readFile(await writePostScript(join(dir, 'a.lua'), body, 'vk_1'), 'utf8');
      expect(withKey.split('\n')).toEqual([
        'wrk.method = "POST"',
        String.raw`wrk.body = "{\"text\":\"a \\\"quoted\\\" comment\"}"`,
        'wrk.headers["Content-Type"] = "application/json"',
        'wrk.headers["X-API-Key"] = "vk_1"',
      ]);
      const withBearer = await readFile(
        await writePostScript(join(dir, 'b.lua'), body, { Authorization: 'Bearer e.y.J' }),
        'utf8',
      );
      expect(withBearer).toContain('wrk.headers["Authorization"] = "Bearer e.y.J"');
      expect(withBearer).not.toContain('X-API-Key');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('metricSum', () => {
  const exposition = [
    '# HELP vigil_http_request_duration_seconds Request duration',
    '# TYPE vigil_http_request_duration_seconds histogram',
    'vigil_http_request_duration_seconds_bucket{le="0.005",function="hate-speech",method="POST",route="/detect",status="200"} 70',
    'vigil_http_request_duration_seconds_bucket{le="0.01",function="hate-speech",method="POST",route="/detect",status="200"} 97',
    'vigil_http_request_duration_seconds_bucket{le="0.01",function="hate-speech",method="POST",route="/detect",status="422"} 2',
    'vigil_http_request_duration_seconds_bucket{le="0.01",function="hate-speech",method="GET",route="/health",status="200"} 50',
    'vigil_http_request_duration_seconds_count{function="hate-speech",method="POST",route="/detect",status="200"} 100',
    'vigil_http_request_duration_seconds_count{function="hate-speech",method="POST",route="/detect",status="422"} 2',
    'vigil_predictions_total{function="hate-speech",model="hate-speech",label="hateful",confidence_bucket="0.9-1"} 7',
  ].join('\n');

  it('sums the series of one metric whose labels include every given pair', () => {
    const bucket = 'vigil_http_request_duration_seconds_bucket';
    expect(metricSum(exposition, bucket, { route: '/detect', le: '0.01' })).toBe(99);
    expect(metricSum(exposition, bucket, { route: '/detect', le: '0.01', status: '200' })).toBe(97);
    expect(metricSum(exposition, bucket, { route: '/detect', le: '0.005' })).toBe(70);
    expect(metricSum(exposition, 'vigil_http_request_duration_seconds_count', { route: '/detect' })).toBe(
      102,
    );
  });

  it('is 0 for a metric or label that is not there, and ignores comments', () => {
    expect(metricSum(exposition, 'vigil_http_request_duration_seconds', {})).toBe(0);
    expect(metricSum(exposition, 'vigil_http_request_duration_seconds_bucket', { route: '/nope' })).toBe(0);
    expect(metricSum(exposition, 'vigil_predictions_total', { label: 'hateful' })).toBe(7);
  });
});
