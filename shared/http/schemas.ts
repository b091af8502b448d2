/** OpenAPI pieces every function shares: the error envelope schema and standard error responses. */
import { z } from '@hono/zod-openapi';

export const ErrorEnvelopeSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'invalid_argument' }),
      message: z.string(),
      requestId: z.string(),
      details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  })
  .openapi('Error');

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request (malformed JSON, failed validation)',
  401: 'Missing or invalid credentials',
  403: 'Authenticated but missing a scope',
  404: 'Not found',
  413: 'Request body too large',
  415: 'Unsupported content type',
  429: 'Rate limit exceeded (see Retry-After)',
  503: 'Not ready',
};

/** `responses` entries for the given statuses, all in the one error envelope. */
export function errorResponses(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: DESCRIPTIONS[status] ?? 'Error',
        content: { 'application/json': { schema: ErrorEnvelopeSchema } },
      },
    ]),
  );
}

/** The security requirement of routes that accept a Bearer JWT or an API key. */
export const SECURED: Record<string, string[]>[] = [
  { bearerAuth: [] },
  { apiKeyHeader: [] },
  { apiKeyQuery: [] },
];
