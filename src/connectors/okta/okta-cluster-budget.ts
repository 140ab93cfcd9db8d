/**
 * Okta's rate budget belongs to the org, not to one resetdesk instance. With several instances
 * each one's limiter (okta-rate-limiter.ts) sees Okta's `X-Rate-Limit-Remaining`, but not the
 * calls the others have sent and Okta has not answered yet — so near a window's end they could
 * together send more than is left and draw a 429. This class makes every call take a grant of
 * its bucket's current window from a ledger all instances share (PostgreSQL:
 * db/repositories/okta-budget.repository.ts), so the grants of one window never add up to more
 * than its limit.
 *
 * - A window is named by Okta's `X-Rate-Limit-Reset` (epoch seconds, the same for every caller
 *   of a bucket), so instances agree on it without agreeing on clocks.
 * - Grants are taken several at a time (at most an eighth of what is left, so the last of a
 *   window is handed out one by one): a busy instance pays one ledger round trip per batch of
 *   calls, not per call. Grants left over when a window ends are lost.
 * - Okta's clock is known only to the second (the `Date` header), so each instance keeps bounds
 *   on it from recent answers: a grant is used only while the window has certainly not ended by
 *   the time the call arrives; once it has certainly ended, one call finds the next window out.
 * - That call, the probe, is announced to the ledger before it is sent and counted in whichever
 *   window comes next; while one instance probes, the others wait for it. Any other call that
 *   lands in a window it holds no grant of is reported afterwards with Okta's own count of the
 *   window, which the ledger takes as a floor: the ledger overcounts rather than undercounts.
 * - A window's end costs no stall while much of it was left: an instance sends a small share
 *   of that remainder without grants (FREE_SHARE), counted afterwards where they landed.
 * - When the ledger cannot be reached, calls go on under the local limiter alone (as with one
 *   instance) for a few seconds: a database hiccup must not also stop Okta lookups under way.
 */
import { randomUUID } from 'node:crypto';
import type { RateLimitAnswer } from './rate-limit-headers.js';

/** One ask of the shared ledger. */
export interface BudgetTake {
  bucket: string;
  /** Who asks: one id per running connector, so a probe that failed may be retried by its owner. */
  instance: string;
  /** The window the caller knows (Okta's X-Rate-Limit-Reset, epoch seconds), or null. */
  window: number | null;
  limit: number | null;
  /** Okta's count of `window` per the caller's latest answer in it (limit − remaining). */
  counted: number;
  /** Calls the caller sent that landed in `window` without a grant of it, not yet reported. */
  ungranted: number;
  /** How many calls the caller would like to send. */
  want: number;
  /**
   * When a call sent now would reach Okta at the latest, on Okta's clock (epoch ms): only a
   * window ending later is granted from; an earlier one is over, and the caller may probe.
   */
  arrival: number;
}

/**
 * The ledger's answer: the newest window any instance reported and how many calls of it are
 * granted; when none is current, whether the caller may probe (announced: it is counted in the
 * next window) or should wait for another instance's probe.
 */
export interface BudgetGrant {
  window: number | null;
  limit: number | null;
  granted: number;
  probe: 'go' | 'wait' | null;
}

/** The shared ledger: every instance calling the same org takes grants from it. */
export interface SharedBudgetLedger {
  take(ask: BudgetTake): Promise<BudgetGrant>;
}

/** The most a ledger hands out at once: an eighth of what is left of the window, at least one. */
export function grantSize(want: number, left: number): number {
  if (left <= 0 || want <= 0) return 0;
  return Math.min(want, Math.max(1, Math.ceil(left / 8)));
}

/** How long other instances wait for a probe before sending their own. */
export const PROBE_TIMEOUT_MS = 5_000;
/** What an instance asks for at least, so that light traffic does not take a round trip per call. */
const PREFETCH = 16;
/** How long calls go on under the local limiter alone after the ledger failed. */
const LEDGER_RETRY_MS = 5_000;
/** How often a caller asks again while another instance probes. */
const PROBE_POLL_MS = 50;
/**
 * At a window's end, when no instance knows the next window yet, an instance may send up to
 * 1/32 of what was left of the old one without a grant rather than stall until the next is found
 * (about a second on each window's end otherwise). With little left, calls wait as before.
 */
const FREE_SHARE = 32;
/** Answers whose timing bounds Okta's clock: the most recent ones. */
const CLOCK_SAMPLES = 32;

interface GrantState {
  /** The newest window known (epoch seconds on Okta's clock). */
  window: number | undefined;
  limit: number | undefined;
  /** Grants of `window` not yet used. */
  grants: number;
  /** Okta's count of `window` per our latest answer in it. */
  counted: number;
  /** Calls that landed in `window` without a grant of it, not yet reported. */
  ungranted: number;
  /** The window the ledger said is spent: callers wait for its end without asking again. */
  spent: number | undefined;
  /** Callers in `acquire`: how many grants to ask for. */
  demand: number;
  waiting: number;
  taking: Promise<unknown> | null;
  /** The call finding out the current window; `owner` is the ledger's answer that sent it. */
  probe: { done: Promise<void>; end: () => void; owner: BudgetGrant } | null;
  /** Okta's last answer on the bucket had no rate-limit headers: it is not limited, nothing to share. */
  unlimited: boolean;
  /** Calls sent without a grant since `window` stopped being current (see FREE_SHARE). */
  freeUsed: number;
}

export interface ClusterBudgetDeps {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  onWait?: (bucket: string, waitMs: number) => void;
  /** The ledger failed; the call goes on under the local limiter. */
  onLedgerError?: (bucket: string, err: unknown) => void;
}

/** What `acquire` hands the call, to give back to `complete`. */
export interface BudgetTicket {
  /** The window the call was granted in; undefined for an announced probe or without the ledger. */
  window: number | undefined;
  probe: boolean;
  sentAt: number;
}

/** Whether `grant` is the ledger's answer that made this instance probe (take() set it up). */
function sentBy(s: GrantState, grant: BudgetGrant): boolean {
  return s.probe?.owner === grant;
}

/**
 * Bounds on Okta's clock minus ours. An answer's `Date` (whole seconds) was stamped between our
 * send and receive, so the offset lies in (Date − received, Date + 1 s − sent); the tightest of
 * the recent answers' bounds are kept, with the longest recent round trip.
 */
class OktaClock {
  private readonly lows: number[] = [];
  private readonly highs: number[] = [];
  private readonly trips: number[] = [];
  low = -1_000;
  high = 1_000;
  trip = 250;

  learn(date: number, sentAt: number, receivedAt: number): void {
    push(this.lows, date - receivedAt);
    push(this.highs, date + 1_000 - sentAt);
    push(this.trips, receivedAt - sentAt);
    this.low = Math.max(...this.lows);
    this.high = Math.min(...this.highs);
    this.trip = Math.max(...this.trips);
    if (this.low > this.high) {
      // Our clock jumped: start over from this answer alone.
      this.lows.splice(0, this.lows.length - 1);
      this.highs.splice(0, this.highs.length - 1);
      this.low = date - receivedAt;
      this.high = date + 1_000 - sentAt;
    }
  }
}

function push(samples: number[], value: number): void {
  samples.push(value);
  if (samples.length > CLOCK_SAMPLES) samples.shift();
}

export class ClusterBudget {
  private readonly buckets = new Map<string, GrantState>();
  private readonly clock = new OktaClock();
  private readonly instance = randomUUID();
  /** After a ledger error, calls skip it until then (our clock) rather than each wait on a dead database. */
  private ledgerDownUntil = 0;

  constructor(
    private readonly ledger: SharedBudgetLedger,
    private readonly deps: ClusterBudgetDeps,
  ) {}

  private state(bucket: string): GrantState {
    let s = this.buckets.get(bucket);
    if (!s) {
      s = {
        window: undefined,
        limit: undefined,
        grants: 0,
        counted: 0,
        ungranted: 0,
        spent: undefined,
        demand: 0,
        waiting: 0,
        taking: null,
        probe: null,
        unlimited: false,
        freeUsed: 0,
      };
      this.buckets.set(bucket, s);
    }
    return s;
  }

  /** Whether calls on `bucket` are waiting for a window or for the probe that finds it out. */
  busy(bucket: string): boolean {
    const s = this.buckets.get(bucket);
    return s !== undefined && (s.waiting > 0 || s.probe !== null);
  }

  /** Waits for a grant of `bucket`'s current window, or for its turn to probe for one. */
  async acquire(bucket: string): Promise<BudgetTicket> {
    const s = this.state(bucket);
    const ticket = (window: number | undefined, probe = false): BudgetTicket => ({ window, probe, sentAt: this.deps.now() });
    if (s.unlimited || this.deps.now() < this.ledgerDownUntil) return ticket(undefined);
    s.demand += 1;
    try {
      for (;;) {
        const now = this.deps.now();
        // When a call sent now reaches Okta, at the latest; and Okta's time now, at the earliest.
        const arrival = now + this.clock.high + this.clock.trip;
        const earliest = now + this.clock.low;
        const current = s.window !== undefined && s.window * 1000 > arrival;
        if (current && s.grants > 0) {
          s.grants -= 1;
          return ticket(s.window);
        }
        if (s.probe) {
          await s.probe.done;
          continue;
        }
        if (s.taking) {
          await s.taking;
          continue;
        }
        if (!current && s.window !== undefined && s.spent !== s.window && s.freeUsed < this.freeAllowance(s)) {
          // Across a window's end with plenty left: no stall, the call is counted where it lands.
          s.freeUsed += 1;
          return ticket(undefined);
        }
        if (s.window !== undefined && (s.spent === s.window || !current) && s.window * 1000 > earliest) {
          // Spent, or too close to its end to use: wait until it has certainly ended.
          await this.pause(bucket, s, s.window * 1000 - earliest + 50 + Math.floor(this.deps.random() * 200));
          continue;
        }
        let grant: BudgetGrant;
        try {
          grant = await this.take(bucket, s, arrival, earliest);
        } catch (err) {
          this.ledgerDownUntil = this.deps.now() + LEDGER_RETRY_MS;
          this.deps.onLedgerError?.(bucket, err);
          return ticket(undefined);
        }
        if (grant.probe === 'go' && sentBy(s, grant)) return ticket(undefined, true);
        if (grant.probe === 'go') continue;
        // Another instance is probing (or the ledger is behind what we know): ask again shortly.
        if (grant.probe === 'wait' || grant.window !== s.window) await this.pause(bucket, s, PROBE_POLL_MS);
        else if (grant.granted === 0) s.spent = grant.window;
      }
    } finally {
      s.demand -= 1;
    }
  }

  /**
   * Asks the ledger and applies its answer before anyone else on the bucket goes on: the grants,
   * a newer window, and — when the answer is to probe and our window has certainly ended — the
   * probe, owned by the returned grant.
   */
  private async take(bucket: string, s: GrantState, arrival: number, earliest: number): Promise<BudgetGrant> {
    const asked = s.window;
    const reported = s.ungranted;
    let release = () => {};
    s.taking = new Promise<void>((resolve) => {
      release = resolve;
    });
    try {
      const grant = await this.ledger.take({
        bucket,
        instance: this.instance,
        window: asked ?? null,
        limit: s.limit ?? null,
        counted: s.counted,
        ungranted: reported,
        want: Math.max(s.demand, PREFETCH),
        arrival,
      });
      if (grant.limit !== null) s.limit ??= grant.limit;
      if (grant.window !== null) {
        if (s.window === undefined || grant.window > s.window) {
          // A window someone else found: what we held or owed belongs to one that is over.
          this.enterWindow(s, grant.window, 0);
        } else if (grant.window === asked) {
          s.ungranted -= reported;
        }
        if (grant.window === s.window) s.grants += grant.granted;
      }
      // A probe belongs to the next window: with one that may not have ended yet, wait first.
      if (grant.probe === 'go' && !(s.window !== undefined && s.window * 1000 > earliest)) {
        let end = () => {};
        const done = new Promise<void>((resolve) => {
          end = resolve;
        });
        s.probe = { done, end, owner: grant };
      }
      return grant;
    } finally {
      s.taking = null;
      release();
    }
  }

  /**
   * How many calls may cross the end of `s.window` without a grant: a share of what Okta said
   * was left of it (FREE_SHARE). They land either in that window, which had far more left, or
   * in the next, which starts full; either way they are counted there, as calls without a
   * grant. Every instance may do so at once: FREE_SHARE keeps even 16 of them under half.
   */
  private freeAllowance(s: GrantState): number {
    if (s.limit === undefined) return 0;
    return Math.floor((s.limit - s.counted) / FREE_SHARE);
  }

  private enterWindow(s: GrantState, window: number, counted: number): void {
    s.freeUsed = 0;
    s.window = window;
    s.grants = 0;
    s.counted = counted;
    s.ungranted = 0;
  }

  private async pause(bucket: string, s: GrantState, waitMs: number): Promise<void> {
    if (waitMs > PROBE_POLL_MS) this.deps.onWait?.(bucket, waitMs);
    s.waiting += 1;
    try {
      await this.deps.sleep(waitMs);
    } finally {
      s.waiting -= 1;
    }
  }

  /** Learns from an answer's rate-limit headers (none after a network error). */
  complete(bucket: string, answer: RateLimitAnswer | undefined, ticket: BudgetTicket): void {
    const s = this.state(bucket);
    const probe = ticket.probe ? s.probe : null;
    if (ticket.probe) s.probe = null;
    try {
      if (!answer) return;
      if (answer.date !== undefined) this.clock.learn(answer.date, ticket.sentAt, this.deps.now());
      const { limit, remaining, reset: window } = answer;
      if (limit !== undefined) s.limit = limit;
      s.unlimited = window === undefined || remaining === undefined || limit === undefined;
      if (s.unlimited || window === undefined || remaining === undefined || limit === undefined) return;
      const counted = limit - remaining;
      if (s.window === undefined || window > s.window) this.enterWindow(s, window, counted);
      if (window !== s.window) return; // an answer from a window already over
      s.counted = Math.max(s.counted, counted);
      // A probe was announced, and is counted in the window it found; any other call that
      // landed outside the window it was granted in is owed to this one.
      if (!ticket.probe && ticket.window !== window) s.ungranted += 1;
    } finally {
      probe?.end();
    }
  }
}
