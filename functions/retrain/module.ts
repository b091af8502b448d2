/** Wires `retrain` from the platform: the serving registry (champions), training data, promotion policy. */

import { TOPICS } from '../../shared/mlops/cloud-events.js';
import { createServingModels } from '../../shared/mlops/serving.js';
import { blobTrainingData, type TrainingData } from '../../shared/mlops/training-data.js';
import type { VigilEventFunction } from '../../shared/runtime/function.js';
import type { Platform } from '../../shared/runtime/platform.js';
import { TRAINABLE_MODELS } from '../on-dataset-upload/handler.js';
import { cloudRunJobLauncher, createRetrainHandler, type RetrainHandlerDeps } from './handler.js';

/** The base training and evaluation data config names: corpora on disk, or blobs. */
export async function trainingDataFor(platform: Platform): Promise<TrainingData> {
  const source = platform.config.mlops.trainingData;
  if (source.kind === 'blobs') return blobTrainingData(platform.blobs);
  // Loaded only when configured: the corpus loaders and task specs live with the training scripts.
  const { corpusTrainingData } = await import('../../scripts/mlops/corpus-data.js');
  return corpusTrainingData(source.dir);
}

export async function retrainDeps(platform: Platform, fn = 'retrain'): Promise<RetrainHandlerDeps> {
  const models = await createServingModels(platform, fn, TRAINABLE_MODELS, { poll: false, load: false });
  const job = platform.config.mlops.retrainJob;
  return {
    blobs: platform.blobs,
    documents: platform.documents,
    logger: platform.logger.child({ function: fn }),
    clock: platform.clock,
    registry: models.registry,
    syncChampion: async (name) => {
      await models.syncChampion(name);
      await models.registry.refresh(name);
    },
    trainingData: await trainingDataFor(platform),
    promotion: platform.config.mlops.promotion,
    ...(job ? { launchJob: cloudRunJobLauncher(job) } : {}),
  };
}

export const retrainFunction: VigilEventFunction = {
  name: 'retrain',
  summary: `Trains, evaluates, registers and (if better) promotes a candidate per request on ${TOPICS.retrainRequests}`,
  triggers: [{ kind: 'pubsub', topic: TOPICS.retrainRequests }],
  async create(platform) {
    return createRetrainHandler(await retrainDeps(platform));
  },
};
