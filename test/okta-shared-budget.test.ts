import { afterEach, describe, expect, it } from 'vitest';
import { NO_FILING_LIMITS } from '../src/bench/no-filing-limits.js';
import { createOktaConnector, type OktaConnector, type SharedBudgetLedger } from '../src/connectors/okta/index.js';
import { takeOktaBudget } from '../src/db/repositories/okta-budget.repository.js';
import { type OktaSandbox, startOktaSandbox } from '../src/okta-sandbox/index.js';
import { DIALECTS, useMigratedDatabase } from './helpers/databases.js';
import { NO_COOLDOWN, startTestContext, type TestContext } from './helpers/test-context.js';
import { testFixture } from './helpers/test-org.js';

/**
 * Okta's rate budget is the org's, shared by every instance: on one PostgreSQL the instances
 * take grants of each window from a ledger (okta_budget), so together they never send more than
 * a window's limit and never draw a 429 of their own making.
 */

const FAR = 4_000_000_000; // a window reset far in the future (epoch seconds)
type Ask = Parameters<typeof takeOktaBudget>[2];
const ask: Omit<Ask, 'bucket'> = { instance: 'one', window: null, limit: null, counted: 0, ungranted: 0, want: 1, arrival: Date.now() };

describe.each(DIALECTS)('the Okta budget ledger on %s', (dialect) => {
  const db = useMigratedDatabase(dialect);
  const take = (a: Partial<Ask> & { bucket: string }) => takeOktaBudget(db(), dialect, { ...ask, ...a });
  const row = (bucket: string) => db().selectFrom('okta_budget').selectAll().where('bucket', '=', bucket).executeTakeFirstOrThrow();

  it('lets one instance probe while no window is known, then grants at most an eighth of what is left', async () => {
    expect(await take({ bucket: 'a' })).toEqual({ window: null, limit: null, granted: 0, probe: 'go' });
    // Another instance waits for that probe rather than send its own.
    expect(await take({ bucket: 'a', instance: 'two' })).toEqual({ window: null, limit: null, granted: 0, probe: 'wait' });
    // The probe's answer: window FAR, limit 100, one call counted (the probe): 99 left, 13 now.
    expect(await take({ bucket: 'a', window: FAR, limit: 100, counted: 1, want: 50 })).toEqual({
      window: FAR,
      limit: 100,
      granted: 13,
      probe: null,
    });
    // The other instance learns the window and its limit from the ledger.
    expect(await take({ bucket: 'a', instance: 'two', want: 2 })).toEqual({ window: FAR, limit: 100, granted: 2, probe: null });
    // The probe and Okta's count of it are one call, not two.
    expect(await row('a')).toMatchObject({ granted: 16, probes: 0, probe_by: null });
  });

  it('never grants more of a window than its limit, counting calls that went without a grant', async () => {
    let granted = 0;
    for (;;) {
      const grant = await take({ bucket: 'b', window: FAR, limit: 40, counted: 3, want: 7 });
      if (grant.granted === 0) break;
      granted += grant.granted;
    }
    expect(granted).toBe(37);
    // Two calls landed without a grant: the ledger goes over the limit, Okta's count notwithstanding.
    await take({ bucket: 'b', window: FAR, limit: 40, counted: 38, ungranted: 2, want: 0 });
    expect((await row('b')).granted).toBe(42);
    // A new window starts from Okta's count of it.
    expect(await take({ bucket: 'b', window: FAR + 60, limit: 40, counted: 5, want: 100 })).toMatchObject({ window: FAR + 60, granted: 5 });
    // An instance still on the old window is granted from the new one.
    expect(await take({ bucket: 'b', window: FAR, limit: 40, counted: 40, ungranted: 9, want: 1 })).toMatchObject({
      window: FAR + 60,
      granted: 1,
    });
  });

  it('counts the probes announced once a window ended in the window they find', async () => {
    const past = Math.floor(Date.now() / 1000) - 1;
    // The window has ended on the asker's clock: nothing of it is granted; the asker probes.
    expect(await take({ bucket: 'c', window: past, limit: 10, counted: 1, want: 5 })).toEqual({
      window: past,
      limit: 10,
      granted: 0,
      probe: 'go',
    });
    // The same instance may probe again (its probe failed); another one waits.
    expect((await take({ bucket: 'c', window: past })).probe).toBe('go');
    expect((await take({ bucket: 'c', instance: 'two', window: past })).probe).toBe('wait');
    // Two probes went out, Okta has counted one so far: the ledger starts the window at two.
    expect(await take({ bucket: 'c', window: FAR, limit: 10, counted: 1, want: 100 })).toEqual({
      window: FAR,
      limit: 10,
      granted: 1,
      probe: null,
    });
    expect((await row('c')).granted).toBe(3);
  });

  it('lets another instance probe once the probe it waited for is overdue', async () => {
    const past = Math.floor(Date.now() / 1000) - 1;
    expect((await take({ bucket: 'e', window: past, limit: 10 })).probe).toBe('go');
    const later = Date.now() + 6_000;
    expect((await take({ bucket: 'e', instance: 'two', window: past, arrival: later })).probe).toBe('go');
    expect((await row('e')).probes).toBe(2);
  });

  if (dialect === 'postgres') {
    it('hands out a window exactly once to many instances asking at the same moment', async () => {
      const grants = await Promise.all(
        Array.from({ length: 40 }, (_, i) => take({ bucket: 'd', instance: `i${i}`, window: FAR, limit: 25, counted: 0, want: 3 })),
      );
      expect(grants.reduce((sum, g) => sum + g.granted, 0)).toBe(25);
    });
  }
});

describe('instances sharing the ledger against a rate-limited Okta', () => {
  const db = useMigratedDatabase('postgres');
  let sandbox: OktaSandbox | undefined;
  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
  });

  async function burst(ledger: SharedBudgetLedger | undefined): Promise<{ ok: number; failed: number; got429: number }> {
    // 6 calls per 2-second window; three instances with 15 lookups each, all at once.
    sandbox = await startOktaSandbox({ fixture: testFixture(), rateLimit: { limit: 6, windowSeconds: 2 } });
    const s = sandbox;
    const instances: OktaConnector[] = [1, 2, 3].map(() =>
      createOktaConnector(
        { orgUrl: s.url, auth: { kind: 'ssws', token: s.apiToken }, maxRetries: 0 },
        ledger ? { budgetLedger: ledger } : {},
      ),
    );
    const results = await Promise.allSettled(instances.flatMap((okta) => Array.from({ length: 15 }, () => okta.ping())));
    return {
      ok: results.filter((r) => r.status === 'fulfilled').length,
      failed: results.filter((r) => r.status === 'rejected').length,
      got429: s.calls().filter((c) => c.status === 429).length,
    };
  }

  it('alone, each instance overshoots what the others left: Okta answers 429', async () => {
    // The control: what the ledger is for. Each instance only knows its own calls in flight.
    const result = await burst(undefined);
    expect(result.got429).toBeGreaterThan(0);
  }, 60_000);

  it('with the ledger, 45 lookups across three instances draw no 429 and all succeed', async () => {
    const ledger: SharedBudgetLedger = { take: (a) => takeOktaBudget(db(), 'postgres', a) };
    const result = await burst(ledger);
    expect(result).toEqual({ ok: 45, failed: 0, got429: 0 });
  }, 60_000);
});

describe('three resetdesk instances on one PostgreSQL, one Okta budget', () => {
  let t: TestContext | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('decide a burst of requests under a small budget with no 429 from Okta', async () => {
    t = await startTestContext('postgres', {
      env: NO_FILING_LIMITS,
      policy: NO_COOLDOWN,
      sandboxRateLimit: { limit: 8, windowSeconds: 1 },
    });
    const ctx = t;
    await ctx.startInstance();
    await ctx.startInstance();
    const token = await ctx.token('alice@example.com');
    const ids = await Promise.all(
      Array.from({ length: 18 }, async () => {
        const res = await ctx.create(token, { app: 'Expensify', justification: 'I forgot my password' });
        expect(res.status, JSON.stringify(res.error)).toBe(201);
        return res.data!.request_id;
      }),
    );
    for (const id of ids) await ctx.waitForStatus(id, token, ['Closed'], 90_000);
    const calls = ctx.sandbox.calls();
    expect(calls.filter((c) => c.status === 429)).toHaveLength(0);
    // The instances counted through the ledger.
    const rows = await ctx.app.ctx.db.selectFrom('okta_budget').selectAll().execute();
    expect(rows.length).toBeGreaterThan(0);
  }, 120_000);
});
