import type { AppContext } from '../app-context.js';
import type { Db } from '../db/database.js';
import { enqueueJob } from '../db/repositories/job.repository.js';
import { syncCatalogFromOkta } from '../services/app-sync.service.js';
import { now } from '../time.js';
import { JOB_KINDS, jobKeys } from './job-kinds.js';
import type { JobHandler } from './worker.js';

/**
 * The scheduled catalog sync (OKTA_APPS_SYNC_MINUTES): a durable job due at the start of each
 * interval. Its key is the due time, so every instance that schedules a slot schedules the same
 * job, and the job's claim makes one instance run it; the run then schedules the next slot.
 */
export function appSyncJob(ctx: AppContext): JobHandler {
  return {
    kind: JOB_KINDS.oktaAppsSync,
    async run() {
      const minutes = ctx.config.oktaAppsSyncMinutes;
      if (minutes === undefined) return; // The variable was removed since this run was scheduled.
      try {
        await syncCatalogFromOkta(ctx, { dryRun: false, actor: 'schedule', trigger: 'schedule' });
      } finally {
        // A failed sync still schedules the next slot: Okta being down now says nothing about later.
        await scheduleAppSync(ctx.db, minutes);
      }
    },
  };
}

/**
 * Schedules the sync due at the next interval boundary. Boundaries are multiples of the interval
 * since the epoch, so instances agree on them (and a job runs at or after its due time, so the
 * run's own slot is never scheduled twice).
 */
export async function scheduleAppSync(db: Db, minutes: number): Promise<void> {
  const intervalMs = minutes * 60_000;
  const slot = Math.floor(now().getTime() / intervalMs) + 1;
  const dueAt = new Date(slot * intervalMs);
  await enqueueJob(db, {
    kind: JOB_KINDS.oktaAppsSync,
    payload: { dueAt: dueAt.toISOString() },
    idempotencyKey: jobKeys.oktaAppsSync(dueAt.toISOString()),
    runAt: dueAt,
    maxAttempts: 1,
  });
}
