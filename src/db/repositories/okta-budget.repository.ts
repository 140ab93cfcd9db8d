import type { BudgetGrant, BudgetTake } from '../../connectors/okta/index.js';
import { grantSize, PROBE_TIMEOUT_MS } from '../../connectors/okta/index.js';
import { nowIso } from '../../time.js';
import type { Db } from '../database.js';

/**
 * The ledger of Okta's rate budget that every instance on one database shares
 * (connectors/okta/okta-cluster-budget.ts says why and how it is used). One row per bucket, locked
 * for the length of one small transaction: the newest window any instance reported, how many
 * calls of it have been granted — never more than its limit — and the probes announced for the
 * window after it.
 */
export async function takeOktaBudget(db: Db, dialect: 'sqlite' | 'postgres', ask: BudgetTake): Promise<BudgetGrant> {
  return db.transaction().execute(async (trx) => {
    await trx
      .insertInto('okta_budget')
      .values({ bucket: ask.bucket, window_reset: null, rate_limit: null, granted: 0, probes: 0, updated_at: nowIso() })
      .onConflict((oc) => oc.column('bucket').doNothing())
      .execute();
    let select = trx.selectFrom('okta_budget').selectAll().where('bucket', '=', ask.bucket);
    // SQLite runs one writer at a time already; PostgreSQL holds the row until commit.
    if (dialect === 'postgres') select = select.forUpdate();
    const row = await select.executeTakeFirstOrThrow();

    let window = row.window_reset === null ? null : Number(row.window_reset);
    let { granted, probes } = row;
    let probeBy = row.probe_by;
    let probeUntil = row.probe_until === null ? null : Number(row.probe_until);
    if (ask.window !== null && (window === null || ask.window > window)) {
      // The first report of a new window: the probes announced for it are all it has used yet.
      window = ask.window;
      granted = probes;
      probes = 0;
      probeBy = null;
      probeUntil = null;
    }
    if (ask.window !== null && ask.window === window) {
      // Calls that landed without a grant count on top; Okta's own count is a floor.
      granted = Math.max(granted + ask.ungranted, ask.counted);
    }
    const limit = ask.limit ?? row.rate_limit;
    let answer: BudgetGrant;
    if (window !== null && limit !== null && window * 1000 > ask.arrival) {
      const given = grantSize(ask.want, limit - granted);
      granted += given;
      answer = { window, limit, granted: given, probe: null };
    } else if (probeBy !== null && probeBy !== ask.instance && probeUntil !== null && probeUntil > ask.arrival) {
      // No current window, and another instance is finding it out.
      answer = { window, limit, granted: 0, probe: 'wait' };
    } else {
      probes += 1;
      probeBy = ask.instance;
      probeUntil = ask.arrival + PROBE_TIMEOUT_MS;
      answer = { window, limit, granted: 0, probe: 'go' };
    }
    await trx
      .updateTable('okta_budget')
      .set({ window_reset: window, rate_limit: limit, granted, probes, probe_by: probeBy, probe_until: probeUntil, updated_at: nowIso() })
      .where('bucket', '=', ask.bucket)
      .execute();
    return answer;
  });
}
