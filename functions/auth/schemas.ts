/** Request and response schemas of the auth function: they validate, type and document. */
import { z } from '@hono/zod-openapi';
import { SCOPES } from '../../shared/auth/scopes.js';

export const TokenRequest = z
  .object({
    grant_type: z.literal('password').optional().openapi({ description: 'OAuth2 password grant' }),
    username: z.string().min(1).max(64),
    password: z.string().min(1).max(256),
    scope: z
      .string()
      .max(512)
      .optional()
      .openapi({ description: "Space-separated subset of the user's scopes" }),
  })
  .openapi('TokenRequest');

export const TokenResponse = z
  .object({
    access_token: z.string(),
    token_type: z.literal('bearer'),
    expires_in: z.number().int().openapi({ example: 3600 }),
    scope: z.string().openapi({ example: 'toxicity:analyze' }),
  })
  .openapi('TokenResponse');

export const ScopeSchema = z.enum(SCOPES).openapi('Scope');

export const CreateKeyRequest = z
  .object({
    name: z.string().trim().min(1).max(100).openapi({ example: 'moderation-worker' }),
    scopes: z.array(ScopeSchema).min(1).max(SCOPES.length),
    rateLimitPerMinute: z.number().int().min(1).max(1_000_000).nullable().optional(),
  })
  .openapi('CreateKeyRequest');

export const KeyMetadata = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string().openapi({ description: 'First characters of the key, to tell keys apart' }),
    scopes: z.array(z.string()),
    rateLimitPerMinute: z.number().int().nullable(),
    createdAt: z.string().openapi({ format: 'date-time' }),
    createdBy: z.string(),
    revokedAt: z.string().nullable().openapi({ format: 'date-time' }),
  })
  .openapi('KeyMetadata');

export const CreatedKey = KeyMetadata.extend({
  key: z.string().openapi({ description: 'The API key. Shown once; only its hash is stored.' }),
}).openapi('CreatedKey');

export const KeyList = z.object({ keys: z.array(KeyMetadata) }).openapi('KeyList');

export const KeyIdParam = z.object({
  id: z
    .string()
    .regex(/^[a-z2-7]{16}$|^bootstrap$/)
    .openapi({ param: { name: 'id', in: 'path' } }),
});

export const Jwks = z.object({ keys: z.array(z.record(z.string(), z.unknown())) }).openapi('JWKS');
