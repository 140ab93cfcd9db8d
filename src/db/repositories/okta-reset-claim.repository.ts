import { jobKeys } from '../../jobs/job-kinds.js';
import { nowMs } from '../../time.js';
import type { Db, DialectName } from '../database.js';

/**
 * How far resetdesk's clocks (of every instance) and Okta's may differ, and how long after a
 * caller gave up on a reset call Okta may still carry it out. Okta's records of resets are read
 * against resetdesk's times with this much room.
 */
export const RESET_CLOCK_MARGIN_MS = 2_000;

/** How often a request waiting for another request's reset of the same Okta user looks again. */
const HELD_RETRY_MS = 1_000;

export type ResetClaim =
  /**
   * The request may reset the user now. `resumed`: it held the claim already, so an earlier
   * attempt may have made the call. Any reset Okta records at or after `evidenceAfter` is its own.
   */
  | { held: true; resumed: boolean; evidenceAfter: string }
  /** Another request's reset of the user is under way (`holder`), or just ended: look again in `waitMs`. */
  | { held: false; waitMs: number; holder: string | null };

/**
 * Takes the claim on resetting one Okta user's password for a request — at most one request
 * holds it at a time, from just before its first reset call until its outcome is recorded
 * (releaseOktaReset). So a reset Okta records while a request holds the claim is that request's,
 * and a retry can read Okta's records to learn whether its crashed attempt's call landed, even
 * when the user was already in RECOVERY from another request's reset.
 *
 * After a release the next request waits until twice the clock margin has passed, and counts as
 * its own only what Okta records from one margin after the release: the previous holder's resets
 * are then before that line and its own after it, whichever way the clocks are off (up to the
 * margin). A claim whose holder's reset job is no longer open (finished without releasing) is
 * released by the next request that asks.
 */
export async function claimOktaReset(db: Db, dialect: DialectName, o: { oktaUserId: string; requestId: string }): Promise<ResetClaim> {
  return db.transaction().execute(async (trx) => {
    const now = nowMs();
    const fresh = {
      okta_user_id: o.oktaUserId,
      request_id: o.requestId,
      started_at: new Date(now).toISOString(),
      // No reset of this user by resetdesk is on record: only the clocks' difference matters.
      evidence_after: new Date(now - RESET_CLOCK_MARGIN_MS).toISOString(),
      released_at: null,
    };
    const inserted = await trx
      .insertInto('okta_reset_claims')
      .values(fresh)
      .onConflict((oc) => oc.column('okta_user_id').doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) return { held: true, resumed: false, evidenceAfter: fresh.evidence_after };

    let select = trx.selectFrom('okta_reset_claims').selectAll().where('okta_user_id', '=', o.oktaUserId);
    // SQLite runs one writer at a time already; PostgreSQL holds the row until commit.
    if (dialect === 'postgres') select = select.forUpdate();
    const row = await select.executeTakeFirstOrThrow();

    let releasedAt = row.released_at === null ? null : Date.parse(row.released_at);
    if (releasedAt === null) {
      if (row.request_id === o.requestId) return { held: true, resumed: true, evidenceAfter: row.evidence_after };
      const holderJob = await trx
        .selectFrom('jobs')
        .select('status')
        .where('idempotency_key', '=', jobKeys.oktaReset(row.request_id))
        .executeTakeFirst();
      if (holderJob && (holderJob.status === 'pending' || holderJob.status === 'running')) {
        return { held: false, waitMs: HELD_RETRY_MS, holder: row.request_id };
      }
      // The holder's job ended without releasing: any call it made was before now.
      releasedAt = now;
      await trx
        .updateTable('okta_reset_claims')
        .set({ released_at: new Date(now).toISOString() })
        .where('okta_user_id', '=', o.oktaUserId)
        .execute();
    }
    const free = releasedAt + 2 * RESET_CLOCK_MARGIN_MS;
    if (now < free) return { held: false, waitMs: free - now, holder: null };
    const evidenceAfter = new Date(releasedAt + RESET_CLOCK_MARGIN_MS).toISOString();
    await trx
      .updateTable('okta_reset_claims')
      .set({ request_id: o.requestId, started_at: fresh.started_at, evidence_after: evidenceAfter, released_at: null })
      .where('okta_user_id', '=', o.oktaUserId)
      .execute();
    return { held: true, resumed: false, evidenceAfter };
  });
}

/** Ends a request's claim on resetting the user, once the outcome of its reset is recorded. */
export async function releaseOktaReset(db: Db, o: { oktaUserId: string; requestId: string }): Promise<void> {
  await db
    .updateTable('okta_reset_claims')
    .set({ released_at: new Date(nowMs()).toISOString() })
    .where('okta_user_id', '=', o.oktaUserId)
    .where('request_id', '=', o.requestId)
    .where('released_at', 'is', null)
    .execute();
}
