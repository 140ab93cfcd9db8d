import { sql } from 'kysely';
import type { AppContext } from '../app-context.js';
import type { Db } from '../db/database.js';
import { requesterActivity } from '../db/repositories/request.repository.js';
import { AppError } from '../errors/error-codes.js';
import { nowMs } from '../time.js';

const HOUR_MS = 3_600_000;

/**
 * Serialises one person's concurrent creates until the transaction ends, so each sees the
 * others' rows (the duplicate check, the cooldown, the limits). SQLite already runs one write
 * transaction at a time.
 */
export async function lockPerson(trx: Db, ctx: Pick<AppContext, 'dialect'>, requester: string): Promise<void> {
  if (ctx.dialect === 'postgres') await sql`select pg_advisory_xact_lock(hashtext(${`requests:${requester}`}))`.execute(trx);
}

/**
 * The per-person limits on filing requests: how many may be open at once, and how many may be
 * filed per hour. Counted in the database against the person the request is for — whether they
 * filed it themselves or a channel filed it for them — so they hold across channels and
 * instances. Call inside the transaction that inserts the request, after lockPerson.
 */
export async function assertWithinPersonLimits(trx: Db, ctx: AppContext, requester: string): Promise<void> {
  const { openRequestsPerPerson: maxOpen, requestsPerPersonPerHour: perHour } = ctx.config.limits;
  if (maxOpen === 0 && perHour === 0) return;
  // The clock requests are stamped with (time.ts), so the window counts the same rows it dates.
  const now = nowMs();
  const activity = await requesterActivity(trx, requester, new Date(now - HOUR_MS));
  if (maxOpen > 0 && activity.open >= maxOpen) {
    throw new AppError(
      'TOO_MANY_OPEN_REQUESTS',
      `${requester} already has ${activity.open} open requests (the limit is ${maxOpen}); wait until one is closed.`,
    );
  }
  if (perHour > 0 && activity.recent.length >= perHour) {
    const oldest = Date.parse(activity.recent[activity.recent.length - perHour] ?? '') || now;
    const retryAfterSeconds = Math.max(1, Math.ceil((oldest + HOUR_MS - now) / 1000));
    throw new AppError(
      'RATE_LIMITED',
      `${requester} has filed ${activity.recent.length} requests in the last hour (the limit is ${perHour}).`,
      {
        retryAfterSeconds,
      },
    );
  }
}
