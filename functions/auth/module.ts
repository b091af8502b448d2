/** Wires the auth function's deps from the platform. */
import { createTokenIssuer } from '../../shared/auth/tokens.js';
import { UserDirectory } from '../../shared/auth/users.js';
import {
  documentsReadiness,
  platformHttpOptions,
  type VigilFunction,
} from '../../shared/runtime/function.js';
import type { Platform } from '../../shared/runtime/platform.js';
import { createApp, type PasswordGrantDeps } from './app.js';

export const authFunction: VigilFunction = {
  name: 'auth',
  summary: 'Tokens (OAuth2 password grant → JWT) and API keys',
  async create(platform) {
    if (platform.config.authDisabled.includes('auth'))
      throw new Error('VIGIL_AUTH_DISABLED: the auth function cannot be disabled');
    return createApp({
      http: {
        ...platformHttpOptions(platform, 'auth'),
        readiness: { documents: documentsReadiness(platform) },
      },
      ...(await passwordGrantDeps(platform)),
      apiKeys: platform.apiKeys,
      guard: platform.guardFor('auth'),
    });
  },
};

/** What `POST /token` needs, built the same way wherever it is mounted. */
export async function passwordGrantDeps(platform: Platform): Promise<PasswordGrantDeps> {
  const { config } = platform;
  const secret = config.jwt.secret ?? platform.localSecrets?.jwtSecret;
  const issuer = await createTokenIssuer({
    issuer: config.jwt.issuer,
    audience: config.jwt.audience,
    ttlSeconds: config.jwt.ttlSeconds,
    ...(config.jwt.privateKeyPem ? { privateKeyPem: config.jwt.privateKeyPem } : secret ? { secret } : {}),
    now: platform.clock,
  });
  return {
    users: new UserDirectory(platform.documents, config.users, platform.clock),
    issuer,
    limiter: platform.limiter,
    loginRateLimit: { perMinute: 20, burst: 10 },
  };
}
