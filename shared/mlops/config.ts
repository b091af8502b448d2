/** MLOps settings: parsed with the platform config at start-up (the variable names are the keys). */
import { z } from 'zod';

const int = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).optional().default(fallback);
const share = (fallback: number) => z.coerce.number().min(0).max(1).optional().default(fallback);

export const mlopsEnvSchema = z.object({
  VIGIL_RETRAINED_MODELS_DIR: z.string().min(1).optional(),
  VIGIL_MODEL_POLL_SECONDS: z.coerce.number().int().min(0).max(86_400).optional(),
  VIGIL_TRAINING_DATA: z.enum(['corpora', 'blobs']).optional(),
  VIGIL_CORPORA_DIR: z.string().min(1).default('../shared/data'),
  VIGIL_DATASET_MAX_BYTES: int(1, 1024 * 1024 * 1024, 50 * 1024 * 1024),
  VIGIL_DATASET_MIN_ROWS: int(1, 1_000_000, 20),
  VIGIL_DATASET_MAX_ROWS: int(1, 10_000_000, 500_000),
  VIGIL_DATASET_MAX_DUPLICATE_SHARE: share(0.2),
  VIGIL_DATASET_MAX_EMPTY_SHARE: share(0.05),
  VIGIL_DATASET_MIN_CLASS_SHARE: share(0.02),
  VIGIL_PROMOTION_MARGIN: z.coerce.number().min(-1).max(1).optional().default(0.002),
  VIGIL_REGRESSION_TOLERANCE: z.coerce.number().min(0).max(1).optional().default(0.01),
  VIGIL_RETRAIN_JOB: z
    .string()
    .regex(/^projects\/[^/]+\/locations\/[^/]+\/jobs\/[^/]+$/, 'must be projects/P/locations/L/jobs/J')
    .optional(),
  VIGIL_DRIFT_WINDOW_HOURS: int(1, 24 * 90, 24),
  VIGIL_DRIFT_MIN_SAMPLES: int(1, 1_000_000, 100),
  VIGIL_DRIFT_MAX_SAMPLES: int(100, 1_000_000, 100_000),
  VIGIL_DRIFT_PSI_WARNING: z.coerce.number().positive().optional().default(0.1),
  VIGIL_DRIFT_PSI_ALERT: z.coerce.number().positive().optional().default(0.25),
  VIGIL_DRIFT_KS_PVALUE: z.coerce.number().min(0).max(1).optional().default(0.01),
  VIGIL_DRIFT_SHARE_DELTA: share(0.1),
  VIGIL_DRIFT_SAMPLE_RATE: share(0.01),
});

export interface DatasetLimits {
  maxBytes: number;
  minRows: number;
  maxRows: number;
  maxDuplicateShare: number;
  maxEmptyShare: number;
  /** The rarer class of each primary label must make up at least this share of labelled rows. */
  minClassShare: number;
}

export interface PromotionPolicy {
  /** The candidate's primary metric must beat the champion's by at least this much. */
  margin: number;
  /** No other metric may fall more than this below the champion's. */
  tolerance: number;
}

export interface DriftThresholds {
  psiWarning: number;
  psiAlert: number;
  /** A KS test p-value below this counts as a shifted score distribution. */
  ksPValue: number;
  /** Largest accepted absolute change in a share (PII redactions, a label, a language). */
  shareDelta: number;
}

export interface MlopsConfig {
  /** Where retrained versions fetched from the blobs store are unpacked for serving. */
  retrainedModelsDir: string;
  /** How often serving instances look for a new champion; 0 = only on `/model/refresh` or promote. */
  modelPollSeconds: number;
  /** Base training and evaluation data: the corpora folder, or `training/{base,eval}/<model>/` blobs. */
  trainingData: { kind: 'corpora'; dir: string } | { kind: 'blobs' };
  datasets: DatasetLimits;
  promotion: PromotionPolicy;
  /** When set, `retrain` launches this Cloud Run job instead of training in the function. */
  retrainJob: string | undefined;
  drift: DriftThresholds & {
    windowHours: number;
    minSamples: number;
    maxSamples: number;
    sampleRate: number;
  };
}

export function mlopsConfigFrom(
  e: z.infer<typeof mlopsEnvSchema> & { VIGIL_DATA_DIR: string },
  production: boolean,
): MlopsConfig {
  const training = e.VIGIL_TRAINING_DATA ?? (production ? 'blobs' : 'corpora');
  return {
    // Cloud Run's only writable disk is /tmp (memory-backed); locally the data dir keeps them across restarts.
    retrainedModelsDir:
      e.VIGIL_RETRAINED_MODELS_DIR ??
      (production ? '/tmp/vigil-models' : `${e.VIGIL_DATA_DIR}/retrained-models`),
    modelPollSeconds: e.VIGIL_MODEL_POLL_SECONDS ?? (production ? 60 : 5),
    trainingData: training === 'corpora' ? { kind: 'corpora', dir: e.VIGIL_CORPORA_DIR } : { kind: 'blobs' },
    datasets: {
      maxBytes: e.VIGIL_DATASET_MAX_BYTES,
      minRows: e.VIGIL_DATASET_MIN_ROWS,
      maxRows: e.VIGIL_DATASET_MAX_ROWS,
      maxDuplicateShare: e.VIGIL_DATASET_MAX_DUPLICATE_SHARE,
      maxEmptyShare: e.VIGIL_DATASET_MAX_EMPTY_SHARE,
      minClassShare: e.VIGIL_DATASET_MIN_CLASS_SHARE,
    },
    promotion: { margin: e.VIGIL_PROMOTION_MARGIN, tolerance: e.VIGIL_REGRESSION_TOLERANCE },
    retrainJob: e.VIGIL_RETRAIN_JOB,
    drift: {
      windowHours: e.VIGIL_DRIFT_WINDOW_HOURS,
      minSamples: e.VIGIL_DRIFT_MIN_SAMPLES,
      maxSamples: e.VIGIL_DRIFT_MAX_SAMPLES,
      psiWarning: e.VIGIL_DRIFT_PSI_WARNING,
      psiAlert: e.VIGIL_DRIFT_PSI_ALERT,
      ksPValue: e.VIGIL_DRIFT_KS_PVALUE,
      shareDelta: e.VIGIL_DRIFT_SHARE_DELTA,
      sampleRate: e.VIGIL_DRIFT_SAMPLE_RATE,
    },
  };
}
