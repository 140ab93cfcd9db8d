/**
 * What one Okta answer says about its bucket's budget: `X-Rate-Limit-Limit`, `-Remaining`,
 * `-Reset` (epoch seconds on Okta's clock) and `Date` (Okta's clock, whole seconds). Read once
 * per answer for both the instance's limiter and the shared budget.
 */
export interface RateLimitAnswer {
  limit: number | undefined;
  remaining: number | undefined;
  reset: number | undefined;
  /** `Date`, epoch ms; undefined when missing or unreadable. */
  date: number | undefined;
}

function intHeader(headers: Headers, name: string): number | undefined {
  const raw = headers.get(name);
  if (raw === null || raw.trim() === '') return undefined;
  const value = Number(raw);
  return Number.isFinite(value) ? value : undefined;
}

export function readRateLimit(headers: Headers): RateLimitAnswer {
  const date = Date.parse(headers.get('date') ?? '');
  return {
    limit: intHeader(headers, 'x-rate-limit-limit'),
    remaining: intHeader(headers, 'x-rate-limit-remaining'),
    reset: intHeader(headers, 'x-rate-limit-reset'),
    date: Number.isFinite(date) ? date : undefined,
  };
}
