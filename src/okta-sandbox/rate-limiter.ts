/**
 * Okta-style rate limits: each bucket (method + path template, e.g. `GET /api/v1/users/{id}`)
 * has a budget per fixed window. Windows are aligned to the clock, so `X-Rate-Limit-Reset` is
 * the same whole second for every caller of a bucket, as Okta reports it.
 */

export interface RateLimitConfig {
  limit: number;
  windowSeconds: number;
}

/** What one request did to its bucket, ready to become the X-Rate-Limit-* headers. */
export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** UNIX epoch seconds when the bucket's window ends. */
  reset: number;
}

/** Fixed-window counters per bucket; `now` is injectable so tests can move time. */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; used: number }>();

  constructor(
    private readonly config: RateLimitConfig,
    private readonly now: () => number = Date.now,
  ) {}

  /** Spends one call from the bucket's budget, or reports that the budget is spent. */
  consume(bucket: string): RateLimitDecision {
    const windowMs = this.config.windowSeconds * 1000;
    const start = Math.floor(this.now() / windowMs) * windowMs;
    let window = this.windows.get(bucket);
    if (!window || window.start !== start) {
      window = { start, used: 0 };
      this.windows.set(bucket, window);
    }
    const allowed = window.used < this.config.limit;
    if (allowed) window.used++;
    return {
      allowed,
      limit: this.config.limit,
      remaining: this.config.limit - window.used,
      reset: Math.ceil((start + windowMs) / 1000),
    };
  }

  /** Forgets all counters (a fresh window for every bucket). */
  reset(): void {
    this.windows.clear();
  }
}

/** The three headers Okta sends on every Management API response. */
export function rateLimitHeaders(d: RateLimitDecision): Record<string, string> {
  return {
    'x-rate-limit-limit': String(d.limit),
    'x-rate-limit-remaining': String(d.remaining),
    'x-rate-limit-reset': String(d.reset),
  };
}
