/**
 * Throughput and latency of the toxicity function as deployed: the lean entry
 * (`node dist/server/serve.js toxicity`), auth on (an API key), history writes on (embedded store on
 * disk), measured with wrk; plus cold start (process start → first successful `/predict`).
 * With `--baseline`, seed 000's own stack (seed-000-baseline.ts) is measured with the same wrk load
 * before and after each route, and each route's throughput is also given as a multiple of it.
 * Usage: npm run bench:toxicity [-- --duration 10 --connections 32 --route predict|analyze
 *          --baseline [--train-csv ../shared/data/jigsaw-toxic-comments/train.csv --python /usr/bin/python3]]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EmbeddedDocumentStore } from '../../shared/adapters/documents/embedded.js';
import { COLLECTIONS } from '../../shared/ports/collections.js';
import { cacheProbeNs, describeProbe, PROBE_LEGEND, probeFigures } from './cache-probe.js';
import { DEFAULT_PYTHON, requireBaselinePython, startBaseline } from './seed-000-baseline.js';
import {
  cpuCalibrationMs,
  cpuTimes,
  describeSteal,
  freePort,
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
const routes = option('route', 'predict,analyze').split(',');
const NODE_FLAGS = option('node-flags', '').split(' ').filter(Boolean);
const withBaseline = process.argv.includes('--baseline');
const trainCsv = option('train-csv', '../shared/data/jigsaw-toxic-comments/train.csv');
const python = option('python', DEFAULT_PYTHON);

requireWrk();
if (withBaseline) requireBaselinePython(python);

// Issue 4: 5× seed 000's 1,169 req/s with p99 under 15 ms, and process start → first /predict under 1 s.
const TARGET = { rps: 5_845, p99Ms: 15, coldStartMs: 1_000, timesBaseline: 5 };

// A 90-character comment, as the seed 000 measurement used.
const COMMENT = 'I really think you are wrong about this, and frankly your last edit was a stupid mistake.';
const KEY = 'bench-bootstrap-key-0123456789abcdefghijklmnopqrstuvwxyz';
const BODIES: Record<string, { path: string; body: unknown }> = {
  predict: { path: '/predict', body: { text: COMMENT } },
  analyze: {
    path: '/v1alpha1/comments:analyze',
    body: {
      comment: { text: COMMENT },
      requestedAttributes: { TOXICITY: {} },
      languages: ['en'],
      clientToken: 'bench',
    },
  },
};

const dataDir = await mkdtemp(path.join(tmpdir(), 'vigil-bench-'));
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
// Started first, so its training is over before vigil's cold start is timed.
const baseline = withBaseline ? await startBaseline(await freePort(), trainCsv, python) : undefined;
// A bench that throws half-way must not leave the Python server running.
process.once('exit', () => baseline?.child.kill());
const baselineScript = baseline
  ? await writePostScript(
      path.join(dataDir, 'baseline.lua'),
      { text: COMMENT },
      { Authorization: baseline.bearer },
    )
  : undefined;
/** Seed 000's throughput on the same load, right now; NaN without `--baseline`. */
const measureBaseline = (): number => {
  if (!baseline) return Number.NaN;
  const run = runWrk(baseline.url, {
    connections,
    seconds: duration,
    warmupSeconds: 3,
    script: baselineScript,
  });
  console.log(`seed 000 baseline /predict: ${run.rps.toFixed(0)} req/s (p50 ${run.p50}, p99 ${run.p99})`);
  return run.non2xx === 0 ? run.rps : Number.NaN;
};

const start = () =>
  startFunctionServer({
    name: 'toxicity',
    port,
    dataDir,
    apiKey: KEY,
    probe: { path: '/predict', body: { text: COMMENT } },
    nodeFlags: NODE_FLAGS,
  });
const stop = stopFunctionServer;

// First start seeds the embedded database from the build's template (no initdb; see
// shared/adapters/documents/template.ts); a restart opens the existing one.
const calibrationBefore = cpuCalibrationMs();
const ticksBefore = cpuTimes();
const first = await start();
await stop(first.child);
const { child, coldStartMs } = await start();
const firstStartMs = first.coldStartMs;
console.log(
  `cold start (spawn → first 200 from /predict): new data dir ${firstStartMs.toFixed(0)} ms, existing ${coldStartMs.toFixed(0)} ms`,
);

const results: {
  route: string;
  rps: number;
  p50: string;
  p99: string;
  errors: string;
  /** `cacheProbeNs` right before and right after the run. */
  l3: [number, number];
  /** The seed 000 baseline's req/s right before and right after this run (`--baseline`). */
  baseline: [number, number];
}[] = [];
// Every answered request must leave a history row: the probes of both starts, then each wrk run.
let answered = 2;
let inFlightAtStop = 0;
let baselineBefore = measureBaseline();
for (const route of routes) {
  const { path: urlPath, body } = BODIES[route]!;
  const script = await writePostScript(path.join(dataDir, `${route}.lua`), body, KEY);
  const url = `${base}${urlPath}`;
  const l3Before = cacheProbeNs();
  const run = runWrk(url, { connections, seconds: duration, warmupSeconds: 3, script });
  const l3: [number, number] = [l3Before, cacheProbeNs()];
  const { rps, p50, p99, non2xx } = run;
  const errors = String(non2xx);
  answered += run.requests + run.warmupRequests - non2xx;
  // wrk stops counting with up to one request per connection still in flight; the server stores those too.
  inFlightAtStop += 2 * connections;
  console.log(
    `${urlPath}: ${rps.toFixed(0)} req/s (p50 ${p50}, p99 ${p99}, non-2xx ${errors}; ${describeProbe(l3)})`,
  );
  const baselineAfter = measureBaseline();
  results.push({ route: urlPath, rps, p50, p99, errors, l3, baseline: [baselineBefore, baselineAfter] });
  baselineBefore = baselineAfter;
}
await stop(child);
if (baseline) await stopFunctionServer(baseline.child);
const steal = stealShare(ticksBefore, cpuTimes());
const calibrationAfter = cpuCalibrationMs();
// The server has flushed its writes behind the response on SIGTERM; count what reached the disk.
const store = await EmbeddedDocumentStore.open({ dataDir: path.join(dataDir, 'documents') });
const stored = await store.collection(COLLECTIONS.predictions).count();
await store.close();
await rm(dataDir, { recursive: true, force: true });
const historyOk = stored >= answered && stored <= answered + inFlightAtStop;

console.log(
  `\nwrk -t2 -c${connections} -d${duration}s, API key auth, history on (embedded store), node ${process.version}`,
);
/** The route's req/s over the mean of the baseline's runs either side of it. */
const timesBaseline = (r: (typeof results)[number]) => r.rps / ((r.baseline[0] + r.baseline[1]) / 2);
const baselineRuns = (r: (typeof results)[number]) => r.baseline.map((b) => b.toFixed(0)).join(' / ');
console.log(
  baseline
    ? '| route | req/s | p50 | p99 | non-2xx | L3 probe before / after | seed 000 before / after | × seed 000 |\n| --- | ---: | ---: | ---: | ---: | --- | --- | ---: |'
    : '| route | req/s | p50 | p99 | non-2xx | L3 probe before / after |\n| --- | ---: | ---: | ---: | ---: | --- |',
);
for (const r of results)
  console.log(
    `| ${r.route} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.errors} | ${describeProbe(r.l3)} |${baseline ? ` ${baselineRuns(r)} | ${timesBaseline(r).toFixed(2)} |` : ''}`,
  );
console.log(
  `cold start: ${firstStartMs.toFixed(0)} ms with a new data dir, ${coldStartMs.toFixed(0)} ms restarting on an existing one`,
);
console.log(
  `history: ${stored} rows stored for ${answered} requests wrk counted as answered (up to ${inFlightAtStop} more were in flight when wrk stopped): ${historyOk ? 'none lost' : 'MISMATCH'}`,
);
console.log(
  `machine speed (cpuCalibrationMs, lower is faster): ${calibrationBefore.toFixed(1)} ms before, ${calibrationAfter.toFixed(1)} ms after; ${describeSteal(steal)} during the runs`,
);
console.log(PROBE_LEGEND);
const routeMet = (r: (typeof results)[number]) =>
  r.rps >= TARGET.rps && wrkMs(r.p99) < TARGET.p99Ms && r.errors === '0';
const routeMetPaired = (r: (typeof results)[number]) =>
  timesBaseline(r) >= TARGET.timesBaseline && wrkMs(r.p99) < TARGET.p99Ms && r.errors === '0';
console.log(
  JSON.stringify({
    bench: 'toxicity',
    node: process.version,
    wrk: { threads: 2, connections, durationSeconds: duration },
    calibrationMs: { before: calibrationBefore, after: calibrationAfter },
    stealShare: steal ?? null,
    routes: results.map((r) => ({
      ...r,
      p50Ms: wrkMs(r.p50),
      p99Ms: wrkMs(r.p99),
      l3ProbeNs: r.l3,
      ...(baseline ? { timesBaseline: timesBaseline(r) } : {}),
    })),
    coldStartMs: { newDataDir: firstStartMs, existingDataDir: coldStartMs },
    history: { stored, answered, ok: historyOk },
    targets: TARGET,
    // One row of `bench:repeat`'s table.
    summary: {
      ...Object.fromEntries(
        results.map((r) => [
          r.route,
          `${r.rps.toFixed(0)} req/s, p99 ${r.p99}${baseline ? `, ${timesBaseline(r).toFixed(2)}× seed 000 (${baselineRuns(r)})` : ''} (L3 ${probeFigures(r.l3)})`,
        ]),
      ),
      'cold start existing / new': `${coldStartMs.toFixed(0)} / ${firstStartMs.toFixed(0)} ms`,
      history: historyOk ? 'none lost' : 'MISMATCH',
    },
    met: {
      ...Object.fromEntries(results.map((r) => [r.route, routeMet(r)])),
      ...(baseline
        ? Object.fromEntries(results.map((r) => [`${r.route} ≥ 5× seed 000`, routeMetPaired(r)]))
        : {}),
      'cold start, existing data dir': coldStartMs < TARGET.coldStartMs,
      'cold start, new data dir': firstStartMs < TARGET.coldStartMs,
    },
  }),
);
if (!historyOk) process.exitCode = 1;
