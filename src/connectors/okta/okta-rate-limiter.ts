/**
 * Okta's rate limits, tracked per bucket (method + path template, e.g.
 * `GET /api/v1/users/{id}/factors`). Each answer's `X-Rate-Limit-Remaining` / `-Reset` updates
 * the bucket; a request is only sent while the bucket has budget left after the requests
 * already in flight, otherwise it waits for the window to reset. Until a bucket's first answer
 * its budget is unknown: one request goes alone and the rest wait for its headers, so a burst
 * at start-up (many triages at once) cannot overshoot the budget and draw a 429 of our own
 * making — requests queue on Okta's budget instead.
 *
 * With a shared ledger (several instances on one database), each call also takes a grant of
 * the bucket's window from it first: okta-cluster-budget.ts.
 */
import { type BudgetTicket, ClusterBudget, type SharedBudgetLedger } from './okta-cluster-budget.js';
import { type RateLimitAnswer, readRateLimit } from './rate-limit-headers.js';

interface BucketState {
  /** Budget left in the current window per Okta's last answer; undefined until known. */
  remaining: number | undefined;
  /** When the window resets, on our clock (corrected for the server's Date header). */
  resetAtMs: number;
  limit: number | undefined;
  /** Sent but not yet answered: Okta has not counted them in `remaining` yet. */
  inFlight: number;
  /** Whether any request on the bucket was answered yet (with rate-limit headers or without). */
  answered: boolean;
  /** While the first request is out: resolves when it is answered (or fails). */
  probe: { done: Promise<void>; end: () => void } | null;
  /** Requests sleeping until the window resets because the budget is spent. */
  waiting: number;
}

/** A bucket's budget as Okta last reported it (read-only, for the admin status page). */
export interface OktaRateBudget {
  bucket: string;
  limit: number | null;
  remaining: number | null;
  /** ISO time the window resets; null until Okta said. */
  resetAt: string | null;
}

export interface RateLimiterDeps {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  onWait?: (bucket: string, waitMs: number) => void;
  /** The budget ledger every instance shares; unset with one instance. */
  ledger?: SharedBudgetLedger | undefined;
  onLedgerError?: (bucket: string, err: unknown) => void;
}

/** Added to every reset-based wait: Okta's reset is second-granular and clocks drift. */
function resetJitterMs(random: () => number): number {
  return 100 + Math.floor(random() * 250);
}

/** Longest single wait for a window; Okta windows are one minute, so more means bad headers. */
const MAX_WINDOW_WAIT_MS = 60_000;

export class OktaRateLimiter {
  private readonly buckets = new Map<string, BucketState>();
  private readonly cluster: ClusterBudget | undefined;

  constructor(private readonly deps: RateLimiterDeps) {
    this.cluster = deps.ledger ? new ClusterBudget(deps.ledger, deps) : undefined;
  }

  /** What each bucket's last answer said, by bucket name. */
  budgets(): OktaRateBudget[] {
    return [...this.buckets]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([bucket, s]) => ({
        bucket,
        limit: s.limit ?? null,
        remaining: s.remaining ?? null,
        resetAt: s.resetAtMs > 0 ? new Date(s.resetAtMs).toISOString() : null,
      }));
  }

  /**
   * The budget left in the current window on the buckets `select` picks: the smallest
   * `X-Rate-Limit-Remaining` among them (a window that has ended counts as refilled to its
   * limit). 0 while a request on one of them waits for its window or probes an unknown budget;
   * 1 before any of them was answered (one caller finds the budget out); Infinity when Okta
   * reports no limit on them. The worker sizes the triage lane with it (app.ts), so requests
   * wait in the job queue — in fair order — rather than in here.
   */
  headroom(select: (bucket: string) => boolean): number {
    const now = this.deps.now();
    let least = Number.POSITIVE_INFINITY;
    let answered = false;
    for (const [bucket, s] of this.buckets) {
      if (!select(bucket)) continue;
      if (s.waiting > 0 || s.probe || this.cluster?.busy(bucket)) return 0;
      answered ||= s.answered;
      const left = s.resetAtMs > now ? s.remaining : s.limit;
      if (left !== undefined) least = Math.min(least, left);
    }
    return answered ? Math.max(0, least) : 1;
  }

  private state(bucket: string): BucketState {
    let state = this.buckets.get(bucket);
    if (!state) {
      state = { remaining: undefined, resetAtMs: 0, limit: undefined, inFlight: 0, answered: false, probe: null, waiting: 0 };
      this.buckets.set(bucket, state);
    }
    return state;
  }

  /**
   * Epoch-seconds reset → our clock. Okta's own `Date` header is used as "now on the server",
   * so a skewed local clock neither sends early nor waits for nothing.
   */
  private resetAtFrom(answer: RateLimitAnswer): number | undefined {
    if (answer.reset === undefined) return undefined;
    const now = this.deps.now();
    return answer.date !== undefined ? now + (answer.reset * 1000 - answer.date) : answer.reset * 1000;
  }

  /**
   * Waits until `bucket` has budget, then reserves one request of it. Pair with `complete`,
   * passing back what this returns (the call's grant of the shared budget, if there is a ledger).
   */
  async acquire(bucket: string): Promise<BudgetTicket | undefined> {
    const ticket = await this.cluster?.acquire(bucket);
    await this.reserve(bucket);
    return ticket;
  }

  private async reserve(bucket: string): Promise<void> {
    const state = this.state(bucket);
    for (;;) {
      // Budget unknown: the first request probes it alone; the others wait for its answer.
      if (!state.answered && state.remaining === undefined && state.probe) {
        await state.probe.done;
        continue;
      }
      const now = this.deps.now();
      const budget = state.remaining === undefined ? Infinity : state.remaining - state.inFlight;
      if (budget > 0 || state.resetAtMs <= now) break;
      const resetAt = state.resetAtMs;
      const waitMs = Math.min(resetAt - now, MAX_WINDOW_WAIT_MS) + resetJitterMs(this.deps.random);
      this.deps.onWait?.(bucket, waitMs);
      state.waiting += 1;
      try {
        await this.deps.sleep(waitMs);
      } finally {
        state.waiting -= 1;
      }
      // We slept until the reset we knew of: that window is over even if the clock we were
      // given did not move (and other waiters re-check against the fresh state).
      if (state.resetAtMs === resetAt) {
        state.resetAtMs = 0;
        state.remaining = state.limit;
      }
    }
    state.inFlight += 1;
    if (!state.answered && state.remaining === undefined && !state.probe) {
      let end = () => {};
      const done = new Promise<void>((resolve) => {
        end = resolve;
      });
      state.probe = { done, end };
    }
  }

  /** Releases the reservation and learns from the answer's headers (none after a network error). */
  complete(bucket: string, headers: Headers | undefined, ticket?: BudgetTicket): void {
    const answer = headers && readRateLimit(headers);
    if (ticket) this.cluster?.complete(bucket, answer, ticket);
    const state = this.state(bucket);
    state.inFlight = Math.max(0, state.inFlight - 1);
    // The probe is over either way: answered, the budget is known (or Okta sends no headers on
    // this bucket and it is not limited); failed, the next waiter probes again.
    const probe = state.probe;
    state.probe = null;
    if (answer) state.answered = true;
    probe?.end();
    if (!answer) return;
    const resetAt = this.resetAtFrom(answer);
    if (answer.limit !== undefined) state.limit = answer.limit;
    if (answer.remaining !== undefined && resetAt !== undefined) {
      state.remaining = answer.remaining;
      state.resetAtMs = resetAt;
    }
  }

  /**
   * After a 429: marks the bucket spent until its reset so the retry's `acquire` waits for it
   * (one waiting mechanism for everyone on the bucket). False when Okta sent no usable reset.
   */
  markSpent(bucket: string, headers: Headers): boolean {
    const resetAt = this.resetAtFrom(readRateLimit(headers));
    if (resetAt === undefined || resetAt <= this.deps.now()) return false;
    const state = this.state(bucket);
    state.remaining = 0;
    state.resetAtMs = resetAt;
    return true;
  }
}
