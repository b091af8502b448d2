/**
 * `npm run mlops:baseline -- <model>`: profiles the champion over its base training data and stores the
 * drift baseline at `baselines/<model>/<version>.json` — for committed versions, which were not trained
 * by the loop (retrained versions carry theirs in their artifact).
 */
import { trainingDataFor } from '../../functions/retrain/module.js';
import { computeBaseline } from '../../shared/mlops/retrain.js';
import { championManifest, createServingModels } from '../../shared/mlops/serving.js';
import { withPlatform } from './cli.js';

const model = process.argv[2];
if (!model) {
  console.error('usage: npm run mlops:baseline -- <model>');
  process.exit(2);
}

await withPlatform(async (platform) => {
  const models = await createServingModels(platform, 'cli', [model], { poll: false, load: false });
  const manifest = await championManifest(models, model);
  if (!manifest) throw new Error(`no model ${model}`);
  const data = await trainingDataFor(platform);
  const rows = await data.base(manifest);
  const classifier = await models.registry.classifier(model, manifest.version);
  const baseline = await computeBaseline(classifier, rows, data.describe(model), platform.clock);
  const name = `baselines/${model}/${manifest.version}.json`;
  await platform.blobs.put(name, Buffer.from(`${JSON.stringify(baseline)}\n`), {
    contentType: 'application/json',
  });
  console.log(`${model}@${manifest.version}: baseline over ${baseline.profile.rows} rows → ${name}`);
  await models.registry.close();
  return 0;
});
