import { generateKeyPairSync } from 'node:crypto';
import { createLocalJWKSet, exportJWK, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createTokenIssuer, createTokenVerifier, InvalidTokenError } from '../../shared/auth/tokens.js';

const SECRET = 'a-shared-secret-of-at-least-32-characters';
const NOW = new Date('2026-11-21T12:00:00Z');
const base = { issuer: 'vigil', audience: 'vigil', now: () => NOW };

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsaPem = rsa.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
const ecPem = ec.privateKey.export({ format: 'pem', type: 'sec1' }) as string;

function b64(obj: object): string {
  return Buffer.from(JSON.stringify(obj)).toString('base64url');
}
const seconds = Math.floor(NOW.getTime() / 1000);
const goodClaims = {
  sub: 'alice',
  iss: 'vigil',
  aud: 'vigil',
  iat: seconds,
  nbf: seconds,
  exp: seconds + 600,
  scope: 'admin',
};

async function hsToken(claims: Record<string, unknown>, secret = SECRET): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));
}

describe('token verifier', () => {
  const hs = createTokenVerifier({ ...base, algorithms: ['HS256'], secret: SECRET });

  it('accepts a well-formed HS256 token and reads subject and scopes', async () => {
    const principal = await hs.verify(
      await hsToken({ ...goodClaims, scope: 'toxicity:analyze feedback:write' }),
    );
    expect(principal.subject).toBe('alice');
    expect([...principal.scopes]).toEqual(['toxicity:analyze', 'feedback:write']);
  });

  it('round-trips tokens from the issuer', async () => {
    const issuer = await createTokenIssuer({ ...base, ttlSeconds: 60, secret: SECRET });
    const { token, expiresIn } = await issuer.issue('bob', ['admin']);
    expect(expiresIn).toBe(60);
    expect((await hs.verify(token)).subject).toBe('bob');
  });

  describe('Security: attacks are rejected', () => {
    const cases: { name: string; token: () => Promise<string>; reason: RegExp }[] = [
      {
        name: 'a token with alg "none"',
        token: async () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64(goodClaims)}.`,
        reason: /algorithm not allowed|malformed/,
      },
      {
        name: 'an expired token',
        token: () => hsToken({ ...goodClaims, exp: seconds - 60 }),
        reason: /expired/,
      },
      {
        name: 'a token for another audience',
        token: () => hsToken({ ...goodClaims, aud: 'other' }),
        reason: /aud/,
      },
      {
        name: 'a token from another issuer',
        token: () => hsToken({ ...goodClaims, iss: 'evil' }),
        reason: /iss/,
      },
      {
        name: 'a token not valid yet (nbf)',
        token: () => hsToken({ ...goodClaims, nbf: seconds + 600 }),
        reason: /nbf/,
      },
      { name: 'a token without exp', token: () => hsToken({ ...goodClaims, exp: undefined }), reason: /exp/ },
      { name: 'a token without sub', token: () => hsToken({ ...goodClaims, sub: undefined }), reason: /sub/ },
      {
        name: 'a token signed with another secret',
        token: () => hsToken(goodClaims, 'another-secret-of-at-least-32-characters!'),
        reason: /signature/,
      },
      {
        name: 'a tampered payload (scope escalated)',
        token: async () => {
          const [h, , s] = (await hsToken({ ...goodClaims, scope: 'toxicity:analyze' })).split('.');
          return `${h}.${b64({ ...goodClaims, scope: 'admin' })}.${s}`;
        },
        reason: /signature/,
      },
      {
        name: 'a tampered signature',
        token: async () => {
          const t = await hsToken(goodClaims);
          return `${t.slice(0, -4)}${t.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
        },
        reason: /signature/,
      },
      { name: 'garbage', token: async () => 'not.a.jwt', reason: /malformed/ },
    ];
    for (const c of cases) {
      it(`rejects ${c.name}`, async () => {
        const error = await hs.verify(await c.token()).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(InvalidTokenError);
        expect((error as Error).message).toMatch(c.reason);
      });
    }

    it('rejects HS/RS confusion: an HS256 token keyed with the RSA public key', async () => {
      const jwk = { ...(await exportJWK(rsa.publicKey)), alg: 'RS256', kid: 'k1' };
      const rsOnly = createTokenVerifier({
        ...base,
        algorithms: ['RS256'],
        jwks: createLocalJWKSet({ keys: [jwk] }),
      });
      const publicPem = rsa.publicKey.export({ format: 'pem', type: 'spki' }) as string;
      const forged = await new SignJWT(goodClaims)
        .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
        .sign(new TextEncoder().encode(publicPem));
      await expect(rsOnly.verify(forged)).rejects.toThrow(/algorithm not allowed/);

      // Even when HS256 is also allowed, the HMAC key is the configured secret, never the public key.
      const both = createTokenVerifier({
        ...base,
        algorithms: ['HS256', 'RS256'],
        secret: SECRET,
        jwks: createLocalJWKSet({ keys: [jwk] }),
      });
      await expect(both.verify(forged)).rejects.toThrow(/signature/);
    });

    it('rejects an RS256 token when only HS256 is pinned', async () => {
      const issuer = await createTokenIssuer({ ...base, ttlSeconds: 60, privateKeyPem: rsaPem });
      const { token } = await issuer.issue('alice', ['admin']);
      await expect(hs.verify(token)).rejects.toThrow(/algorithm not allowed/);
    });
  });

  it('verifies RS256 and ES256 tokens through a JWKS, by kid', async () => {
    for (const pem of [rsaPem, ecPem]) {
      const issuer = await createTokenIssuer({ ...base, ttlSeconds: 60, privateKeyPem: pem });
      const verifier = createTokenVerifier({
        ...base,
        algorithms: ['RS256', 'ES256'],
        jwks: createLocalJWKSet(issuer.jwks!),
      });
      const { token } = await issuer.issue('carol', ['images:analyze']);
      expect((await verifier.verify(token)).subject).toBe('carol');
      expect(issuer.jwks!.keys[0]).not.toHaveProperty('d');
    }
  });

  it('rejects a token whose kid is not in the JWKS', async () => {
    const issuerA = await createTokenIssuer({ ...base, ttlSeconds: 60, privateKeyPem: rsaPem });
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const issuerB = await createTokenIssuer({
      ...base,
      ttlSeconds: 60,
      privateKeyPem: other.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
    });
    const verifier = createTokenVerifier({
      ...base,
      algorithms: ['RS256'],
      jwks: createLocalJWKSet(issuerA.jwks!),
    });
    const { token } = await issuerB.issue('mallory', ['admin']);
    await expect(verifier.verify(token)).rejects.toThrow(/no matching key/);
  });

  it('refuses to be built without keys for its algorithms', () => {
    expect(() => createTokenVerifier({ ...base, algorithms: ['HS256'] })).toThrow(/secret/);
    expect(() => createTokenVerifier({ ...base, algorithms: ['RS256'] })).toThrow(/JWKS/);
    expect(() => createTokenVerifier({ ...base, algorithms: [] })).toThrow(/algorithm/);
  });
});
