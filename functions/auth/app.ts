/** The auth function: OAuth2 password grant → JWT, API key administration, JWKS. */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { ApiKeyMetadata, ApiKeyStore } from '../../shared/auth/api-keys.js';
import type { TokenIssuer } from '../../shared/auth/tokens.js';
import type { UserDirectory } from '../../shared/auth/users.js';
import { createHttpApp, type HttpAppOptions } from '../../shared/http/app.js';
import { clientAddress } from '../../shared/http/client-address.js';
import type { AppEnv } from '../../shared/http/context.js';
import { ApiError } from '../../shared/http/errors.js';
import type { RateLimiter } from '../../shared/http/rate-limit.js';
import { rateLimitHeaders } from '../../shared/http/rate-limit.js';
import { errorResponses, SECURED } from '../../shared/http/schemas.js';
import {
  CreatedKey,
  CreateKeyRequest,
  Jwks,
  KeyIdParam,
  KeyList,
  TokenRequest,
  TokenResponse,
} from './schemas.js';

export interface AuthDeps {
  http: Omit<HttpAppOptions, 'title' | 'version' | 'description'>;
  users: UserDirectory;
  apiKeys: ApiKeyStore;
  issuer: TokenIssuer;
  limiter: RateLimiter;
  guard: (scopes: readonly string[]) => MiddlewareHandler<AppEnv>;
  /** Password attempts allowed per client address and username. */
  loginRateLimit: { perMinute: number; burst: number };
}

export const VERSION = '1.0.0';

const tokenRoute = createRoute({
  method: 'post',
  path: '/token',
  tags: ['auth'],
  summary: 'Exchange a username and password for a JWT (OAuth2 password grant)',
  request: {
    body: {
      required: true,
      content: {
        'application/x-www-form-urlencoded': { schema: TokenRequest },
        'multipart/form-data': { schema: TokenRequest },
      },
    },
  },
  responses: {
    200: { description: 'A bearer token', content: { 'application/json': { schema: TokenResponse } } },
    ...errorResponses(400, 401, 415, 429),
  },
});

const createKeyRoute = createRoute({
  method: 'post',
  path: '/v1/keys',
  tags: ['api keys'],
  summary: 'Create an API key (shown once)',
  security: SECURED,
  request: { body: { required: true, content: { 'application/json': { schema: CreateKeyRequest } } } },
  responses: {
    201: { description: 'The new key', content: { 'application/json': { schema: CreatedKey } } },
    ...errorResponses(400, 401, 403, 415, 429),
  },
});

const listKeysRoute = createRoute({
  method: 'get',
  path: '/v1/keys',
  tags: ['api keys'],
  summary: 'List API keys (metadata only)',
  security: SECURED,
  responses: {
    200: { description: 'All keys, newest first', content: { 'application/json': { schema: KeyList } } },
    ...errorResponses(401, 403, 429),
  },
});

const revokeKeyRoute = createRoute({
  method: 'delete',
  path: '/v1/keys/{id}',
  tags: ['api keys'],
  summary: 'Revoke an API key',
  security: SECURED,
  request: { params: KeyIdParam },
  responses: {
    204: { description: 'Revoked (revoking again is harmless)' },
    ...errorResponses(400, 401, 403, 404, 429),
  },
});

const jwksRoute = createRoute({
  method: 'get',
  path: '/.well-known/jwks.json',
  tags: ['auth'],
  summary: 'Public keys verifying the tokens this function issues (asymmetric signing only)',
  responses: {
    200: { description: 'JSON Web Key Set', content: { 'application/json': { schema: Jwks } } },
    ...errorResponses(404),
  },
});

/**
 * @example
 *   const app = createApp({ http, users, apiKeys, issuer, limiter, guard, loginRateLimit });
 *   await app.request('/token', { method: 'POST', body: new URLSearchParams({ username, password }) });
 */
export function createApp(deps: AuthDeps): OpenAPIHono<AppEnv> {
  const app = createHttpApp({
    ...deps.http,
    title: 'vigil auth',
    version: VERSION,
    description: 'Tokens (OAuth2 password grant → JWT) and API keys for every vigil function.',
  });
  const admin = deps.guard(['admin']);

  registerPasswordGrant(app, deps);

  app.openapi({ ...createKeyRoute, middleware: [admin] }, async (c) => {
    const body = c.req.valid('json');
    const created = await deps.apiKeys.create({
      name: body.name,
      scopes: body.scopes,
      rateLimitPerMinute: body.rateLimitPerMinute ?? null,
      createdBy: `${c.get('principal').kind}:${c.get('principal').subject}`,
    });
    c.get('logger').info('api key created', { keyId: created.id });
    c.header('Cache-Control', 'no-store');
    return c.json({ ...serialise(created.metadata), key: created.key }, 201);
  });

  app.openapi({ ...listKeysRoute, middleware: [admin] }, async (c) => {
    const keys = await deps.apiKeys.list();
    return c.json({ keys: keys.map(serialise) }, 200);
  });

  app.openapi({ ...revokeKeyRoute, middleware: [admin] }, async (c) => {
    const { id } = c.req.valid('param');
    if (!(await deps.apiKeys.revoke(id))) throw new ApiError(404, 'no such API key');
    c.get('logger').info('api key revoked', { keyId: id });
    return c.body(null, 204);
  });

  app.openapi(jwksRoute, (c) => {
    if (!deps.issuer.jwks)
      throw new ApiError(404, 'tokens are signed with a shared secret; there is no public key');
    c.header('Cache-Control', 'public, max-age=300');
    return c.json(deps.issuer.jwks as { keys: Record<string, unknown>[] }, 200);
  });

  return app;
}

export type PasswordGrantDeps = Pick<AuthDeps, 'users' | 'issuer' | 'limiter' | 'loginRateLimit'>;

/**
 * `POST /token`, the OAuth2 password grant. Registered by the auth function and, for seed 000's
 * clients, by the toxicity function too — one implementation, two mount points.
 */
export function registerPasswordGrant(app: OpenAPIHono<AppEnv>, deps: PasswordGrantDeps): void {
  app.openapi({ ...tokenRoute, middleware: [limitLogins(deps)] }, async (c) => {
    const form = c.req.valid('form');
    const user = await deps.users.authenticate(form.username, form.password);
    if (!user) {
      throw new ApiError(401, 'incorrect username or password', {
        headers: { 'WWW-Authenticate': 'Bearer' },
      });
    }
    const scopes = grantedScopes(user.scopes, form.scope);
    const { token, expiresIn } = await deps.issuer.issue(user.username, scopes);
    c.header('Cache-Control', 'no-store');
    return c.json(
      { access_token: token, token_type: 'bearer' as const, expires_in: expiresIn, scope: scopes.join(' ') },
      200,
    );
  });
}

/** A requested scope list narrows the user's scopes; asking for more than granted is an error. */
function grantedScopes(userScopes: string[], requested: string | undefined): string[] {
  if (!requested?.trim()) return userScopes;
  const wanted = [...new Set(requested.trim().split(/\s+/))];
  const extra = wanted.filter((s) => !userScopes.includes(s) && !userScopes.includes('admin'));
  if (extra.length > 0) throw new ApiError(400, `scope not granted to this user: ${extra.join(' ')}`);
  return wanted;
}

/** Slows password guessing: a bucket per client address and username, checked before any hashing. */
function limitLogins(deps: PasswordGrantDeps): MiddlewareHandler<AppEnv> {
  return async function limitLogins(c, next) {
    const decision = deps.limiter.take(
      `login:${clientAddress(c.req.header('x-forwarded-for'))}`,
      deps.loginRateLimit,
    );
    if (!decision.allowed)
      throw new ApiError(429, 'too many login attempts', { headers: rateLimitHeaders(decision) });
    await next();
  };
}

function serialise(key: ApiKeyMetadata) {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    scopes: key.scopes,
    rateLimitPerMinute: key.rateLimitPerMinute,
    createdAt: key.createdAt.toISOString(),
    createdBy: key.createdBy,
    revokedAt: key.revokedAt ? key.revokedAt.toISOString() : null,
  };
}
