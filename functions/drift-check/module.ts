/** Wires `drift-check` from the platform. */
import { TOPICS } from '../../shared/mlops/cloud-events.js';
import type { DriftCheckDeps } from '../../shared/mlops/drift-check.js';
import { createServingModels } from '../../shared/mlops/serving.js';
import type { VigilEventFunction } from '../../shared/runtime/function.js';
import type { Platform } from '../../shared/runtime/platform.js';
import { createDriftCheckHandler, DRIFT_MODELS, DRIFT_PREFIX } from './handler.js';

export async function driftCheckDeps(platform: Platform, fn = 'drift-check'): Promise<DriftCheckDeps> {
  const models = await createServingModels(platform, fn, DRIFT_MODELS, { poll: false, load: false });
  return {
    documents: platform.documents,
    blobs: platform.blobs,
    logger: platform.logger.child({ function: fn }),
    metrics: platform.metrics,
    clock: platform.clock,
    registry: models.registry,
    thresholds: platform.config.mlops.drift,
    syncChampion: async (name) => {
      await models.syncChampion(name);
      await models.registry.refresh(name);
    },
  };
}

export const driftCheckFunction: VigilEventFunction = {
  name: 'drift-check',
  summary: `Compares recent predictions (daily, ${TOPICS.driftChecks}) or a batch file (${DRIFT_PREFIX}<model>/…) with the champion's baseline`,
  triggers: [
    { kind: 'storage', prefix: DRIFT_PREFIX },
    { kind: 'pubsub', topic: TOPICS.driftChecks },
  ],
  async create(platform) {
    return createDriftCheckHandler(await driftCheckDeps(platform));
  },
};
