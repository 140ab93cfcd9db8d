import { afterEach, describe, expect, it } from 'vitest';
import { enqueueJob } from '../src/db/repositories/job.repository.js';
import { claimOktaReset, RESET_CLOCK_MARGIN_MS, releaseOktaReset } from '../src/db/repositories/okta-reset-claim.repository.js';
import { JOB_KINDS, jobKeys } from '../src/jobs/job-kinds.js';
import { setClock, testClock } from '../src/time.js';
import { DIALECTS, useMigratedDatabase } from './helpers/databases.js';

/**
 * One request at a time may reset an Okta user's password (okta-reset-claim.repository.ts), so
 * that a reset Okta records while a request holds the claim is that request's own.
 */
describe.each(DIALECTS)('the Okta reset claim on %s', (dialect) => {
  const db = useMigratedDatabase(dialect);
  const claim = (oktaUserId: string, requestId: string) => claimOktaReset(db(), dialect, { oktaUserId, requestId });
  const release = (oktaUserId: string, requestId: string) => releaseOktaReset(db(), { oktaUserId, requestId });
  /** The request's reset job, as approving it enqueues; `status` as it now stands. */
  async function resetJob(requestId: string, status: 'pending' | 'running' | 'done' | 'failed' = 'pending') {
    await enqueueJob(db(), { kind: JOB_KINDS.oktaReset, payload: { requestId }, idempotencyKey: jobKeys.oktaReset(requestId) });
    await db().updateTable('jobs').set({ status }).where('idempotency_key', '=', jobKeys.oktaReset(requestId)).execute();
  }
  afterEach(() => setClock(null));

  it('is held by one request; asking again resumes it, and Okta records from just before count as its own', async () => {
    const before = Date.now();
    const first = await claim('00u-a', 'req-1');
    expect(first).toMatchObject({ held: true, resumed: false });
    // Only the clocks' difference: no earlier reset of this user by resetdesk is on record.
    const line = Date.parse((first as { evidenceAfter: string }).evidenceAfter);
    expect(line).toBeGreaterThanOrEqual(before - RESET_CLOCK_MARGIN_MS);
    expect(line).toBeLessThanOrEqual(Date.now() - RESET_CLOCK_MARGIN_MS);
    // A retry of the same request: an earlier attempt may have made the call.
    expect(await claim('00u-a', 'req-1')).toEqual({ ...first, resumed: true });
    // Another user is another claim.
    expect(await claim('00u-b', 'req-2')).toMatchObject({ held: true, resumed: false });
  });

  it('makes another request wait while the holder’s reset job is open, and then until two clock margins after the release', async () => {
    const clock = testClock();
    setClock(clock);
    await resetJob('req-4', 'running');
    await resetJob('req-5');
    expect(await claim('00u-c', 'req-4')).toMatchObject({ held: true });
    expect(await claim('00u-c', 'req-5')).toEqual({ held: false, waitMs: 1_000, holder: 'req-4' });

    // Another request's release does nothing to it.
    await release('00u-c', 'req-5');
    expect(await claim('00u-c', 'req-5')).toMatchObject({ held: false, holder: 'req-4' });

    await release('00u-c', 'req-4');
    const releasedAt = Date.parse(
      (await db().selectFrom('okta_reset_claims').select('released_at').where('okta_user_id', '=', '00u-c').executeTakeFirstOrThrow())
        .released_at!,
    );
    const waiting = await claim('00u-c', 'req-5');
    expect(waiting).toMatchObject({ held: false, holder: null });
    const { waitMs } = waiting as { waitMs: number };
    expect(waitMs).toBeGreaterThan(RESET_CLOCK_MARGIN_MS);
    expect(waitMs).toBeLessThanOrEqual(2 * RESET_CLOCK_MARGIN_MS);

    clock.advance(waitMs);
    const taken = await claim('00u-c', 'req-5');
    // What Okta records from one margin after the release is the new holder's: the previous
    // holder's resets lie before that line, the new one's after it, with clocks up to a margin off.
    expect(taken).toEqual({ held: true, resumed: false, evidenceAfter: new Date(releasedAt + RESET_CLOCK_MARGIN_MS).toISOString() });
    expect(await claim('00u-c', 'req-4')).toMatchObject({ held: false, holder: 'req-5' });
  });

  it('takes over from a holder whose reset job ended without releasing, after the same wait', async () => {
    const clock = testClock();
    setClock(clock);
    await resetJob('req-6', 'running');
    expect(await claim('00u-d', 'req-6')).toMatchObject({ held: true });
    await db().updateTable('jobs').set({ status: 'failed' }).where('idempotency_key', '=', jobKeys.oktaReset('req-6')).execute();

    const waiting = await claim('00u-d', 'req-7');
    expect(waiting).toEqual({ held: false, waitMs: 2 * RESET_CLOCK_MARGIN_MS, holder: null });
    clock.advance(2 * RESET_CLOCK_MARGIN_MS);
    expect(await claim('00u-d', 'req-7')).toMatchObject({ held: true, resumed: false });

    // No job at all (removed by hand) counts as ended too.
    const row = await db().selectFrom('okta_reset_claims').selectAll().where('okta_user_id', '=', '00u-d').executeTakeFirstOrThrow();
    expect(row).toMatchObject({ request_id: 'req-7', released_at: null });
    expect(await claim('00u-d', 'req-8')).toMatchObject({ held: false, waitMs: 2 * RESET_CLOCK_MARGIN_MS });
  });

  it('is given to exactly one of many requests asking at once', async () => {
    const requests = Array.from({ length: 12 }, (_, i) => `req-many-${i}`);
    for (const id of requests) await resetJob(id);
    const answers = await Promise.all(requests.map((id) => claim('00u-e', id)));
    expect(answers.filter((a) => a.held)).toHaveLength(1);
    const holder = requests[answers.findIndex((a) => a.held)];
    for (const a of answers.filter((x) => !x.held)) expect(a).toEqual({ held: false, waitMs: 1_000, holder });
  });
});
