import { describe, expect, it } from 'vitest';
import { ConfigError, loadPlatformConfig } from '../../shared/runtime/config.js';

const SECRET = 'x'.repeat(32);

describe('loadPlatformConfig', () => {
  it('runs locally with embedded defaults and no cloud settings', () => {
    const config = loadPlatformConfig({});
    expect(config.env).toBe('local');
    expect(config.port).toBe(8080);
    expect(config.documents.kind).toBe('embedded');
    expect(config.blobs.kind).toBe('local');
    expect(config.events.kind).toBe('in-process');
    expect(config.jwt.algorithms).toEqual(['HS256']);
    expect(config.authDisabled).toEqual([]);
  });

  it('is frozen all the way down', () => {
    const config = loadPlatformConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.jwt)).toBe(true);
    expect(() => {
      (config.jwt as { issuer: string }).issuer = 'evil';
    }).toThrow(TypeError);
  });

  it('uses Google Cloud adapters in production', () => {
    const config = loadPlatformConfig({
      VIGIL_ENV: 'production',
      GOOGLE_CLOUD_PROJECT: 'p',
      VIGIL_BUCKET: 'vigil-bucket',
      VIGIL_JWT_JWKS_URL: 'https://vigil.example/.well-known/jwks.json',
    });
    expect(config.documents.kind).toBe('firestore');
    expect(config.blobs).toEqual({ kind: 'gcs', bucket: 'vigil-bucket' });
    expect(config.events.kind).toBe('pubsub');
    expect(config.jwt.algorithms).toEqual(['RS256', 'ES256']);
    expect(config.http.metricsPublic).toBe(false);
  });

  const bad: { name: string; env: Record<string, string>; variable: string }[] = [
    { name: 'a non-numeric port', env: { PORT: 'eighty' }, variable: 'PORT' },
    { name: 'a port out of range', env: { PORT: '70000' }, variable: 'PORT' },
    { name: 'an unknown environment', env: { VIGIL_ENV: 'staging' }, variable: 'VIGIL_ENV' },
    { name: 'a short JWT secret', env: { VIGIL_JWT_SECRET: 'short' }, variable: 'VIGIL_JWT_SECRET' },
    {
      name: 'an unknown JWT algorithm',
      env: { VIGIL_JWT_ALGORITHMS: 'HS256,none' },
      variable: 'VIGIL_JWT_ALGORITHMS',
    },
    {
      name: 'a JWKS URL that is not a URL',
      env: { VIGIL_JWT_JWKS_URL: 'jwks' },
      variable: 'VIGIL_JWT_JWKS_URL',
    },
    {
      name: 'malformed VIGIL_USERS',
      env: { VIGIL_USERS: '[{"username":"a","password":"admin"}]' },
      variable: 'VIGIL_USERS',
    },
    {
      name: 'a short bootstrap key',
      env: { VIGIL_BOOTSTRAP_API_KEY: 'abc' },
      variable: 'VIGIL_BOOTSTRAP_API_KEY',
    },
    { name: 'a tiny body limit', env: { VIGIL_BODY_LIMIT_BYTES: '10' }, variable: 'VIGIL_BODY_LIMIT_BYTES' },
    {
      name: 'Firestore without a project',
      env: { VIGIL_DOCUMENTS: 'firestore' },
      variable: 'GOOGLE_CLOUD_PROJECT',
    },
    { name: 'GCS without a bucket', env: { VIGIL_BLOBS: 'gcs' }, variable: 'VIGIL_BUCKET' },
    {
      name: 'production with no way to verify tokens',
      env: { VIGIL_ENV: 'production', GOOGLE_CLOUD_PROJECT: 'p', VIGIL_BUCKET: 'vigil-bucket' },
      variable: 'VIGIL_JWT_JWKS_URL',
    },
    {
      name: 'RS256 pinned without keys',
      env: { VIGIL_JWT_ALGORITHMS: 'RS256', VIGIL_JWT_SECRET: SECRET },
      variable: 'VIGIL_JWT_JWKS_URL',
    },
  ];
  for (const c of bad) {
    it(`stops start-up on ${c.name}, naming ${c.variable}`, () => {
      let error: unknown;
      try {
        loadPlatformConfig(c.env);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain(c.variable);
    });
  }

  it('never echoes a rejected secret value', () => {
    const secret = 'sup3r-s3cret';
    expect(() => loadPlatformConfig({ VIGIL_JWT_SECRET: secret })).toThrow(ConfigError);
    try {
      loadPlatformConfig({ VIGIL_JWT_SECRET: secret });
    } catch (e) {
      expect((e as Error).message).not.toContain(secret);
    }
  });
});
