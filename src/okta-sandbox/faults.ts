/**
 * Injected outages: the next N matching /api/v1 requests answer 500 with Okta's E0000009 body,
 * the way a real Okta incident looks on the wire. Tests use it to prove retries and audit of
 * failed calls without replacing any client code.
 */
export interface FaultRule {
  /** Requests whose path starts with this (default: every /api/v1 request). */
  pathPrefix?: string;
  method?: string;
  remaining: number;
}

export class FaultQueue {
  private readonly rules: FaultRule[] = [];

  /** Fails the next `count` matching requests. */
  failNext(count: number, match: { pathPrefix?: string; method?: string } = {}): void {
    this.rules.push({ ...match, remaining: count });
  }

  /** Whether this request should fail now (consumes one from the first matching rule). */
  take(method: string, path: string): boolean {
    const rule = this.rules.find(
      (r) => r.remaining > 0 && (!r.method || r.method === method) && (!r.pathPrefix || path.startsWith(r.pathPrefix)),
    );
    if (!rule) return false;
    rule.remaining--;
    return true;
  }
}
