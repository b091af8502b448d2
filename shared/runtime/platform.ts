/**
 * The platform every function receives through `deps`: config, logger, metrics, clock, the three
 * ports (documents, blobs, events) with adapters chosen by config, and the auth machinery.
 */
import { createPublicKey, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { MiddlewareHandler } from 'hono';
import { exportJWK } from 'jose';
import { LocalBlobStore } from '../adapters/blobs/local.js';
import { InProcessEventBus } from '../adapters/events/in-process.js';
import { ApiKeyStore } from '../auth/api-keys.js';
import { createTokenVerifier, jwksFor, type TokenVerifier } from '../auth/tokens.js';
import { createGuard } from '../http/auth.js';
import type { AppEnv } from '../http/context.js';
import { createMetrics, type Metrics } from '../http/metrics.js';
import { RateLimiter } from '../http/rate-limit.js';
import { createLogger, type Logger } from '../logging/logger.js';
import type { BlobStore } from '../ports/blobs.js';
import type { DocumentStore } from '../ports/documents.js';
import type { EventBus } from '../ports/events.js';
import type { PlatformConfig } from './config.js';
import { openDocuments } from './documents.js';
import { RequestGate } from './request-gate.js';

export interface Platform {
  config: Readonly<PlatformConfig>;
  logger: Logger;
  metrics: Metrics;
  clock: () => Date;
  documents: DocumentStore;
  blobs: BlobStore;
  events: EventBus;
  apiKeys: ApiKeyStore;
  verifier: TokenVerifier;
  limiter: RateLimiter;
  /** HTTP requests in flight; `close` stops admitting new ones and waits for these first. */
  requests: RequestGate;
  /** Local mode only: secrets generated once and kept in the data directory. */
  localSecrets: LocalSecrets | undefined;
  /** A route guard for a function; honours an explicit `VIGIL_AUTH_DISABLED` entry for it. */
  guardFor(functionName: string): (scopes: readonly string[]) => MiddlewareHandler<AppEnv>;
  /** Work to finish before the stores close (writes left behind the response path). */
  onClose(hook: () => Promise<void>): void;
  /**
   * Stops admitting requests and waits (up to `SHUTDOWN_DRAIN_MS`) for those in flight, runs the
   * `onClose` hooks, then closes the event bus and the document store.
   */
  close(): Promise<void>;
}

export interface LocalSecrets {
  jwtSecret: string;
  blobSigningKey: string;
}

export interface PlatformOverrides {
  logger?: Logger;
  metrics?: Metrics;
  clock?: () => Date;
  documents?: DocumentStore;
  blobs?: BlobStore;
  events?: EventBus;
}

/** How long shutdown waits for requests in flight: Cloud Run sends SIGKILL 10 s after SIGTERM. */
export const SHUTDOWN_DRAIN_MS = 8_000;

/** Builds the platform from parsed config and waits until its stores are ready to serve. */
export async function createPlatform(
  config: Readonly<PlatformConfig>,
  overrides: PlatformOverrides = {},
): Promise<Platform> {
  const { ready, ...platform } = await buildPlatform(config, overrides);
  await ready;
  return platform;
}

/**
 * Builds the platform without waiting for the embedded store to open or the bootstrap key to be
 * stored: start-up loads the function's models meanwhile, and stops the process if `ready` fails.
 * Overrides let tests inject in-memory adapters.
 */
export async function buildPlatform(
  config: Readonly<PlatformConfig>,
  overrides: PlatformOverrides = {},
): Promise<Platform & { ready: Promise<void> }> {
  const clock = overrides.clock ?? (() => new Date());
  const logger = overrides.logger ?? createLogger({ level: config.logLevel, projectId: config.projectId });
  const metrics = overrides.metrics ?? createMetrics();
  const dataDir = resolve(config.dataDir);
  const localSecrets = config.env === 'local' ? await loadLocalSecrets(dataDir) : undefined;

  const documents = overrides.documents ?? (await openDocuments(config, dataDir, clock));
  const blobs = overrides.blobs ?? (await openBlobs(config, dataDir, localSecrets, clock));
  const events = overrides.events ?? (await openEvents(config));

  const jwtSecret = config.jwt.secret ?? localSecrets?.jwtSecret;
  const ownJwks = config.jwt.privateKeyPem
    ? { keys: [await exportJWK(createPublicKey(config.jwt.privateKeyPem))] }
    : undefined;
  const jwks = jwksFor(config.jwt, ownJwks);
  const verifier = createTokenVerifier({
    algorithms: config.jwt.algorithms,
    issuer: config.jwt.issuer,
    audience: config.jwt.audience,
    now: clock,
    ...(jwtSecret ? { secret: jwtSecret } : {}),
    ...(jwks ? { jwks } : {}),
  });
  const apiKeys = new ApiKeyStore(documents, { cacheSeconds: config.apiKeyCacheSeconds, clock });
  // The embedded store may still be opening: its ping settles once it is open (or failed to open).
  const ready = Promise.all([
    documents.kind === 'embedded' ? documents.ping() : undefined,
    config.bootstrapApiKey ? apiKeys.ensureBootstrapKey(config.bootstrapApiKey) : undefined,
  ]).then(() => undefined);
  // Awaited by the caller; until then a failure must not count as an unhandled rejection.
  ready.catch(() => undefined);
  const limiter = new RateLimiter(() => clock().getTime());
  const closeHooks: (() => Promise<void>)[] = [];
  const requests = new RequestGate();

  return {
    ready,
    config,
    logger,
    metrics,
    clock,
    documents,
    blobs,
    events,
    apiKeys,
    verifier,
    limiter,
    requests,
    localSecrets,
    guardFor: (functionName) =>
      createGuard({
        verifier,
        apiKeys,
        limiter,
        defaultRateLimit: config.rateLimit,
        disabled: config.authDisabled.includes(functionName),
      }),
    onClose(hook) {
      closeHooks.push(hook);
    },
    async close() {
      if (!(await requests.drain(SHUTDOWN_DRAIN_MS)))
        logger.warn('requests still in flight at shutdown', { inFlight: requests.inFlight });
      const hooks = closeHooks.splice(0);
      for (const result of await Promise.allSettled(hooks.map((hook) => hook())))
        if (result.status === 'rejected') logger.error('close hook failed', {}, result.reason);
      await events.close();
      await documents.close();
    },
  };
}

async function openBlobs(
  config: PlatformConfig,
  dataDir: string,
  secrets: LocalSecrets | undefined,
  clock: () => Date,
): Promise<BlobStore> {
  if (config.blobs.kind === 'gcs') {
    const [{ Storage }, { GcsBlobStore }] = await Promise.all([
      import('@google-cloud/storage'),
      import('../adapters/blobs/gcs.js'),
    ]);
    return new GcsBlobStore({
      storage: new Storage({ projectId: config.projectId }),
      bucket: config.blobs.bucket,
    });
  }
  const root = join(dataDir, 'blobs');
  await mkdir(root, { recursive: true });
  return new LocalBlobStore({
    root,
    baseUrl: `${config.publicUrl}/_blobs`,
    signingKey: localBlobSigningKey(config, secrets),
    clock,
  });
}

/** The key local signed blob URLs are signed and checked with (config wins over the generated one). */
export function localBlobSigningKey(config: PlatformConfig, secrets: LocalSecrets | undefined): Uint8Array {
  const configured = config.blobs.kind === 'local' ? config.blobs.signingKey : undefined;
  return new TextEncoder().encode(configured ?? secrets?.blobSigningKey ?? randomBytes(32).toString('hex'));
}

async function openEvents(config: PlatformConfig): Promise<EventBus> {
  if (config.events.kind === 'in-process') return new InProcessEventBus({});
  const [{ PubSub }, { PubSubEventBus }] = await Promise.all([
    import('@google-cloud/pubsub'),
    import('../adapters/events/pubsub.js'),
  ]);
  return new PubSubEventBus({
    pubsub: new PubSub({ projectId: config.projectId }),
    createMissing: config.events.createMissing,
  });
}

/** Secrets for local mode, generated on first start and kept (mode 0600) so tokens survive restarts. */
async function loadLocalSecrets(dataDir: string): Promise<LocalSecrets> {
  const path = join(dataDir, 'secrets.json');
  try {
    return JSON.parse(await readFile(path, 'utf8')) as LocalSecrets;
  } catch {
    await mkdir(dataDir, { recursive: true });
    const secrets: LocalSecrets = {
      jwtSecret: randomBytes(32).toString('base64url'),
      blobSigningKey: randomBytes(32).toString('base64url'),
    };
    await writeFile(path, JSON.stringify(secrets), { mode: 0o600 });
    return secrets;
  }
}
