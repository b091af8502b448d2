/** Wires `on-dataset-upload` from the platform. */
import { TOPICS } from '../../shared/mlops/cloud-events.js';
import { championManifest, createServingModels } from '../../shared/mlops/serving.js';
import type { VigilEventFunction } from '../../shared/runtime/function.js';
import { createDatasetUploadHandler, DATASETS_PREFIX, TRAINABLE_MODELS } from './handler.js';

export const datasetUploadFunction: VigilEventFunction = {
  name: 'on-dataset-upload',
  summary: `Validates labelled files under ${DATASETS_PREFIX}<model>/ and requests a retrain on ${TOPICS.retrainRequests}`,
  triggers: [{ kind: 'storage', prefix: DATASETS_PREFIX }],
  async create(platform) {
    const models = await createServingModels(platform, 'on-dataset-upload', TRAINABLE_MODELS, {
      poll: false,
      load: false,
    });
    return createDatasetUploadHandler({
      blobs: platform.blobs,
      documents: platform.documents,
      events: platform.events,
      logger: platform.logger.child({ function: 'on-dataset-upload' }),
      clock: platform.clock,
      limits: platform.config.mlops.datasets,
      manifest: (model) => championManifest(models, model),
    });
  },
};
