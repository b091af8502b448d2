/**
 * Single-core throughput of text scoring at batch 64: end to end (normalise + hash + ONNX), then featurize
 * and ONNX alone, plus RSS. Usage: npm run bench:text [-- <model dir> <csv> <text column>]
 * (prefix `taskset -c 0` to pin the process to one core; ONNX already runs with one intra-op thread).
 */
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseRecords } from '../../shared/ml/csv.js';
import { loadTextClassifier, MANIFEST_FILE, MODEL_FILE } from '../../shared/text/classifier.js';
import { Featurizer } from '../../shared/text/features.js';
import { createOnnxSessionCache, runLinearTextModel } from '../../shared/text/onnx-runtime.js';

const [
  dir = 'models/toxicity-en/1.0.0',
  csv = '../shared/data/jigsaw-toxic-comments/test.csv',
  column = 'comment_text',
] = process.argv.slice(2);
const TEXTS = 10_000;
const CHARS = 100;
const BATCH = 64;
const ROUNDS = 5;

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

if (!existsSync(join(dir, MANIFEST_FILE)) || !existsSync(join(dir, MODEL_FILE)))
  fail(
    `No model folder at ${resolve(dir)} (needs ${MANIFEST_FILE} and ${MODEL_FILE}). ` +
      'Train one first, or pass one: npm run bench:text -- models/<name>/<version> [csv] [column]',
  );
if (!existsSync(csv))
  fail(`No CSV at ${resolve(csv)}: npm run bench:text -- <model dir> <csv> <text column>`);
const { header, rows } = parseRecords(readFileSync(csv, 'utf8'));
if (!header.includes(column)) fail(`${csv} has no column "${column}" (it has ${header.join(', ')})`);
const texts = rows.slice(0, TEXTS).map((row) => (row[column] ?? '').slice(0, CHARS));
if (texts.length === 0) fail(`${csv} has no rows`);

const rssBeforeModel = process.memoryUsage().rss;
const sessions = createOnnxSessionCache();
const classifier = await loadTextClassifier(dir, { sessions });
const session = await sessions.load(join(dir, MODEL_FILE));
const { manifest } = classifier;
const featurizer = new Featurizer(manifest.features);
const batches = Array.from({ length: Math.ceil(texts.length / BATCH) }, (_, b) =>
  texts.slice(b * BATCH, (b + 1) * BATCH),
);
const docBatches = batches.map((batch) => batch.map((text) => featurizer.featurize(text)));

const latencies: number[] = [];
const stages = {
  endToEnd: async () => {
    for (const batch of batches) {
      const start = performance.now();
      await classifier.score(batch);
      latencies.push(performance.now() - start);
    }
  },
  featurize: async () => {
    for (const batch of batches) for (const text of batch) featurizer.featurize(text);
  },
  onnx: async () => {
    for (const docs of docBatches) await runLinearTextModel(session, manifest.heads, docs);
  },
};
type Stage = keyof typeof stages;

for (const run of Object.values(stages)) await run();
latencies.length = 0;
const seconds: Record<Stage, number[]> = { endToEnd: [], featurize: [], onnx: [] };
// Stages alternate within each round, so background load drifting over the run hits all of them alike.
for (let round = 0; round < ROUNDS; round++) {
  for (const [stage, run] of Object.entries(stages) as [Stage, () => Promise<void>][]) {
    const start = performance.now();
    await run();
    seconds[stage].push((performance.now() - start) / 1000);
  }
}
const rss = process.memoryUsage().rss;
await classifier.close();
await sessions.clear();

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
};
const rate = (stage: Stage) => texts.length / median(seconds[stage]);
const share = (stage: Stage) => median(seconds[stage]) / median(seconds.endToEnd);
const mib = (bytes: number) => bytes / 2 ** 20;
const outputs = manifest.heads.reduce((n, head) => n + head.labels.length, 0);
const load = loadavg()[0] ?? 0;
const cores = availableParallelism();

console.log(
  `${manifest.name}@${manifest.version}: ${manifest.features.buckets} buckets × ${outputs} outputs; ` +
    `${texts.length} texts of ≤${CHARS} chars from ${csv}; batch ${BATCH}; median of ${ROUNDS} rounds; ` +
    `node ${process.version}`,
);
console.log('| stage | texts/s | share of end to end |\n| --- | ---: | ---: |');
const label: Record<Stage, string> = {
  endToEnd: 'end to end (normalise + hash + ONNX)',
  featurize: 'featurize only (normalise + hash)',
  onnx: 'ONNX only (pack + run)',
};
for (const stage of Object.keys(stages) as Stage[])
  console.log(`| ${label[stage]} | ${rate(stage).toFixed(0)} | ${(share(stage) * 100).toFixed(0)}% |`);
console.log(
  `batch latency p50 ${percentile(latencies, 50).toFixed(2)} ms, p99 ${percentile(latencies, 99).toFixed(2)} ms; ` +
    `RSS ${mib(rss).toFixed(0)} MiB (+${mib(rss - rssBeforeModel).toFixed(0)} MiB since loading the model)`,
);
if (load > cores - 1)
  console.log(`note: load average ${load.toFixed(1)} on ${cores} cores; other work competes with this run`);
console.log(
  JSON.stringify({
    bench: 'text-scoring',
    model: `${manifest.name}@${manifest.version}`,
    texts: texts.length,
    maxChars: CHARS,
    batch: BATCH,
    threads: 1,
    textsPerSecond: Math.round(rate('endToEnd')),
    featurizeTextsPerSecond: Math.round(rate('featurize')),
    onnxTextsPerSecond: Math.round(rate('onnx')),
    featurizeShare: Number(share('featurize').toFixed(3)),
    onnxShare: Number(share('onnx').toFixed(3)),
    batchP50Ms: Number(percentile(latencies, 50).toFixed(3)),
    batchP99Ms: Number(percentile(latencies, 99).toFixed(3)),
    rssMiB: Number(mib(rss).toFixed(1)),
    loadAverage: Number(load.toFixed(2)),
    node: process.version,
  }),
);
