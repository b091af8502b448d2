/**
 * `npm run mlops:drift -- [<model>...] [--batch <object name>]`: runs a drift check now, on the stored
 * predictions of the window (or on a batch file already in the blobs store), and prints the summary.
 */
import { DRIFT_MODELS } from '../../functions/drift-check/handler.js';
import { driftCheckDeps } from '../../functions/drift-check/module.js';
import { runDriftCheck } from '../../shared/mlops/drift-check.js';
import { withPlatform } from './cli.js';

const args = process.argv.slice(2);
const batchAt = args.indexOf('--batch');
const batch = batchAt >= 0 ? args[batchAt + 1] : undefined;
const models = args.filter((a, i) => !a.startsWith('--') && !(batchAt >= 0 && i === batchAt + 1));
const selected = models.length > 0 ? models : [...DRIFT_MODELS];

await withPlatform(async (platform) => {
  const deps = await driftCheckDeps(platform, 'cli');
  let drifted = false;
  for (const model of selected) {
    const summary = await runDriftCheck(
      deps,
      model,
      batch ? { kind: 'batch', object: batch } : { kind: 'predictions' },
    );
    drifted ||= summary.drifted;
    console.log(
      `${model}@${summary.version}: ${summary.status} over ${summary.rows} rows${summary.reportLocation ? ` → ${summary.reportLocation}/report.md` : ''}`,
    );
    for (const f of summary.features)
      console.log(
        `  ${f.feature.padEnd(16)} psi ${f.psi ?? '—'}  Δ ${f.delta ?? '—'}  ks ${f.ks ? `${f.ks.statistic} (p ${f.ks.pValue.toExponential(1)})` : '—'}  ${f.severity}`,
      );
  }
  return drifted ? 3 : 0;
});
