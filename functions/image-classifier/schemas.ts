/** Schemas of the image-classifier function: seed 002's `/api/predict`, batch, feedback and model info. */
import { z } from '@hono/zod-openapi';

const Probability = z.number().min(0).max(1);

export const PredictQuery = z.object({
  top5: z
    .enum(['true', 'false'])
    .optional()
    .openapi({ description: 'Also return the backbone’s five most probable ImageNet classes' }),
});

/** Plain OpenAPI objects on purpose: multipart bodies are read by the handler, not by a zod validator. */
export const UploadForm = {
  type: 'object' as const,
  required: ['file'],
  properties: {
    file: { type: 'string' as const, format: 'binary', description: 'JPEG, PNG, WebP or GIF (first frame)' },
  },
};

export const BatchUploadForm = {
  type: 'object' as const,
  required: ['files'],
  properties: {
    files: {
      type: 'array' as const,
      items: { type: 'string' as const, format: 'binary' },
      description: 'Repeat the field once per image',
    },
  },
};

const ImagenetGuess = z.object({ index: z.number().int(), label: z.string(), probability: Probability });

const Classification = {
  label: z
    .string()
    .openapi({ description: '"cat", "dog", or "unknown" when the image is neither', example: 'cat' }),
  confidence: Probability.openapi({ description: 'Probability of the head’s most likely label' }),
  probabilities: z.record(z.string(), Probability).openapi({ example: { cat: 0.98, dog: 0.02 } }),
  unknown: z.boolean().openapi({
    description: 'True when the image matches none of the labels (see the model card for the rule)',
  }),
  model_version: z.string().openapi({ example: 'cats-vs-dogs@1.0.0' }),
  inference_time_ms: z.number().openapi({ description: 'Decode + model time for this request' }),
  prediction_id: z
    .uuid()
    .openapi({ description: 'Give feedback on this prediction with POST /api/feedback' }),
  imagenet_top5: z.array(ImagenetGuess).optional(),
};

export const PredictResponse = z.object(Classification).openapi('ImagePrediction');

export const BatchPredictResponse = z
  .object({
    results: z.array(z.object({ filename: z.string().nullable(), ...Classification })),
    model_version: z.string(),
    inference_time_ms: z.number().openapi({ description: 'For the whole batch' }),
  })
  .openapi('ImageBatchPrediction');

export const FeedbackRequest = z
  .object({
    prediction_id: z.uuid(),
    correct: z.boolean().optional().openapi({ description: 'Was the predicted label right?' }),
    label: z.string().min(1).max(64).optional().openapi({ description: 'The true label, when it is known' }),
  })
  .refine((f) => f.correct !== undefined || f.label !== undefined, {
    message: 'give `correct`, `label`, or both',
    path: ['correct'],
  })
  .openapi('ImageFeedback');

export const FeedbackResponse = z
  .object({
    prediction_id: z.uuid(),
    correct: z.boolean(),
    label: z.string().nullable(),
    stored: z.literal(true),
  })
  .openapi('ImageFeedbackStored');

export const FeedbackStats = z
  .object({
    total: z.number().int(),
    agree: z.number().int(),
    agreement_rate: z.number().nullable(),
  })
  .openapi('ImageFeedbackStats');

export const ModelInfo = z
  .object({
    model_version: z.string(),
    labels: z.array(z.string()),
    unknown: z.object({ label: z.string(), min_mass: z.number(), min_confidence: z.number() }),
    backbone: z.string(),
    metrics: z.array(
      z.object({ dataset: z.string(), split: z.string(), metric: z.string(), value: z.number() }),
    ),
    limits: z.object({
      max_bytes: z.number().int(),
      max_pixels: z.number().int(),
      batch_max_items: z.number().int(),
      formats: z.array(z.string()),
    }),
  })
  .openapi('ImageModelInfo');
