/** In-instance token-bucket rate limiting per API key or token subject, with IETF RateLimit headers. */

export interface RateLimitPolicy {
  /** Sustained requests per minute. */
  perMinute: number;
  /** Bucket capacity: requests allowed at once after a quiet period. */
  burst: number;
}

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the bucket is full again (RateLimit-Reset). */
  resetSeconds: number;
  /** Seconds until one request is allowed (Retry-After); 0 when allowed. */
  retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/**
 * Buckets live in this instance only: with N instances the effective limit is up to N× the policy.
 * That is the documented trade-off for serverless without a shared store on the hot path.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 100_000,
  ) {}

  take(key: string, policy: RateLimitPolicy): RateLimitDecision {
    const nowMs = this.now();
    const ratePerMs = policy.perMinute / 60_000;
    const bucket = this.buckets.get(key) ?? this.newBucket(key, policy, nowMs);
    // A clock stepping back (NTP, a test clock) refills nothing rather than draining the bucket.
    const elapsedMs = Math.max(0, nowMs - bucket.updatedMs);
    bucket.tokens = Math.min(policy.burst, bucket.tokens + elapsedMs * ratePerMs);
    bucket.updatedMs = nowMs;
    const allowed = bucket.tokens >= 1;
    if (allowed) bucket.tokens -= 1;
    return {
      allowed,
      limit: policy.burst,
      remaining: Math.floor(bucket.tokens),
      resetSeconds: Math.ceil((policy.burst - bucket.tokens) / ratePerMs / 1000),
      retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((1 - bucket.tokens) / ratePerMs / 1000)),
    };
  }

  private newBucket(key: string, policy: RateLimitPolicy, nowMs: number): Bucket {
    if (this.buckets.size >= this.maxKeys) this.evictFull(policy, nowMs);
    const bucket = { tokens: policy.burst, updatedMs: nowMs };
    this.buckets.set(key, bucket);
    return bucket;
  }

  /** Drops buckets that have refilled completely: forgetting them changes no decision. */
  private evictFull(policy: RateLimitPolicy, nowMs: number): void {
    const fullAfterMs = (policy.burst * 60_000) / policy.perMinute;
    for (const [k, b] of this.buckets) if (nowMs - b.updatedMs >= fullAfterMs) this.buckets.delete(k);
    if (this.buckets.size >= this.maxKeys) this.buckets.delete(this.buckets.keys().next().value as string);
  }
}

export function rateLimitHeaders(d: RateLimitDecision): Record<string, string> {
  const headers: Record<string, string> = {
    'RateLimit-Limit': String(d.limit),
    'RateLimit-Remaining': String(d.remaining),
    'RateLimit-Reset': String(d.resetSeconds),
  };
  if (!d.allowed) headers['Retry-After'] = String(d.retryAfterSeconds);
  return headers;
}
