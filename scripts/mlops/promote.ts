/**
 * `npm run mlops:promote -- <model> <version>`: makes a version the champion (a rollback is promoting an
 * older one); serving instances switch on their next poll. `npm run mlops:promote -- <model>` lists versions.
 */
import { primaryMetric } from '../../shared/mlops/evaluation.js';
import { createServingModels } from '../../shared/mlops/serving.js';
import { VersionNotFoundError } from '../../shared/mlops/versions.js';
import { withPlatform } from './cli.js';

const [model, version] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
if (!model) {
  console.error('usage: npm run mlops:promote -- <model> [<version>]');
  process.exit(2);
}

await withPlatform(async (platform) => {
  const models = await createServingModels(platform, 'cli', [model], { poll: false, load: false });
  const onDisk = (await models.registry.versions(model)).map((v) => v.version);
  if (!version) {
    const champion = (await models.versions.champion(model))?.champion ?? onDisk[0] ?? '(none)';
    console.log(`${model}: champion ${champion}`);
    const records = await models.versions.list(model);
    for (const r of records) {
      const primary = primaryMetric(r.metrics, r.primaryMetric.replace(/^rocAuc:/, ''));
      console.log(
        `  ${r.version}  ${r.stage.padEnd(9)}  ${r.primaryMetric} ${primary.toFixed(4)}  ${r.decision}`,
      );
    }
    for (const v of onDisk.filter((v) => !records.some((r) => r.version === v)))
      console.log(`  ${v}  committed (no record)`);
    return 0;
  }
  try {
    const { previous } = await models.versions.promote(
      model,
      version,
      `cli:${process.env.USER ?? 'operator'}`,
      onDisk,
    );
    console.log(`${model}: champion ${previous ?? '(newest on disk)'} → ${version}`);
    return 0;
  } catch (error) {
    if (error instanceof VersionNotFoundError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  }
});
