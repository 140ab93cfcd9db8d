/**
 * Request updates of what follows an approval: an engine decision that waits for its account to be
 * unlocked, and the confirmation that the user set a new password after an Okta reset
 * (jobs/okta-unlock.job.ts, jobs/after-reset.jobs.ts). Conditional updates, like every move of a
 * request (request.repository.ts), so a retried or concurrent job changes nothing twice.
 */
import { nowIso } from '../../time.js';
import type { Db } from '../database.js';
import type { PasswordRequestsTable } from '../schema.js';

type DecisionColumns = Partial<Omit<PasswordRequestsTable, 'id' | 'status' | 'created_at'>>;

/**
 * Records the engine's decision on a Triaging request that stays Triaging until its job (an
 * unlock, a directory reset) completes it (or escalates it), only if the request is still
 * Triaging and undecided: a triage job that runs again after a crash finds it decided and changes
 * nothing.
 */
export async function recordDecisionAwaitingJob(db: Db, id: string, columns: DecisionColumns): Promise<boolean> {
  const result = await db
    .updateTable('password_requests')
    .set({ ...columns, updated_at: nowIso() })
    .where('id', '=', id)
    .where('status', '=', 'Triaging')
    .where('decided_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Records when the user set a new password after the Okta reset; false if it was recorded already. */
export async function markResetConfirmed(db: Db, id: string, confirmedAt: string): Promise<boolean> {
  const result = await db
    .updateTable('password_requests')
    .set({ reset_confirmed_at: confirmedAt, updated_at: nowIso() })
    .where('id', '=', id)
    .where('reset_confirmed_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
