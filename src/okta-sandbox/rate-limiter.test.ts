import { describe, expect, it } from 'vitest';
import { RateLimiter, rateLimitHeaders } from './rate-limiter.js';

describe('RateLimiter', () => {
  it('counts per bucket within a clock-aligned window', () => {
    let now = 1_700_000_010_500;
    const limiter = new RateLimiter({ limit: 2, windowSeconds: 60 }, () => now);
    const a1 = limiter.consume('GET /api/v1/users');
    expect(a1).toEqual({ allowed: true, limit: 2, remaining: 1, reset: 1_700_000_040 });
    expect(limiter.consume('GET /api/v1/users').remaining).toBe(0);
    expect(limiter.consume('GET /api/v1/users')).toMatchObject({ allowed: false, remaining: 0 });
    expect(limiter.consume('GET /api/v1/users/{id}')).toMatchObject({ allowed: true, remaining: 1 });
    now = 1_700_000_040_000;
    expect(limiter.consume('GET /api/v1/users')).toEqual({ allowed: true, limit: 2, remaining: 1, reset: 1_700_000_100 });
  });

  it('renders Okta header names', () => {
    expect(rateLimitHeaders({ allowed: true, limit: 600, remaining: 5, reset: 42 })).toEqual({
      'x-rate-limit-limit': '600',
      'x-rate-limit-remaining': '5',
      'x-rate-limit-reset': '42',
    });
  });
});
