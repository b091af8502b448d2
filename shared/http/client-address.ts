/** The caller's address for per-client limits, as Google's front end reports it. */

/**
 * Google's front end appends the address it saw to `X-Forwarded-For`, so the last entry is the one
 * the client cannot forge; earlier entries are whatever the client sent. Without the header the
 * request came straight in (local mode), and all such callers share one bucket.
 */
export function clientAddress(forwardedFor: string | undefined): string {
  const last = forwardedFor?.split(',').at(-1)?.trim();
  return last || 'direct';
}
