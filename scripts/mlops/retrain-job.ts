/**
 * Cloud Run job entry for retraining runs longer than a function allows (and a manual CLI):
 * `node dist/scripts/mlops/retrain-job.js` with `VIGIL_RETRAIN_REQUEST` (what the `retrain` function
 * passes when `VIGIL_RETRAIN_JOB` is set), or `npm run mlops:retrain -- <model> [<datasets/… object>]`.
 */
import { parseRetrainRequest } from '../../functions/retrain/handler.js';
import { retrainDeps } from '../../functions/retrain/module.js';
import { runRetrain } from '../../shared/mlops/retrain.js';
import { withPlatform } from './cli.js';

const [model, object] = process.argv.slice(2);
const raw = process.env.VIGIL_RETRAIN_REQUEST;

await withPlatform(async (platform) => {
  let request = raw ? parseRetrainRequest(JSON.parse(raw)) : null;
  if (!request && model) {
    const info = object ? await platform.blobs.head(object) : null;
    if (object && !info) throw new Error(`no object ${object} in the blobs store`);
    request = parseRetrainRequest({
      model,
      upload: info
        ? {
            bucket: platform.config.blobs.kind === 'gcs' ? platform.config.blobs.bucket : 'local',
            name: info.name,
            generation: info.generation,
          }
        : null,
      requestedBy: `cli:${process.env.USER ?? 'operator'}`,
    });
  }
  if (!request) {
    console.error(
      'usage: npm run mlops:retrain -- <model> [<datasets/… object>]  (or VIGIL_RETRAIN_REQUEST)',
    );
    return 2;
  }
  const { launchJob: _inline, ...deps } = await retrainDeps(platform, 'retrain-job');
  const outcome = await runRetrain(deps, request);
  console.log(`${request.model}: ${outcome.status} ${outcome.version} — ${outcome.decision}`);
  return 0;
});
