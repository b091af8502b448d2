/** The one error envelope: `{ "error": { "code", "message", "requestId" } }` and the errors that produce it. */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export type ErrorCode =
  | 'invalid_argument'
  | 'unauthenticated'
  | 'permission_denied'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'timeout'
  | 'unavailable'
  | 'internal';

export interface ErrorDetail {
  path: string;
  message: string;
}

export interface ErrorEnvelope {
  error: { code: ErrorCode; message: string; requestId: string; details?: ErrorDetail[] };
}

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'invalid_argument',
  401: 'unauthenticated',
  403: 'permission_denied',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  503: 'unavailable',
  504: 'timeout',
};

export function codeForStatus(status: number): ErrorCode {
  return CODE_BY_STATUS[status] ?? (status >= 500 ? 'internal' : 'invalid_argument');
}

/** An error meant for the client: its message is safe to show and never contains request content. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: ContentfulStatusCode,
    message: string,
    readonly options: { code?: ErrorCode; headers?: Record<string, string>; details?: ErrorDetail[] } = {},
  ) {
    super(message);
  }
  get code(): ErrorCode {
    return this.options.code ?? codeForStatus(this.status);
  }
}

export function errorBody(
  code: ErrorCode,
  message: string,
  requestId: string,
  details?: ErrorDetail[],
): ErrorEnvelope {
  return { error: { code, message, requestId, ...(details?.length ? { details } : {}) } };
}

/** Renders any thrown value as the envelope; unknown errors become a generic 500 (details go to the log). */
export function toErrorResponse(c: Context, err: unknown): Response {
  const requestId = (c.get('requestId') as string | undefined) ?? 'unknown';
  if (err instanceof ApiError) {
    const res = c.json(errorBody(err.code, err.message, requestId, err.options.details), err.status);
    for (const [k, v] of Object.entries(err.options.headers ?? {})) res.headers.set(k, v);
    return res;
  }
  if (err instanceof HTTPException) {
    const status = err.status as ContentfulStatusCode;
    const res = c.json(errorBody(codeForStatus(status), safeHttpMessage(err), requestId), status);
    // Keep protocol headers such as WWW-Authenticate set by the thrower.
    err.res?.headers.forEach((v, k) => {
      if (k.toLowerCase() !== 'content-type' && k.toLowerCase() !== 'content-length') res.headers.set(k, v);
    });
    return res;
  }
  return c.json(errorBody('internal', 'Internal error', requestId), 500);
}

function safeHttpMessage(err: HTTPException): string {
  if (err.message) return err.message;
  if (err.status === 413) return 'Request body too large';
  return codeForStatus(err.status).replaceAll('_', ' ');
}
