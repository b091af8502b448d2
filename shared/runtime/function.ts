/** What a vigil function module provides, and the HTTP options every function takes from the platform. */
import type { HttpAppOptions } from '../http/app.js';
import type { Platform } from './platform.js';

export interface FetchApp {
  fetch(request: Request, env?: unknown): Response | Promise<Response>;
}

export interface VigilFunction {
  /** The deployed function's name and its path prefix in local mode (`/<name>/…`). */
  name: string;
  summary: string;
  /** True when the function serves a web page at its root (`/`), linked from the local front page. */
  page?: boolean;
  create(platform: Platform): Promise<FetchApp>;
}

/** The parts of the app factory options that come from platform config for a given function. */
export function platformHttpOptions(
  platform: Platform,
  name: string,
): Pick<
  HttpAppOptions,
  'name' | 'logger' | 'metrics' | 'bodyLimitBytes' | 'timeoutMs' | 'corsOrigins' | 'metricsGuard' | 'gate'
> {
  const { http } = platform.config;
  return {
    name,
    logger: platform.logger.child({ function: name }),
    metrics: platform.metrics,
    bodyLimitBytes: http.bodyLimitBytes,
    timeoutMs: http.timeoutMs,
    corsOrigins: http.corsOrigins,
    gate: platform.requests,
    ...(http.metricsPublic ? {} : { metricsGuard: platform.guardFor(name)(['metrics:read']) }),
  };
}

/** The readiness check every function with a documents store runs behind `/health/ready`. */
export function documentsReadiness(platform: Platform): () => Promise<{ ok: boolean; detail: string }> {
  return async () => {
    await platform.documents.ping();
    return { ok: true, detail: platform.documents.kind };
  };
}

/** The CloudEvent fields vigil's event functions read (the Functions Framework's `CloudEvent` fits). */
export interface VigilCloudEvent<T = unknown> {
  id: string;
  source: string;
  type: string;
  subject?: string | undefined;
  time?: string | undefined;
  data?: T | undefined;
}

/** Throw to have the event redelivered (worth retrying); return when it is done or to be skipped. */
export type CloudEventHandler = (event: VigilCloudEvent) => Promise<void>;

/** What triggers an event function in production (Terraform) and in local mode (the local runtime). */
export type EventTrigger = { kind: 'storage'; prefix: string } | { kind: 'pubsub'; topic: string };

/** A CloudEvent function: `functions.cloudEvent(name, …)` in production, wired to folders and the bus locally. */
export interface VigilEventFunction {
  name: string;
  summary: string;
  triggers: readonly EventTrigger[];
  create(platform: Platform): Promise<CloudEventHandler>;
}
