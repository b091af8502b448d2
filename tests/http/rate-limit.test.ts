import { describe, expect, it } from 'vitest';
import { RateLimiter, rateLimitHeaders } from '../../shared/http/rate-limit.js';

describe('RateLimiter (token bucket)', () => {
  const policy = { perMinute: 60, burst: 3 };

  it('allows a burst, then refuses with a Retry-After of the refill time', () => {
    let now = 0;
    const limiter = new RateLimiter(() => now);
    const decisions = [1, 2, 3, 4].map(() => limiter.take('k', policy));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false]);
    expect(decisions[2]!.remaining).toBe(0);
    expect(decisions[3]!.retryAfterSeconds).toBe(1);
    now += 1000; // one token per second at 60/min
    expect(limiter.take('k', policy).allowed).toBe(true);
    expect(limiter.take('k', policy).allowed).toBe(false);
  });

  it('keeps one bucket per key', () => {
    const limiter = new RateLimiter(() => 0);
    for (let i = 0; i < 3; i++) limiter.take('a', policy);
    expect(limiter.take('a', policy).allowed).toBe(false);
    expect(limiter.take('b', policy).allowed).toBe(true);
  });

  it('never refills above the burst', () => {
    let now = 0;
    const limiter = new RateLimiter(() => now);
    limiter.take('k', policy);
    now += 3_600_000;
    expect(limiter.take('k', policy).remaining).toBe(2);
  });

  it('bounds memory by evicting refilled buckets', () => {
    let now = 0;
    const limiter = new RateLimiter(() => now, 10);
    for (let i = 0; i < 10; i++) limiter.take(`k${i}`, policy);
    now += 10_000;
    limiter.take('new', policy);
    expect((limiter as unknown as { buckets: Map<string, unknown> }).buckets.size).toBeLessThanOrEqual(10);
  });

  it('keeps its tokens when the clock steps back', () => {
    let now = 1_000_000;
    const limiter = new RateLimiter(() => now);
    expect(limiter.take('k', policy).allowed).toBe(true);
    now -= 3_600_000;
    expect(limiter.take('k', policy).allowed).toBe(true);
    expect(limiter.take('k', policy).allowed).toBe(true);
    expect(limiter.take('k', policy).allowed).toBe(false);
  });

  it('renders IETF RateLimit headers, and Retry-After only when refused', () => {
    const limiter = new RateLimiter(() => 0);
    const ok = rateLimitHeaders(limiter.take('k', policy));
    expect(ok).toEqual({ 'RateLimit-Limit': '3', 'RateLimit-Remaining': '2', 'RateLimit-Reset': '1' });
    limiter.take('k', policy);
    limiter.take('k', policy);
    expect(rateLimitHeaders(limiter.take('k', policy))['Retry-After']).toBe('1');
  });
});
