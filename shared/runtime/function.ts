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
  create(platform: Platform): Promise<FetchApp>;
}

/** The parts of the app factory options that come from platform config for a given function. */
export function platformHttpOptions(
  platform: Platform,
  name: string,
): Pick<
  HttpAppOptions,
  'name' | 'logger' | 'metrics' | 'bodyLimitBytes' | 'timeoutMs' | 'corsOrigins' | 'metricsGuard'
> {
  const { http } = platform.config;
  return {
    name,
    logger: platform.logger.child({ function: name }),
    metrics: platform.metrics,
    bodyLimitBytes: http.bodyLimitBytes,
    timeoutMs: http.timeoutMs,
    corsOrigins: http.corsOrigins,
    ...(http.metricsPublic ? {} : { metricsGuard: platform.guardFor(name)(['metrics:read']) }),
  };
}
