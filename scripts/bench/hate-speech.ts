/**
 * Throughput and latency of the hate-speech function as deployed: the lean entry
 * (`node dist/server/serve.js hate-speech`), auth on (an API key), the local model.
 * wrk on `POST /api/v1/hatecomment/detect` with and without reasoning, then `/batch-detect` of 100 texts
 * timed one request after another. Targets: `/detect` p99 < 10 ms and ≥ 3,000 req/s; batch of 100 < 30 ms.
 * The issue names 32 connections but no wrk thread count: `--threads 2` (default) is the toxicity
 * bench's load; `--threads 1` leaves the server more of this 2-core machine (both are in BENCHMARKS.md).
 * Usage: node dist/scripts/bench/hate-speech.js [--duration 10 --connections 32 --threads 2 --batch-runs 200 --node-flags '…']
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cacheProbeNs, describeProbe, PROBE_LEGEND, probeFigures } from './cache-probe.js';
import {
  cpuCalibrationMs,
  cpuTimes,
  describeSteal,
  freePort,
  metricSum,
  option,
  requireWrk,
  runWrk,
  startFunctionServer,
  stealShare,
  stopFunctionServer,
  writePostScript,
  wrkMs,
} from './support.js';

const duration = Number(option('duration', '10'));
const connections = Number(option('connections', '32'));
const threads = Number(option('threads', '2'));
const batchRuns = Number(option('batch-runs', '200'));
const BATCH_WARMUP = 30;
const NODE_FLAGS = option('node-flags', '').split(' ').filter(Boolean);

const TARGET = { detectP99Ms: 10, detectRps: 3_000, batchP99Ms: 30 };

requireWrk();

// A 60-character French comment, the length of a typical one in the seed's examples.
const SENTENCE = "Je ne supporte plus ces gens, qu'ils rentrent tous chez eux.";
const BATCH_SOURCES = [
  SENTENCE,
  "J'adore me promener au parc avec mes enfants le dimanche matin.",
  'Les musulmans sont tous des terroristes, il faut les expulser.',
  'Merci beaucoup pour votre aide, c’est vraiment très gentil.',
  'I love this sunny day at the beach with all my friends around.',
  'All Muslims are terrorists and should be expelled from here.',
  'Thank you for the thoughtful reply, I learned a lot from it.',
  'You people are the worst, go back to where you came from now.',
  'Quelle belle journée, on se retrouve ce soir pour le dîner ?',
  'This article is well written and the sources are excellent.',
];
const BATCH_TEXTS = Array.from(
  { length: 100 },
  (_, i) => `${BATCH_SOURCES[i % BATCH_SOURCES.length]} (${i})`,
);
const KEY = 'bench-bootstrap-key-0123456789abcdefghijklmnopqrstuvwxyz';
const DETECT = '/api/v1/hatecomment/detect';
const BATCH = '/api/v1/hatecomment/batch-detect';

const dataDir = await mkdtemp(path.join(tmpdir(), 'vigil-bench-'));
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const headers = { 'content-type': 'application/json', 'x-api-key': KEY };

async function start(): Promise<ChildProcess> {
  const { child } = await startFunctionServer({
    name: 'hate-speech',
    port,
    dataDir,
    apiKey: KEY,
    probe: { path: DETECT, body: { text: SENTENCE } },
    nodeFlags: NODE_FLAGS,
  });
  return child;
}
const stop = stopFunctionServer;

/** wrk's latency figure ("812.00us", "1.20ms", "2.00s") in milliseconds. */
interface WrkResult {
  name: string;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  /** `cacheProbeNs` right before and right after the run. */
  l3ProbeNs: [number, number];
  /**
   * Share of the route's requests (warm-up included) that the server answered within 10 ms by its own
   * `vigil_http_request_duration_seconds` histogram: time inside the server (waiting for the batch's
   * turn included), not the time a request waits to be read.
   */
  serverWithin10MsShare: number;
}

/** The route's requests in the server's latency histogram: all of them, or those within `le` seconds. */
const served = (exposition: string, route: string, le?: string) =>
  le === undefined
    ? metricSum(exposition, 'vigil_http_request_duration_seconds_count', { route })
    : metricSum(exposition, 'vigil_http_request_duration_seconds_bucket', { route, le });
/** `/metrics`, tried twice: the pooled connection of the last scrape may have timed out during a wrk run. */
async function scrapeMetrics(): Promise<string> {
  const scrape = async () => (await fetch(`${base}/metrics`, { headers })).text();
  return scrape().catch(scrape);
}
const percent = (share: number) => (Number.isFinite(share) ? `${(share * 100).toFixed(2)}%` : 'n/a');

async function wrk(name: string, urlPath: string, body: unknown): Promise<WrkResult> {
  const script = await writePostScript(path.join(dataDir, `${name}.lua`), body, KEY);
  const metricsBefore = await scrapeMetrics();
  const l3Before = cacheProbeNs();
  const run = runWrk(`${base}${urlPath}`, {
    connections,
    threads,
    seconds: duration,
    warmupSeconds: 3,
    script,
  });
  const l3ProbeNs: [number, number] = [l3Before, cacheProbeNs()];
  const metricsAfter = await scrapeMetrics();
  const delta = (le?: string) => served(metricsAfter, urlPath, le) - served(metricsBefore, urlPath, le);
  const result = {
    name,
    rps: run.rps,
    p50Ms: wrkMs(run.p50),
    p99Ms: wrkMs(run.p99),
    non2xx: run.non2xx,
    l3ProbeNs,
    serverWithin10MsShare: delta('0.01') / delta(),
  };
  console.log(
    `${urlPath} (${name}): ${result.rps.toFixed(0)} req/s (p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, non-2xx ${result.non2xx}; ` +
      `${percent(result.serverWithin10MsShare)} answered within 10 ms inside the server; ${describeProbe(l3ProbeNs)})`,
  );
  return result;
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;

/** `/batch-detect` of 100 texts, one request at a time: round-trip and server-side milliseconds. */
async function timeBatch(): Promise<{
  p50Ms: number;
  p99Ms: number;
  serverP50Ms: number;
  serverP99Ms: number;
}> {
  const body = JSON.stringify({ texts: BATCH_TEXTS, include_reasoning: false });
  const client: number[] = [];
  const server: number[] = [];
  for (let i = 0; i < BATCH_WARMUP + batchRuns; i++) {
    const started = performance.now();
    const res = await fetch(`${base}${BATCH}`, { method: 'POST', headers, body });
    const json = (await res.json()) as { total_processed?: number; processing_time?: number };
    const elapsed = performance.now() - started;
    if (!res.ok || json.total_processed !== BATCH_TEXTS.length) {
      throw new Error(`${BATCH} answered ${res.status}: ${JSON.stringify(json).slice(0, 300)}`);
    }
    if (i < BATCH_WARMUP) continue;
    client.push(elapsed);
    server.push((json.processing_time ?? Number.NaN) * 1000);
  }
  client.sort((a, b) => a - b);
  server.sort((a, b) => a - b);
  return {
    p50Ms: quantile(client, 0.5),
    p99Ms: quantile(client, 0.99),
    serverP50Ms: quantile(server, 0.5),
    serverP99Ms: quantile(server, 0.99),
  };
}

const calibrationBefore = cpuCalibrationMs();
const ticksBefore = cpuTimes();
const child = await start();
let detectReasoning: WrkResult;
let detectPlain: WrkResult;
let batch: Awaited<ReturnType<typeof timeBatch>>;
try {
  detectReasoning = await wrk('include_reasoning true', DETECT, {
    text: SENTENCE,
    include_reasoning: true,
  });
  detectPlain = await wrk('include_reasoning false', DETECT, {
    text: SENTENCE,
    include_reasoning: false,
  });
  batch = await timeBatch();
} finally {
  await stop(child);
  await rm(dataDir, { recursive: true, force: true });
}
const steal = stealShare(ticksBefore, cpuTimes());
const calibrationAfter = cpuCalibrationMs();

const verdict = (ok: boolean) => (ok ? 'yes' : '**no**');
const detectOk = (r: WrkResult) =>
  r.p99Ms < TARGET.detectP99Ms && r.rps >= TARGET.detectRps && r.non2xx === 0;
const fmt = (ms: number) => ms.toFixed(2);

console.log(
  `\nwrk -t${threads} -c${connections} -d${duration}s --latency, API key auth, local model, node ${process.version}; ` +
    `batch: ${batchRuns} sequential requests of ${BATCH_TEXTS.length} texts after ${BATCH_WARMUP} warm-up; ` +
    `machine speed (cpuCalibrationMs, lower is faster) ${calibrationBefore.toFixed(1)} ms before, ${calibrationAfter.toFixed(1)} ms after; ${describeSteal(steal)}`,
);
console.log(
  '| route | req/s | p50 ms | p99 ms | non-2xx | within 10 ms inside the server | target | met | L3 probe before / after |\n| --- | ---: | ---: | ---: | ---: | ---: | --- | --- | --- |',
);
for (const r of [detectReasoning, detectPlain]) {
  console.log(
    `| POST ${DETECT} — ${r.name} | ${r.rps.toFixed(0)} | ${fmt(r.p50Ms)} | ${fmt(r.p99Ms)} | ${r.non2xx} | ${percent(r.serverWithin10MsShare)} | p99 < ${TARGET.detectP99Ms} ms, ≥ ${TARGET.detectRps} req/s | ${verdict(detectOk(r))} | ${describeProbe(r.l3ProbeNs)} |`,
  );
}
console.log(
  `| POST ${BATCH} — 100 texts, sequential (server time p50 ${fmt(batch.serverP50Ms)}, p99 ${fmt(batch.serverP99Ms)}) | ${(1000 / batch.p50Ms).toFixed(0)} | ${fmt(batch.p50Ms)} | ${fmt(batch.p99Ms)} | 0 | | p99 < ${TARGET.batchP99Ms} ms | ${verdict(batch.p99Ms < TARGET.batchP99Ms)} | |`,
);
console.log(
  "Inside the server: the route's own latency histogram (warm-up included). With every connection busy, the rest of a request's time is spent waiting to be read (docs/BENCHMARKS.md, session 12).",
);
console.log(PROBE_LEGEND);
console.log(
  JSON.stringify({
    bench: 'hate-speech',
    node: process.version,
    wrk: { threads, connections, durationSeconds: duration },
    calibrationMs: { before: calibrationBefore, after: calibrationAfter },
    stealShare: steal ?? null,
    detectWithReasoning: detectReasoning,
    detectWithoutReasoning: detectPlain,
    batch100: { runs: batchRuns, ...batch },
    targets: TARGET,
    // One row of `bench:repeat`'s table.
    summary: {
      'with reasoning': `${detectReasoning.rps.toFixed(0)} req/s, p99 ${fmt(detectReasoning.p99Ms)} ms`,
      without: `${detectPlain.rps.toFixed(0)} req/s, p99 ${fmt(detectPlain.p99Ms)} ms`,
      'batch of 100, p99': `${fmt(batch.p99Ms)} ms`,
      'L3 probe (with reasoning)': probeFigures(detectReasoning.l3ProbeNs),
      'within 10 ms inside the server (with reasoning)': percent(detectReasoning.serverWithin10MsShare),
    },
    met: {
      detectWithReasoning: detectOk(detectReasoning),
      detectWithoutReasoning: detectOk(detectPlain),
      batch100: batch.p99Ms < TARGET.batchP99Ms,
    },
  }),
);
