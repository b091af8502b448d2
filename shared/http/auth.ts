/**
 * Route guard: authenticates a Bearer JWT or an API key (`X-API-Key` header or `?key=` as Perspective
 * clients send), checks scopes, then applies the caller's rate limit.
 */
import type { MiddlewareHandler } from 'hono';
import type { ApiKeyStore } from '../auth/api-keys.js';
import { hasScopes, type Principal, SCOPES } from '../auth/scopes.js';
import type { TokenVerifier } from '../auth/tokens.js';
import { clientAddress } from './client-address.js';
import type { AppEnv } from './context.js';
import { ApiError } from './errors.js';
import { type RateLimiter, type RateLimitPolicy, rateLimitHeaders } from './rate-limit.js';

export interface AuthDeps {
  verifier: TokenVerifier;
  apiKeys: ApiKeyStore;
  limiter: RateLimiter;
  defaultRateLimit: RateLimitPolicy;
  /** True only when config explicitly switched auth off for this function. */
  disabled: boolean;
}

const REALM = 'Bearer realm="vigil"';

function unauthenticated(message: string, invalidToken: boolean): ApiError {
  const header = invalidToken ? `${REALM}, error="invalid_token", error_description="${message}"` : REALM;
  return new ApiError(401, message, { headers: { 'WWW-Authenticate': header } });
}

/**
 * @example
 *   const guard = createGuard(deps);
 *   app.openapi(createRoute({ ..., middleware: [guard(['toxicity:analyze'])] }), handler);
 */
export function createGuard(deps: AuthDeps): (scopes: readonly string[]) => MiddlewareHandler<AppEnv> {
  return (scopes) =>
    async function guard(c, next) {
      const principal = deps.disabled
        ? anonymous(c.req.header('x-forwarded-for'))
        : await authenticate(c, deps);
      if (!hasScopes(principal.scopes, scopes)) {
        throw new ApiError(403, `missing scope: ${scopes.join(' ')}`, {
          headers: {
            'WWW-Authenticate': `${REALM}, error="insufficient_scope", scope="${scopes.join(' ')}"`,
          },
        });
      }
      c.set('principal', principal);
      const policy = principal.rateLimitPerMinute
        ? {
            perMinute: principal.rateLimitPerMinute,
            burst: Math.max(1, Math.ceil(principal.rateLimitPerMinute / 10)),
          }
        : deps.defaultRateLimit;
      const decision = deps.limiter.take(`${principal.kind}:${principal.subject}`, policy);
      const headers = rateLimitHeaders(decision);
      if (!decision.allowed) throw new ApiError(429, 'rate limit exceeded', { headers });
      for (const [k, v] of Object.entries(headers)) c.header(k, v);
      await next();
    };
}

async function authenticate(c: Parameters<MiddlewareHandler<AppEnv>>[0], deps: AuthDeps): Promise<Principal> {
  const authorization = c.req.header('authorization');
  const apiKey = c.req.header('x-api-key') ?? c.req.query('key');
  if (authorization) {
    const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/i.exec(authorization.trim());
    if (!match?.[1]) throw unauthenticated('expected "Authorization: Bearer <token>"', true);
    try {
      return await deps.verifier.verify(match[1]);
    } catch (error) {
      throw unauthenticated(error instanceof Error ? error.message : 'invalid token', true);
    }
  }
  if (apiKey) {
    const principal = await deps.apiKeys.verify(apiKey);
    if (!principal) throw unauthenticated('API key invalid or revoked', true);
    return principal;
  }
  throw unauthenticated('credentials required: Bearer token or API key', false);
}

/** Disabling auth opens the detection routes, never the administrative ones. */
const ANONYMOUS_SCOPES: ReadonlySet<string> = new Set(
  SCOPES.filter((s) => s !== 'admin' && s !== 'models:manage'),
);

/** When auth is explicitly disabled, callers are rate limited per client address. */
function anonymous(forwardedFor: string | undefined): Principal {
  return { kind: 'anonymous', subject: clientAddress(forwardedFor), scopes: ANONYMOUS_SCOPES };
}
