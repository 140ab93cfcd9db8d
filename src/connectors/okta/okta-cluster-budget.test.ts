import { describe, expect, it } from 'vitest';
import { type BudgetGrant, type BudgetTake, ClusterBudget, grantSize } from './okta-cluster-budget.js';
import { readRateLimit } from './rate-limit-headers.js';

/**
 * The instance's side of the shared budget. The ledger here answers from a script, to see what
 * the instance asks and does with each answer; the real ledger (PostgreSQL) is exercised with
 * the real sandbox in test/okta-shared-budget.test.ts.
 */
const FAR = 4_000_000_000;
const tick = () => new Promise((r) => setImmediate(r));
const answer = (window: number, limit = 100, counted = 0) =>
  readRateLimit(
    new Headers({
      'x-rate-limit-limit': String(limit),
      'x-rate-limit-remaining': String(limit - counted),
      'x-rate-limit-reset': String(window),
      date: new Date().toUTCString(),
    }),
  );

function scriptedLedger(answers: (ask: BudgetTake) => BudgetGrant | Error) {
  const asks: BudgetTake[] = [];
  return {
    asks,
    take: async (ask: BudgetTake) => {
      asks.push(ask);
      const a = answers(ask);
      if (a instanceof Error) throw a;
      return a;
    },
  };
}
const deps = { now: () => Date.now(), sleep: () => new Promise<void>(() => {}), random: () => 0 };

describe('the shared Okta budget, instance side', () => {
  it('grants an eighth of what is left, one by one at the end', () => {
    expect(grantSize(50, 99)).toBe(13);
    expect(grantSize(5, 99)).toBe(5);
    expect(grantSize(50, 3)).toBe(1);
    expect(grantSize(50, 0)).toBe(0);
  });

  it('sends one probe while no window is known, then uses grants taken in a batch', async () => {
    const ledger = scriptedLedger((ask) =>
      ask.window === null ? { window: null, limit: null, granted: 0, probe: 'go' } : { window: FAR, limit: 100, granted: 16, probe: null },
    );
    const budget = new ClusterBudget(ledger, deps);
    const sent: number[] = [];
    const tickets = [0, 1, 2, 3].map(async (i) => {
      const t = await budget.acquire('b');
      sent.push(i);
      return t;
    });
    await tick();
    expect(sent).toEqual([0]);
    const probe = await tickets[0]!;
    expect(probe).toMatchObject({ probe: true, window: undefined });
    budget.complete('b', answer(FAR, 100, 1), probe);
    const rest = await Promise.all(tickets.slice(1));
    expect(rest.map((t) => t.window)).toEqual([FAR, FAR, FAR]);
    // One ask to probe, one for a batch of (at least) sixteen: not one per call.
    expect(ledger.asks).toHaveLength(2);
    expect(ledger.asks[1]).toMatchObject({ window: FAR, limit: 100, counted: 1, ungranted: 0 });
    expect(ledger.asks[1]!.want).toBeGreaterThanOrEqual(16);
  });

  it('reports a call that landed in a window it had no grant of', async () => {
    const ledger = scriptedLedger((ask) => ({ window: ask.window ?? FAR, limit: 100, granted: 1, probe: null }));
    const budget = new ClusterBudget(ledger, deps);
    const first = await budget.acquire('b');
    expect(first.window).toBe(FAR);
    // Its answer says a newer window: the call counted there without a grant of it.
    budget.complete('b', answer(FAR + 60, 100, 7), first);
    const next = budget.acquire('b');
    await tick();
    expect(ledger.asks.at(-1)).toMatchObject({ window: FAR + 60, counted: 7, ungranted: 1 });
    void next;
  });

  it('waits while another instance probes, and while the window is spent', async () => {
    const waits: number[] = [];
    const ledger = scriptedLedger(() => ({ window: null, limit: null, granted: 0, probe: 'wait' }));
    const budget = new ClusterBudget(ledger, { ...deps, onWait: (_b, ms) => waits.push(ms) });
    void budget.acquire('b');
    await tick();
    expect(budget.busy('b')).toBe(true);

    const spent = scriptedLedger(() => ({ window: FAR, limit: 100, granted: 0, probe: null }));
    const other = new ClusterBudget(spent, { ...deps, onWait: (_b, ms) => waits.push(ms) });
    void other.acquire('b');
    await tick();
    await tick();
    expect(other.busy('b')).toBe(true);
    // Spent until the window's end, far away: one ask, then a wait.
    expect(spent.asks).toHaveLength(1);
    expect(waits.at(-1)).toBeGreaterThan(1_000_000);
  });

  it('goes on alone for a while when the ledger fails, and skips buckets Okta does not limit', async () => {
    const errors: string[] = [];
    const ledger = scriptedLedger(() => new Error('database down'));
    const budget = new ClusterBudget(ledger, { ...deps, onLedgerError: (_b, err) => errors.push((err as Error).message) });
    expect((await budget.acquire('b')).window).toBeUndefined();
    expect((await budget.acquire('b')).window).toBeUndefined();
    expect(ledger.asks).toHaveLength(1);
    expect(errors).toEqual(['database down']);

    const open = scriptedLedger(() => ({ window: null, limit: null, granted: 0, probe: 'go' }));
    const unlimited = new ClusterBudget(open, deps);
    const probe = await unlimited.acquire('u');
    unlimited.complete('u', readRateLimit(new Headers({ date: new Date().toUTCString() })), probe);
    await Promise.all([unlimited.acquire('u'), unlimited.acquire('u'), unlimited.acquire('u')]);
    expect(open.asks).toHaveLength(1);
  });

  it("crosses a window's end without a stall while much of it was left, and waits when little was", async () => {
    for (const [counted, free] of [
      [100, true],
      [3190, false],
    ] as const) {
      let now = Date.now();
      const window = Math.ceil(now / 1000) + 60;
      // As the real ledger: a window that has ended on the asker's clock is not granted from.
      const ledger = scriptedLedger((ask) =>
        window * 1000 > ask.arrival ? { window, limit: 3200, granted: 1, probe: null } : { window, limit: 3200, granted: 0, probe: 'wait' },
      );
      const budget = new ClusterBudget(ledger, { ...deps, now: () => now });
      const first = await budget.acquire('b');
      budget.complete('b', answer(window, 3200, counted), first);
      now += 120_000; // the window is over; nobody knows the next one yet
      let got: { window: number | undefined } | undefined;
      void budget.acquire('b').then((t) => {
        got = t;
      });
      await tick();
      await tick();
      if (free) {
        // 3,100 left: a share of it goes on at once, to be counted where it lands.
        expect(got).toEqual(expect.objectContaining({ window: undefined, probe: false }));
        expect(ledger.asks).toHaveLength(1);
      } else {
        expect(got).toBeUndefined();
        expect(budget.busy('b')).toBe(true);
      }
    }
  });
});
