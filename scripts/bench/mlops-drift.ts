/**
 * `npm run bench:mlops-drift -- [--predictions 100000]`: local mode (embedded PGlite store). Stores N
 * toxicity-en predictions, then times a drift check over them (paged reads, profile, PSI/KS, report
 * blobs, summary document) against a baseline of the same shape.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { driftCheckDeps } from '../../functions/drift-check/module.js';
import { mulberry32 } from '../../shared/ml/random.js';
import { type Baseline, type Observation, profileOf } from '../../shared/mlops/drift.js';
import { runDriftCheck } from '../../shared/mlops/drift-check.js';
import { COLLECTIONS } from '../../shared/ports/collections.js';
import { loadPlatformConfig } from '../../shared/runtime/config.js';
import { createPlatform } from '../../shared/runtime/platform.js';
import { option } from './support.js';

const n = Number(option('predictions', '100000'));
const dir = await mkdtemp(path.join(tmpdir(), 'vigil-bench-drift-'));
const platform = await createPlatform(
  loadPlatformConfig({
    ...process.env,
    VIGIL_DATA_DIR: dir,
    VIGIL_DRIFT_MAX_SAMPLES: String(Math.max(n, 100)),
    VIGIL_LOG_LEVEL: 'ERROR',
  }),
);
const random = mulberry32(42);
const observation = (): Observation => ({
  score: random() ** 3,
  textLength: 20 + Math.floor(random() * 400),
  language: 'en',
  piiRedacted: random() < 0.03,
});
const baseline: Baseline = {
  schema: 'vigil.drift-baseline/1',
  model: 'toxicity-en',
  version: '1.0.0',
  createdAt: new Date().toISOString(),
  score: 'toxicity.toxic',
  source: 'synthetic (benchmark)',
  profile: profileOf(Array.from({ length: 5000 }, observation), 0.4723),
};
await platform.blobs.put('baselines/toxicity-en/1.0.0.json', Buffer.from(JSON.stringify(baseline)));

const predictions = platform.documents.collection(COLLECTIONS.predictions);
const t0 = performance.now();
const now = Date.now();
const BATCH = 500;
for (let i = 0; i < n; i += BATCH) {
  await Promise.all(
    Array.from({ length: Math.min(BATCH, n - i) }, (_, j) => {
      const o = observation();
      return predictions.set(randomUUID(), {
        function: 'toxicity',
        createdAt: new Date(now - 3_600_000 + i + j),
        expiresAt: new Date(now + 86_400_000),
        model: 'toxicity-en',
        version: '1.0.0',
        language: o.language,
        scores: { TOXICITY: o.score },
        text: 'x'.repeat(o.textLength),
        redactedKinds: o.piiRedacted ? ['email'] : [],
        clientToken: null,
        communityId: null,
        requestedBy: 'bench',
      });
    }),
  );
}
console.log(
  `stored ${n} predictions in ${((performance.now() - t0) / 1000).toFixed(1)} s (${platform.documents.kind})`,
);

const deps = await driftCheckDeps(platform, 'bench');
const runs: number[] = [];
let summary: Awaited<ReturnType<typeof runDriftCheck>> | undefined;
for (let r = 0; r < 3; r++) {
  const started = performance.now();
  summary = await runDriftCheck(deps, 'toxicity-en', { kind: 'predictions' });
  runs.push((performance.now() - started) / 1000);
}
console.log(
  `drift check over ${summary?.rows} predictions: ${runs.map((s) => `${s.toFixed(2)} s`).join(', ')} (status ${summary?.status})`,
);
await platform.close();
await rm(dir, { recursive: true, force: true });
process.exit(0);
