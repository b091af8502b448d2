/** Schemas of the hate-speech function: seed 001's HateComment routes and the generic multi-model routes. */
import { z } from '@hono/zod-openapi';

export const MAX_TEXT = 5_000;
export const MAX_BATCH = 100;

const Text = z.string().min(1).max(MAX_TEXT).openapi({ example: 'Je déteste ces gens' });

export const DetectRequest = z
  .object({
    text: Text,
    include_reasoning: z
      .boolean()
      .default(true)
      .openapi({ description: 'Explain which words drove the score' }),
  })
  .openapi('HateDetectRequest');

export const Severity = z.enum(['Critique', 'Élevée', 'Moyenne', 'Faible', 'Aucune']).openapi({
  description:
    'Critique > 90 %, Élevée 80–90 %, Moyenne 60–80 %, Faible < 60 % confidence; Aucune when not hateful',
});

const Verdict = {
  prediction: z.enum(['HAINEUX', 'NON-HAINEUX']),
  confidence: z.number().min(0).max(1).openapi({ description: 'Probability of the predicted class' }),
  severity: Severity,
  reasoning: z.string().nullable(),
  hate_classification: z.enum(['haineux', 'non-haineux']),
};

export const DetectResponse = z
  .object({
    ...Verdict,
    original_label: z.enum(['LABEL_0', 'LABEL_1']),
    enhanced: z.boolean().openapi({ description: 'True when the heavy (remote) model answered' }),
    boost_applied: z
      .boolean()
      .openapi({ description: 'The French/English pattern post-processing changed the score' }),
    processing_time: z.number().openapi({ description: 'Seconds' }),
    language: z.string().openapi({ example: 'fr' }),
    model_used: z.string(),
  })
  .openapi('HateDetectResponse');

export const BatchDetectRequest = z
  .object({
    texts: z.array(Text).min(1).max(MAX_BATCH),
    include_reasoning: z.boolean().default(false),
  })
  .openapi('HateBatchDetectRequest');

export const BatchDetectResponse = z
  .object({
    results: z.array(z.object({ text: z.string(), ...Verdict, language: z.string() })),
    total_processed: z.number().int(),
    processing_time: z.number(),
    model_used: z.string(),
    enhanced_version: z.string(),
  })
  .openapi('HateBatchDetectResponse');

export const HateHealth = z
  .object({
    status: z.enum(['healthy', 'degraded']),
    model: z.string(),
    version: z.string(),
    device: z.string(),
    fine_tuned: z.boolean(),
    enhanced: z.boolean(),
    loaded: z.boolean(),
    remote: z.object({ url: z.string(), model: z.string(), ready: z.boolean() }).nullable(),
  })
  .openapi('HateHealth');

export const HateInfo = z
  .object({
    name: z.string(),
    version: z.string(),
    author: z.string(),
    model_type: z.string(),
    languages: z.array(z.string()),
    architecture: z.string(),
    enhanced_features: z.array(z.string()),
    performance: z.record(z.string(), z.union([z.string(), z.number()])).openapi({
      description: 'Measured on held-out test splits (from the model card), not claimed figures',
    }),
    endpoints: z.record(z.string(), z.string()),
  })
  .openapi('HateInfo');

export const ModelNameQuery = z.object({
  model_name: z.string().min(1).max(64).default('hate-speech').openapi({ example: 'hate-speech' }),
});
export const ModelNameParam = z.object({ name: z.string().min(1).max(64) });

export const GenericPredictRequest = z.object({ text: Text }).openapi('PredictRequest');
export const GenericBatchRequest = z
  .object({ texts: z.array(Text).min(1).max(MAX_BATCH) })
  .openapi('BatchPredictRequest');

const GenericPrediction = z.object({
  label: z.string().openapi({ description: "The model's decision for its first head" }),
  labels: z
    .array(z.string())
    .openapi({ description: 'Every label at or above its threshold (multi-label heads)' }),
  probabilities: z
    .record(z.string(), z.record(z.string(), z.number()))
    .openapi({ description: 'head → label → probability' }),
});

export const GenericPredictResponse = z
  .object({
    model_name: z.string(),
    version: z.string(),
    ...GenericPrediction.shape,
    processing_time: z.number(),
  })
  .openapi('PredictResponse');
export const GenericBatchResponse = z
  .object({
    model_name: z.string(),
    version: z.string(),
    results: z.array(GenericPrediction),
    total_processed: z.number().int(),
    processing_time: z.number(),
  })
  .openapi('BatchPredictResponse');

export const ModelList = z
  .object({
    models: z.array(
      z.object({
        name: z.string(),
        versions: z.array(z.string()),
        champion: z.string(),
        stage: z.literal('production'),
        languages: z.array(z.string()),
      }),
    ),
  })
  .openapi('ModelList');

export const ModelHealth = z
  .object({ model: z.string(), version: z.string(), status: z.literal('healthy'), loaded: z.boolean() })
  .openapi('ModelHealth');
