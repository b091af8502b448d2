/** Wires the auth function's deps from the platform. */
import { createTokenIssuer } from '../../shared/auth/tokens.js';
import { UserDirectory } from '../../shared/auth/users.js';
import { platformHttpOptions, type VigilFunction } from '../../shared/runtime/function.js';
import { createApp } from './app.js';

export const authFunction: VigilFunction = {
  name: 'auth',
  summary: 'Tokens (OAuth2 password grant → JWT) and API keys',
  async create(platform) {
    const { config } = platform;
    if (config.authDisabled.includes('auth'))
      throw new Error('VIGIL_AUTH_DISABLED: the auth function cannot be disabled');
    const secret = config.jwt.secret ?? platform.localSecrets?.jwtSecret;
    const issuer = await createTokenIssuer({
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      ttlSeconds: config.jwt.ttlSeconds,
      ...(config.jwt.privateKeyPem ? { privateKeyPem: config.jwt.privateKeyPem } : secret ? { secret } : {}),
      now: platform.clock,
    });
    return createApp({
      http: { ...platformHttpOptions(platform, 'auth'), readiness: { documents: readiness(platform) } },
      users: new UserDirectory(platform.documents, config.users, platform.clock),
      apiKeys: platform.apiKeys,
      issuer,
      limiter: platform.limiter,
      guard: platform.guardFor('auth'),
      loginRateLimit: { perMinute: 20, burst: 10 },
    });
  },
};

function readiness(platform: Parameters<VigilFunction['create']>[0]) {
  return async () => {
    await platform.documents.ping();
    return { ok: true, detail: platform.documents.kind };
  };
}
