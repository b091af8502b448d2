/** Request identity: a request id and, when the caller sent one, the Cloud Trace id. */

export interface RequestTrace {
  requestId: string;
  traceId: string | undefined;
}

const SAFE_ID = /^[A-Za-z0-9_.=-]{8,128}$/;
const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;
const CLOUD_TRACE = /^([0-9a-fA-F]{32})(?:\/\d+)?(?:;o=[01])?$/;

/** `X-Request-Id` wins if well-formed; else the trace id from `traceparent` or `X-Cloud-Trace-Context`. */
export function traceFromHeaders(
  get: (name: string) => string | undefined,
  newId: () => string,
): RequestTrace {
  const traceparent = get('traceparent')?.trim().match(TRACEPARENT)?.[1];
  const cloudTrace = get('x-cloud-trace-context')?.trim().match(CLOUD_TRACE)?.[1]?.toLowerCase();
  const traceId = traceparent && !/^0+$/.test(traceparent) ? traceparent : cloudTrace;
  const given = get('x-request-id')?.trim();
  const requestId = given && SAFE_ID.test(given) ? given : (traceId ?? newId());
  return { requestId, traceId };
}
