/** Schemas of the toxicity function: Perspective's wire format, seed 000's API, history and erasure. */
import { z } from '@hono/zod-openapi';

/** Perspective attribute names vigil answers, and the toxicity-model label behind each. */
export const ATTRIBUTE_LABELS = {
  TOXICITY: 'toxic',
  SEVERE_TOXICITY: 'severe_toxic',
  IDENTITY_ATTACK: 'identity_hate',
  INSULT: 'insult',
  PROFANITY: 'obscene',
  THREAT: 'threat',
} as const;
export type Attribute = keyof typeof ATTRIBUTE_LABELS;
export const ATTRIBUTES = Object.keys(ATTRIBUTE_LABELS) as Attribute[];

/** Which attributes each language supports, as Perspective's language table does. */
export const LANGUAGE_ATTRIBUTES: Record<string, readonly Attribute[]> = {
  en: ATTRIBUTES,
  fr: ['TOXICITY'],
};

const TextEntry = z.object({
  text: z.string().openapi({ example: 'You are a wonderful person.' }),
  type: z.enum(['PLAIN_TEXT', 'HTML']).optional().openapi({ description: 'Only PLAIN_TEXT is scored as is' }),
});

const AttributeParameters = z
  .object({
    scoreType: z.enum(['PROBABILITY']).optional(),
    scoreThreshold: z.number().min(0).max(1).optional().openapi({
      description: 'Scores below this are left out of the response, as Perspective does',
    }),
  })
  .openapi('AttributeParameters');

export const AnalyzeCommentRequest = z
  .object({
    comment: TextEntry,
    context: z
      .object({ entries: z.array(TextEntry).max(20).optional() })
      .optional()
      .openapi({
        description: 'Accepted for compatibility; not used for scoring',
      }),
    requestedAttributes: z.record(z.string(), AttributeParameters).openapi({
      description:
        'Attribute name → parameters. Names: TOXICITY, SEVERE_TOXICITY, IDENTITY_ATTACK, INSULT, PROFANITY, THREAT; `NAME@<version>` pins a model version (`TOXICITY@1` = newest 1.x.y).',
      example: { TOXICITY: {} },
    }),
    languages: z.array(z.string().max(35)).max(10).optional().openapi({
      description: 'BCP-47 codes; the first one vigil supports is used. Auto-detected when absent.',
    }),
    doNotStore: z.boolean().optional().openapi({ description: 'Store nothing of this request' }),
    clientToken: z.string().max(512).optional(),
    sessionId: z.string().max(512).optional(),
    communityId: z.string().max(512).optional(),
    spanAnnotations: z.boolean().optional().openapi({ description: 'Also score each sentence' }),
  })
  .openapi('AnalyzeCommentRequest');
export type AnalyzeCommentRequest = z.infer<typeof AnalyzeCommentRequest>;

const Score = z.object({ value: z.number(), type: z.literal('PROBABILITY') });
const SpanScore = z.object({
  begin: z
    .number()
    .int()
    .openapi({ description: 'UTF-16 code unit offset into comment.text (as Perspective)' }),
  end: z.number().int().openapi({ description: 'exclusive' }),
  score: Score,
});

export const AnalyzeCommentResponse = z
  .object({
    attributeScores: z.record(
      z.string(),
      z.object({ summaryScore: Score, spanScores: z.array(SpanScore).optional() }),
    ),
    languages: z.array(z.string()),
    detectedLanguages: z.array(z.string()).optional(),
    clientToken: z.string().optional(),
  })
  .openapi('AnalyzeCommentResponse');
export type AnalyzeCommentResponse = z.infer<typeof AnalyzeCommentResponse>;

export const SuggestCommentScoreRequest = z
  .object({
    comment: TextEntry,
    context: z.object({ entries: z.array(TextEntry).max(20).optional() }).optional(),
    attributeScores: z.record(
      z.string(),
      z.object({
        summaryScore: z.object({ value: z.number().min(0).max(1), type: z.string().optional() }),
        spanScores: z.array(z.unknown()).optional(),
      }),
    ),
    languages: z.array(z.string().max(35)).max(10).optional(),
    communityId: z.string().max(512).optional(),
    clientToken: z.string().max(512).optional(),
    sessionId: z.string().max(512).optional(),
  })
  .openapi('SuggestCommentScoreRequest');

export const SuggestCommentScoreResponse = z
  .object({
    detectedLanguages: z.array(z.string()).optional(),
    requestedLanguages: z.array(z.string()).optional(),
    clientToken: z.string().optional(),
  })
  .openapi('SuggestCommentScoreResponse');

export const BatchAnalyzeRequest = z
  .object({
    requests: z.array(z.unknown()).min(1).openapi({
      description: 'AnalyzeCommentRequest objects; each is validated and scored on its own',
    }),
  })
  .openapi('BatchAnalyzeRequest');

export const PerspectiveError = z
  .object({
    error: z.object({
      code: z.number().int().openapi({ example: 400 }),
      message: z.string(),
      status: z.string().openapi({ example: 'INVALID_ARGUMENT' }),
      details: z.array(z.record(z.string(), z.unknown())).optional(),
      requestId: z.string().optional(),
    }),
  })
  .openapi('PerspectiveError');

export const BatchAnalyzeResponse = z
  .object({
    results: z.array(
      z.object({
        index: z.number().int(),
        response: AnalyzeCommentResponse.optional(),
        error: PerspectiveError.shape.error.optional(),
      }),
    ),
  })
  .openapi('BatchAnalyzeResponse');

// Seed 000 (FastAPI + SVM): same paths and shapes.
export const PredictRequest = z
  .object({ text: z.string().openapi({ example: 'This is a test comment' }) })
  .openapi('PredictRequest');
export const PredictResponse = z
  .object({
    text: z.string().openapi({ description: 'The text as stored: PII redacted' }),
    is_toxic: z.boolean(),
    score: z.number().int().min(0).max(100).openapi({ description: 'Toxicity probability × 100' }),
  })
  .openapi('PredictResponse');

export const ModelInfo = z
  .object({
    model_name: z.string(),
    version: z.string(),
    languages: z.array(z.string()),
    labels: z.array(z.string()),
    thresholds: z.record(z.string(), z.number()),
    trained_at: z.string(),
    metrics: z.array(
      z.object({
        dataset: z.string(),
        split: z.string(),
        metric: z.string(),
        label: z.string().optional(),
        value: z.number(),
      }),
    ),
    models: z.array(z.object({ name: z.string(), version: z.string(), languages: z.array(z.string()) })),
  })
  .openapi('ModelInfo');

export const RefreshResponse = z
  .object({
    models: z.array(z.object({ name: z.string(), previous: z.string().nullable(), current: z.string() })),
  })
  .openapi('RefreshResponse');

export const PredictionsQuery = z.object({
  clientToken: z.string().min(1).max(512),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const StoredPrediction = z
  .object({
    id: z.string(),
    createdAt: z.string(),
    expiresAt: z.string(),
    model: z.string(),
    version: z.string(),
    language: z.string(),
    scores: z.record(z.string(), z.number()),
    text: z
      .string()
      .nullable()
      .openapi({ description: 'PII-redacted text, or null when text storage is off' }),
    communityId: z.string().nullable(),
  })
  .openapi('StoredPrediction');

export const PredictionList = z.object({ predictions: z.array(StoredPrediction) }).openapi('PredictionList');

export const ErasureParams = z.object({ clientToken: z.string().min(1).max(512) });
export const ErasureResponse = z
  .object({
    clientToken: z.string(),
    deleted: z.object({ predictions: z.number().int(), feedback: z.number().int() }),
  })
  .openapi('ErasureResponse');
