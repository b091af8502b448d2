/**
 * Platform configuration: parsed once at start-up from the environment with zod, frozen, passed down.
 * Schema keys are the variable names themselves, so every error names the variable to fix.
 */
import { z } from 'zod';
import { type MlopsConfig, mlopsConfigFrom, mlopsEnvSchema } from '../mlops/config.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const csv = z
  .string()
  .optional()
  .transform((s) =>
    (s ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  );

const intIn = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).optional().default(fallback);

export const JWT_ALGORITHMS = ['HS256', 'RS256', 'ES256'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

const userSchema = z.object({
  username: z.string().min(1).max(64),
  passwordHash: z.string().startsWith('scrypt$'),
  scopes: z.array(z.string()).default([]),
});
export type ConfiguredUser = z.infer<typeof userSchema>;

const usersJson = z
  .string()
  .optional()
  .transform((s, ctx) => {
    if (!s) return [];
    try {
      return z.array(userSchema).parse(JSON.parse(s));
    } catch {
      ctx.addIssue({
        code: 'custom',
        message: 'must be a JSON array of {username, passwordHash: "scrypt$…", scopes}',
      });
      return z.NEVER;
    }
  });

export const platformEnvSchema = z.object({
  VIGIL_ENV: z.enum(['local', 'production']).default('local'),
  PORT: intIn(1, 65535, 8080),
  VIGIL_LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARNING', 'ERROR']).default('INFO'),
  GOOGLE_CLOUD_PROJECT: z.string().optional(),
  VIGIL_DATA_DIR: z.string().default('.vigil'),
  VIGIL_PUBLIC_URL: z.url().optional(),
  VIGIL_DOCUMENTS: z.enum(['embedded', 'firestore']).optional(),
  VIGIL_FIRESTORE_DATABASE: z.string().default('(default)'),
  VIGIL_FIRESTORE_PREFIX: z
    .string()
    .regex(/^[a-z0-9_]*$/)
    .default(''),
  VIGIL_BLOBS: z.enum(['local', 'gcs']).optional(),
  VIGIL_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/)
    .optional(),
  VIGIL_BLOB_SIGNING_KEY: z.string().min(32).optional(),
  VIGIL_EVENTS: z.enum(['in-process', 'pubsub']).optional(),
  PUBSUB_EMULATOR_HOST: z.string().optional(),
  VIGIL_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  VIGIL_JWT_PRIVATE_KEY: z
    .string()
    .includes('PRIVATE KEY', { message: 'must be a PEM private key' })
    .optional(),
  VIGIL_JWT_JWKS_URL: z.url().optional(),
  VIGIL_JWT_ALGORITHMS: csv.pipe(z.array(z.enum(JWT_ALGORITHMS))),
  VIGIL_JWT_ISSUER: z.string().min(1).default('vigil'),
  VIGIL_JWT_AUDIENCE: z.string().min(1).default('vigil'),
  VIGIL_TOKEN_TTL_SECONDS: intIn(60, 86_400, 3600),
  VIGIL_USERS: usersJson,
  VIGIL_BOOTSTRAP_API_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  VIGIL_AUTH_DISABLED: csv,
  VIGIL_API_KEY_CACHE_SECONDS: intIn(0, 300, 10),
  VIGIL_RATE_LIMIT_PER_MINUTE: intIn(1, 1_000_000, 600),
  VIGIL_RATE_LIMIT_BURST: intIn(1, 1_000_000, 60),
  VIGIL_BODY_LIMIT_BYTES: intIn(1024, 64 * 1024 * 1024, 1024 * 1024),
  VIGIL_REQUEST_TIMEOUT_MS: intIn(100, 15 * 60_000, 30_000),
  VIGIL_CORS_ORIGINS: csv,
  VIGIL_METRICS_PUBLIC: z.enum(['true', 'false']).optional(),
  VIGIL_MODELS_DIR: z.string().min(1).default('models'),
  VIGIL_STORE_PREDICTIONS: z.enum(['true', 'false']).default('true'),
  VIGIL_RETENTION_DAYS: intIn(1, 3650, 30),
  VIGIL_FEEDBACK_RETENTION_DAYS: intIn(1, 3650, 365),
  VIGIL_TEXT_MAX_CHARS: intIn(1, 100_000, 20_000),
  VIGIL_BATCH_MAX_ITEMS: intIn(1, 1000, 100),
  VIGIL_MODEL_SERVER_URL: z.url().optional(),
  VIGIL_MODEL_SERVER_TIMEOUT_MS: intIn(1, 60_000, 500),
  VIGIL_HATE_SPEECH_REMOTE_MODEL: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,128}$/)
    .optional(),
  VIGIL_HATE_SPEECH_REMOTE_THRESHOLD: z.coerce.number().min(0).max(1).default(0.5),
  VIGIL_MODEL_CACHE_DIR: z.string().min(1).default('.models-cache'),
  VIGIL_IMAGE_MAX_BYTES: intIn(1024, 50 * 1024 * 1024, 10 * 1024 * 1024),
  VIGIL_IMAGE_MAX_PIXELS: intIn(1, 100_000_000, 25_000_000),
  VIGIL_IMAGE_BATCH_MAX_ITEMS: intIn(1, 64, 16),
  VIGIL_IMAGE_LOG_RETENTION_DAYS: intIn(1, 3650, 180),
  VIGIL_STORE_IMAGES: z.enum(['true', 'false']).default('false'),
  ...mlopsEnvSchema.shape,
});

export type PlatformEnv = z.infer<typeof platformEnvSchema>;

export interface PlatformConfig {
  env: 'local' | 'production';
  port: number;
  logLevel: 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';
  projectId: string | undefined;
  dataDir: string;
  publicUrl: string;
  documents: { kind: 'embedded' } | { kind: 'firestore'; database: string; prefix: string };
  blobs: { kind: 'local'; signingKey: string | undefined } | { kind: 'gcs'; bucket: string };
  /** `createMissing`: create topics/subscriptions on demand (emulators only; Terraform owns them in production). */
  events: { kind: 'in-process' | 'pubsub'; createMissing: boolean };
  jwt: {
    secret: string | undefined;
    privateKeyPem: string | undefined;
    jwksUrl: string | undefined;
    algorithms: JwtAlgorithm[];
    issuer: string;
    audience: string;
    ttlSeconds: number;
  };
  users: ConfiguredUser[];
  bootstrapApiKey: string | undefined;
  /** Function names whose auth is switched off, explicitly. */
  authDisabled: string[];
  apiKeyCacheSeconds: number;
  rateLimit: { perMinute: number; burst: number };
  http: { bodyLimitBytes: number; timeoutMs: number; corsOrigins: string[]; metricsPublic: boolean };
  /** Folder of `<name>/<version>/` model folders. */
  modelsDir: string;
  /** What detectors may keep: nothing at all when `storePredictions` is false. */
  privacy: { storePredictions: boolean; retentionDays: number; feedbackRetentionDays: number };
  limits: { textMaxChars: number; batchMaxItems: number };
  /** Image detectors: upload limits (checked before decoding), inference-log retention, image storage. */
  images: {
    maxBytes: number;
    maxPixels: number;
    batchMaxItems: number;
    logRetentionDays: number;
    /** Keep uploaded images in the blobs store (off by default: only predictions are stored). */
    store: boolean;
  };
  /** Where public backbones pulled by `npm run models:pull` are cached. */
  modelCacheDir: string;
  /** The GPU model server (Open Inference Protocol V2) and the models detectors may send to it. */
  modelServer: {
    url: string | undefined;
    timeoutMs: number;
    hateSpeech: { model: string; threshold: number } | undefined;
  };
  /** The MLOps loop: dataset validation, retraining and promotion, drift checks, champion polling. */
  mlops: MlopsConfig;
}

/**
 * Parses the environment (passed in, never read globally) into a frozen config, or throws a
 * `ConfigError` listing each bad variable.
 */
export function loadPlatformConfig(
  env: Record<string, string | undefined> = process.env,
): Readonly<PlatformConfig> {
  const parsed = platformEnvSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(formatIssues(parsed.error));
  const e = parsed.data;
  const production = e.VIGIL_ENV === 'production';
  const problems: string[] = [];

  const documents = e.VIGIL_DOCUMENTS ?? (production ? 'firestore' : 'embedded');
  const blobs = e.VIGIL_BLOBS ?? (production ? 'gcs' : 'local');
  const events = e.VIGIL_EVENTS ?? (production ? 'pubsub' : 'in-process');
  if ((documents === 'firestore' || events === 'pubsub') && !e.GOOGLE_CLOUD_PROJECT) {
    problems.push('GOOGLE_CLOUD_PROJECT: required when Firestore or Pub/Sub is used');
  }
  if (blobs === 'gcs' && !e.VIGIL_BUCKET) problems.push('VIGIL_BUCKET: required when VIGIL_BLOBS=gcs');

  const algorithms: JwtAlgorithm[] =
    e.VIGIL_JWT_ALGORITHMS.length > 0
      ? e.VIGIL_JWT_ALGORITHMS
      : [
          ...(e.VIGIL_JWT_SECRET || !production ? (['HS256'] as const) : []),
          ...(e.VIGIL_JWT_JWKS_URL || e.VIGIL_JWT_PRIVATE_KEY ? (['RS256', 'ES256'] as const) : []),
        ];
  if (algorithms.includes('HS256') && production && !e.VIGIL_JWT_SECRET) {
    problems.push('VIGIL_JWT_SECRET: required in production when HS256 is allowed');
  }
  const asymmetric = algorithms.filter((a) => a !== 'HS256');
  if (asymmetric.length > 0 && !e.VIGIL_JWT_JWKS_URL && !e.VIGIL_JWT_PRIVATE_KEY) {
    problems.push(
      'VIGIL_JWT_JWKS_URL: required when RS256/ES256 tokens are accepted (or set VIGIL_JWT_PRIVATE_KEY)',
    );
  }
  if (production && algorithms.length === 0) {
    problems.push('VIGIL_JWT_JWKS_URL: production needs a JWKS URL or VIGIL_JWT_SECRET to verify tokens');
  }
  if (e.VIGIL_HATE_SPEECH_REMOTE_MODEL && !e.VIGIL_MODEL_SERVER_URL) {
    problems.push('VIGIL_MODEL_SERVER_URL: required when VIGIL_HATE_SPEECH_REMOTE_MODEL is set');
  }
  if (problems.length > 0) throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);

  const config: PlatformConfig = {
    env: e.VIGIL_ENV,
    port: e.PORT,
    logLevel: e.VIGIL_LOG_LEVEL,
    projectId: e.GOOGLE_CLOUD_PROJECT,
    dataDir: e.VIGIL_DATA_DIR,
    publicUrl: e.VIGIL_PUBLIC_URL ?? `http://localhost:${e.PORT}`,
    documents:
      documents === 'firestore'
        ? { kind: 'firestore', database: e.VIGIL_FIRESTORE_DATABASE, prefix: e.VIGIL_FIRESTORE_PREFIX }
        : { kind: 'embedded' },
    blobs:
      blobs === 'gcs'
        ? { kind: 'gcs', bucket: e.VIGIL_BUCKET! }
        : { kind: 'local', signingKey: e.VIGIL_BLOB_SIGNING_KEY },
    events: { kind: events, createMissing: Boolean(e.PUBSUB_EMULATOR_HOST) },
    jwt: {
      secret: e.VIGIL_JWT_SECRET,
      privateKeyPem: e.VIGIL_JWT_PRIVATE_KEY,
      jwksUrl: e.VIGIL_JWT_JWKS_URL,
      algorithms,
      issuer: e.VIGIL_JWT_ISSUER,
      audience: e.VIGIL_JWT_AUDIENCE,
      ttlSeconds: e.VIGIL_TOKEN_TTL_SECONDS,
    },
    users: e.VIGIL_USERS,
    bootstrapApiKey: e.VIGIL_BOOTSTRAP_API_KEY,
    authDisabled: e.VIGIL_AUTH_DISABLED,
    apiKeyCacheSeconds: e.VIGIL_API_KEY_CACHE_SECONDS,
    rateLimit: { perMinute: e.VIGIL_RATE_LIMIT_PER_MINUTE, burst: e.VIGIL_RATE_LIMIT_BURST },
    http: {
      bodyLimitBytes: e.VIGIL_BODY_LIMIT_BYTES,
      timeoutMs: e.VIGIL_REQUEST_TIMEOUT_MS,
      corsOrigins: e.VIGIL_CORS_ORIGINS,
      metricsPublic: e.VIGIL_METRICS_PUBLIC ? e.VIGIL_METRICS_PUBLIC === 'true' : !production,
    },
    modelsDir: e.VIGIL_MODELS_DIR,
    privacy: {
      storePredictions: e.VIGIL_STORE_PREDICTIONS === 'true',
      retentionDays: e.VIGIL_RETENTION_DAYS,
      feedbackRetentionDays: e.VIGIL_FEEDBACK_RETENTION_DAYS,
    },
    limits: { textMaxChars: e.VIGIL_TEXT_MAX_CHARS, batchMaxItems: e.VIGIL_BATCH_MAX_ITEMS },
    images: {
      maxBytes: e.VIGIL_IMAGE_MAX_BYTES,
      maxPixels: e.VIGIL_IMAGE_MAX_PIXELS,
      batchMaxItems: e.VIGIL_IMAGE_BATCH_MAX_ITEMS,
      logRetentionDays: e.VIGIL_IMAGE_LOG_RETENTION_DAYS,
      store: e.VIGIL_STORE_IMAGES === 'true',
    },
    modelCacheDir: e.VIGIL_MODEL_CACHE_DIR,
    modelServer: {
      url: e.VIGIL_MODEL_SERVER_URL,
      timeoutMs: e.VIGIL_MODEL_SERVER_TIMEOUT_MS,
      hateSpeech: e.VIGIL_HATE_SPEECH_REMOTE_MODEL
        ? { model: e.VIGIL_HATE_SPEECH_REMOTE_MODEL, threshold: e.VIGIL_HATE_SPEECH_REMOTE_THRESHOLD }
        : undefined,
    },
    mlops: mlopsConfigFrom(e, production),
  };
  return deepFreeze(config);
}

function formatIssues(error: z.ZodError): string {
  const lines = error.issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`);
  return `invalid configuration:\n  ${lines.join('\n  ')}`;
}

export function deepFreeze<T>(value: T): Readonly<T> {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
