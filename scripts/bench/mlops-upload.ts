/**
 * `npm run bench:mlops-upload -- [--rows 2000] [--margin 0]`: local mode, committed toxicity-en as the
 * champion, real corpora as base and evaluation data. Drops a labelled CSV into the datasets folder and
 * times each step until the toxicity function answers with the promoted version: request published,
 * candidate decided (registered / promoted), new version served. `--margin` is the promotion margin
 * (a negative one promotes a candidate that merely matches the champion, to time the whole path).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EVENT_FUNCTIONS, FUNCTIONS } from '../../functions/registry.js';
import { parseRecords } from '../../shared/ml/csv.js';
import { TOPICS } from '../../shared/mlops/cloud-events.js';
import { ModelVersionStore } from '../../shared/mlops/versions.js';
import { loadPlatformConfig } from '../../shared/runtime/config.js';
import { createLocalRuntime } from '../../shared/runtime/local.js';
import { option } from './support.js';

const rows = Number(option('rows', '2000'));
const margin = option('margin', '0');
const corpora = path.resolve(option('corpora', '../shared/data'));
const MODEL = 'toxicity-en';
const LABELS = ['toxic', 'severe_toxic', 'obscene', 'threat', 'insult', 'identity_hate'];

const dir = await mkdtemp(path.join(tmpdir(), 'vigil-bench-upload-'));
const config = loadPlatformConfig({
  ...process.env,
  VIGIL_DATA_DIR: dir,
  VIGIL_TRAINING_DATA: 'corpora',
  VIGIL_CORPORA_DIR: corpora,
  VIGIL_PROMOTION_MARGIN: margin,
  VIGIL_MODEL_POLL_SECONDS: '1',
  VIGIL_LOG_LEVEL: process.env.VIGIL_LOG_LEVEL ?? 'WARNING',
});
const runtime = await createLocalRuntime(config, { toxicity: FUNCTIONS.toxicity! }, {}, EVENT_FUNCTIONS);
const { key } = await runtime.platform.apiKeys.create({
  name: 'bench',
  scopes: ['toxicity:analyze'],
  createdBy: 'bench',
});
const versions = new ModelVersionStore(runtime.platform.documents);

// The upload: rows of the 5,000-row Jigsaw sample (whose train rows are inside the base training set).
const sample = parseRecords(
  await readFile(path.join(corpora, 'jigsaw-toxic-comments-subset/train.csv'), 'utf8'),
).rows.slice(0, rows);
const quote = (s: string) => `"${s.replaceAll('"', '""')}"`;
const csv = `text,${LABELS.join(',')}\n${sample.map((r) => [quote(r.comment_text ?? ''), ...LABELS.map((l) => r[l])].join(',')).join('\n')}\n`;

let requested = 0;
await runtime.platform.events.subscribe(TOPICS.retrainRequests, 'bench-observer', async () => {
  requested = performance.now();
});
const served = async () => {
  const res = await runtime.fetch(
    new Request('http://localhost/toxicity/v1alpha1/comments:analyze', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-API-Key': key },
      body: JSON.stringify({
        comment: { text: 'hello there' },
        requestedAttributes: { TOXICITY: {} },
        languages: ['en'],
      }),
    }),
  );
  return res.headers.get('X-Vigil-Model') ?? '';
};
console.log(`before: ${await served()}`);

const folder = path.join(dir, 'datasets', MODEL);
await mkdir(folder, { recursive: true });
const started = performance.now();
await writeFile(path.join(folder, 'bench.csv'), csv);
await runtime.loop!.scan({ immediate: true });
const validated = performance.now();
let decided = 0;
let decision = '';
let switched = 0;
const deadline = started + 15 * 60_000;
while (performance.now() < deadline) {
  if (!decided) {
    const record = (await versions.list(MODEL))[0];
    if (record) {
      decided = performance.now();
      decision = `${record.version} ${record.stage}: ${record.decision}`;
      if (record.stage !== 'champion') break;
    }
  } else if ((await served()).includes(`${MODEL}@`) && !(await served()).includes(`${MODEL}@1.0.0`)) {
    switched = performance.now();
    break;
  }
  await new Promise((r) => setTimeout(r, 100));
}
const s = (t: number) => (t ? `${((t - started) / 1000).toFixed(1)} s` : '—');
console.log(
  `upload: ${sample.length} rows (${(csv.length / 1024).toFixed(0)} KiB), promotion margin ${margin}`,
);
console.log(`validated + retrain request published: ${s(requested || validated)}`);
console.log(`candidate registered and decided:     ${s(decided)}  (${decision})`);
console.log(`new champion served by toxicity:      ${s(switched)}  (${await served()})`);
runtime.loop?.stop();
await runtime.platform.close();
await rm(dir, { recursive: true, force: true });
process.exit(0);
