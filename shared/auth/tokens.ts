/** JWT issuing and verification with jose: pinned algorithms, iss/aud/exp/nbf checked. */
import { createPrivateKey, createPublicKey, type KeyObject, randomUUID } from 'node:crypto';
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  createRemoteJWKSet,
  exportJWK,
  importPKCS8,
  type JSONWebKeySet,
  type JWK,
  type JWTVerifyGetKey,
  errors as joseErrors,
  jwtVerify,
  SignJWT,
} from 'jose';
import type { JwtAlgorithm, PlatformConfig } from '../runtime/config.js';
import type { Principal } from './scopes.js';

export class InvalidTokenError extends Error {
  override name = 'InvalidTokenError';
}

export interface TokenVerifier {
  verify(token: string): Promise<Principal>;
}

export interface TokenVerifierOptions {
  algorithms: readonly JwtAlgorithm[];
  issuer: string;
  audience: string;
  /** HS256 shared secret. */
  secret?: string;
  /** Keys for RS256/ES256: a remote JWKS URL or a local key set. */
  jwks?: JWTVerifyGetKey;
  clockToleranceSeconds?: number;
  now?: () => Date;
}

/**
 * Verifies bearer tokens. The key is chosen from the algorithm the token claims, but only among the
 * pinned algorithms, and HS256 never uses an asymmetric key — so `none` and HS/RS confusion fail.
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  if (options.algorithms.length === 0) throw new Error('token verifier requires at least one algorithm');
  if (options.algorithms.includes('HS256') && !options.secret) throw new Error('HS256 requires a secret');
  const asymmetric = options.algorithms.some((a) => a !== 'HS256');
  if (asymmetric && !options.jwks) throw new Error('RS256/ES256 require a JWKS');
  const secret = options.secret ? new TextEncoder().encode(options.secret) : undefined;

  const getKey: JWTVerifyGetKey = async (header, token) => {
    if (header.alg === 'HS256') {
      if (!secret) throw new InvalidTokenError('algorithm not allowed');
      return secret;
    }
    if (!options.jwks) throw new InvalidTokenError('algorithm not allowed');
    return options.jwks(header, token);
  };

  return {
    async verify(token: string): Promise<Principal> {
      try {
        const { payload } = await jwtVerify(token, getKey, {
          algorithms: [...options.algorithms],
          issuer: options.issuer,
          audience: options.audience,
          requiredClaims: ['exp', 'sub'],
          clockTolerance: options.clockToleranceSeconds ?? 5,
          ...(options.now ? { currentDate: options.now() } : {}),
        });
        const scope = typeof payload.scope === 'string' ? payload.scope : '';
        return {
          kind: 'user',
          subject: String(payload.sub),
          scopes: new Set(scope.split(' ').filter(Boolean)),
        };
      } catch (error) {
        throw new InvalidTokenError(describeJoseError(error));
      }
    },
  };
}

/** Short, safe reasons for the `error_description`; never echoes the token. */
function describeJoseError(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'token expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `claim "${error.claim}" invalid`;
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'algorithm not allowed';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'signature invalid';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'no matching key';
  if (error instanceof InvalidTokenError) return error.message;
  return 'token malformed';
}

export interface TokenIssuer {
  readonly algorithm: JwtAlgorithm;
  issue(subject: string, scopes: readonly string[]): Promise<{ token: string; expiresIn: number }>;
  /** The public key set when signing asymmetrically, for `/.well-known/jwks.json`. */
  readonly jwks: JSONWebKeySet | undefined;
}

interface SigningKey {
  algorithm: JwtAlgorithm;
  key: Uint8Array | KeyObject | Awaited<ReturnType<typeof importPKCS8>>;
  kid?: string;
  publicJwk?: JWK;
}

export async function createTokenIssuer(options: {
  issuer: string;
  audience: string;
  ttlSeconds: number;
  secret?: string;
  privateKeyPem?: string;
  now?: () => Date;
}): Promise<TokenIssuer> {
  const signing = await signingKey(options);
  const now = options.now ?? (() => new Date());
  return {
    algorithm: signing.algorithm,
    jwks: signing.publicJwk ? { keys: [signing.publicJwk] } : undefined,
    async issue(subject, scopes) {
      const iat = Math.floor(now().getTime() / 1000);
      const token = await new SignJWT({ scope: scopes.join(' ') })
        .setProtectedHeader({
          alg: signing.algorithm,
          typ: 'JWT',
          ...(signing.kid ? { kid: signing.kid } : {}),
        })
        .setSubject(subject)
        .setIssuer(options.issuer)
        .setAudience(options.audience)
        .setIssuedAt(iat)
        .setNotBefore(iat)
        .setExpirationTime(iat + options.ttlSeconds)
        .setJti(randomUUID())
        .sign(signing.key);
      return { token, expiresIn: options.ttlSeconds };
    },
  };
}

async function signingKey(options: { secret?: string; privateKeyPem?: string }): Promise<SigningKey> {
  if (options.privateKeyPem) {
    const publicKey = createPublicKey(options.privateKeyPem);
    const algorithm: JwtAlgorithm = publicKey.asymmetricKeyType === 'ec' ? 'ES256' : 'RS256';
    if (publicKey.asymmetricKeyType !== 'rsa' && publicKey.asymmetricKeyType !== 'ec') {
      throw new Error('VIGIL_JWT_PRIVATE_KEY must be an RSA or P-256 EC key');
    }
    const key = await importPKCS8(toPkcs8(options.privateKeyPem), algorithm);
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    return { algorithm, key, kid, publicJwk: { ...publicJwk, kid, alg: algorithm, use: 'sig' } };
  }
  if (options.secret) return { algorithm: 'HS256', key: new TextEncoder().encode(options.secret) };
  throw new Error('token issuer needs VIGIL_JWT_SECRET or VIGIL_JWT_PRIVATE_KEY');
}

/** jose imports PKCS#8 only; "BEGIN RSA/EC PRIVATE KEY" PEMs are converted through node:crypto. */
function toPkcs8(pem: string): string {
  if (pem.includes('BEGIN PRIVATE KEY')) return pem;
  return createPrivateKey(pem).export({ format: 'pem', type: 'pkcs8' }) as string;
}

/** JWKS for verification: remote (with jose's caching and cooldown) or the issuer's own local set. */
export function jwksFor(
  config: PlatformConfig['jwt'],
  localJwks?: JSONWebKeySet,
): JWTVerifyGetKey | undefined {
  if (config.jwksUrl) return createRemoteJWKSet(new URL(config.jwksUrl), { timeoutDuration: 5000 });
  if (localJwks) return createLocalJWKSet(localJwks);
  return undefined;
}
