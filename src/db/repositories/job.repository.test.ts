import { beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, useMigratedDatabase } from '../../../test/helpers/databases.js';
import { enqueueEmail, enqueueOktaReset, enqueueTriage } from '../../jobs/enqueue.js';
import { jobKeys } from '../../jobs/job-kinds.js';
import { setClock, testClock } from '../../time.js';
import { claimDueJobs, countOpenJobs, enqueueJob, getJobByKey } from './job.repository.js';
import { insertRequest } from './request.repository.js';

/** Fair claiming on the real databases: one requester's backlog must not delay the others. */
describe.each(DIALECTS)('job claiming on %s', (dialect) => {
  const db = useMigratedDatabase(dialect);
  /** The claim each dialect uses in production: SKIP LOCKED on PostgreSQL. */
  const lease = { leaseMs: 60_000, dialect };
  const past = Date.now() - 60_000;

  beforeEach(async () => {
    await db().deleteFrom('jobs').execute();
  });

  /** `n` due jobs for `fairKey`, oldest first, all due a minute ago or earlier. */
  async function backlog(fairKey: string | null, n: number, from = 0): Promise<void> {
    for (let i = from; i < from + n; i++) {
      await enqueueJob(db(), {
        kind: 'test',
        payload: { i },
        idempotencyKey: `${fairKey}:${i}`,
        runAt: new Date(past + i),
        fairKey,
      });
    }
  }
  const keysOf = (jobs: { idempotency_key: string }[]) => jobs.map((j) => j.idempotency_key);

  it("claims another requester's job in the first claim behind a 200-job backlog", async () => {
    await backlog('alice@example.com', 200);
    await backlog('bob@example.com', 1, 200); // due after all of alice's
    const claimed = await claimDueJobs(db(), 'w1', { limit: 4, ...lease });
    expect(claimed).toHaveLength(4);
    expect(keysOf(claimed)).toContain('bob@example.com:200');
    // Within a requester, oldest first.
    expect(keysOf(claimed).filter((k) => k.startsWith('alice'))).toEqual([
      'alice@example.com:0',
      'alice@example.com:1',
      'alice@example.com:2',
    ]);
  });

  it('gives a freed slot to a requester with nothing in flight, not to the backlog holding the others', async () => {
    await backlog('alice@example.com', 200);
    expect(keysOf(await claimDueJobs(db(), 'w1', { limit: 2, ...lease }))).toEqual(['alice@example.com:0', 'alice@example.com:1']);
    await backlog('bob@example.com', 1, 200);
    // One slot frees up at a time in a busy worker: it must go to bob, though alice's jobs are older.
    expect(keysOf(await claimDueJobs(db(), 'w1', { limit: 1, ...lease }))).toEqual(['bob@example.com:200']);
    expect(keysOf(await claimDueJobs(db(), 'w1', { limit: 1, ...lease }))).toEqual(['alice@example.com:2']);
  });

  it('shares the slots between several requesters, and a lone backlog still gets every slot', async () => {
    await backlog('alice@example.com', 50);
    await backlog('bob@example.com', 50, 50);
    await backlog('carol@example.com', 50, 100);
    const first = keysOf(await claimDueJobs(db(), 'w1', { limit: 6, ...lease }));
    expect(first.map((k) => k.split(':')[0]).sort()).toEqual([
      'alice@example.com',
      'alice@example.com',
      'bob@example.com',
      'bob@example.com',
      'carol@example.com',
      'carol@example.com',
    ]);
    await db().deleteFrom('jobs').execute();
    await backlog('alice@example.com', 10);
    expect(await claimDueJobs(db(), 'w1', { limit: 4, ...lease })).toHaveLength(4);
  });

  it('jobs without a fair key each keep a lane of their own, in run_at order', async () => {
    await backlog(null, 1);
    await backlog('alice@example.com', 5, 1);
    expect(keysOf(await claimDueJobs(db(), 'w1', { limit: 2, ...lease }))).toEqual(['null:0', 'alice@example.com:1']);
  });

  it('reclaims a job whose lease expired; an expired lease does not count as in flight', async () => {
    await backlog('alice@example.com', 3);
    await backlog('bob@example.com', 1, 3);
    const expired = new Date(Date.now() - 1000).toISOString();
    await db()
      .updateTable('jobs')
      .set({ status: 'running', attempts: 1, locked_by: 'dead-worker', locked_until: expired })
      .where('idempotency_key', '=', 'alice@example.com:0')
      .execute();
    const claimed = await claimDueJobs(db(), 'w1', { limit: 2, ...lease });
    expect(keysOf(claimed)).toEqual(['alice@example.com:0', 'bob@example.com:3']);
    expect(claimed[0]).toMatchObject({ status: 'running', locked_by: 'w1', attempts: 2 });
  });

  it('two workers claiming at once never take the same job', async () => {
    await backlog('alice@example.com', 30);
    await backlog('bob@example.com', 30, 30);
    const rounds = await Promise.all(['w1', 'w2', 'w3', 'w1', 'w2', 'w3'].map((w) => claimDueJobs(db(), w, { limit: 5, ...lease })));
    const ids = rounds.flat().map((j) => j.id);
    expect(new Set(ids).size).toBe(ids.length);
    // On PostgreSQL (SKIP LOCKED) nobody comes back empty-handed while work is due: every
    // round gets its five. SQLite, one writer at a time, may lose claims to a concurrent round.
    if (dialect === 'postgres') expect(rounds.map((r) => r.length)).toEqual([5, 5, 5, 5, 5, 5]);
  });

  it("enqueueing a request's jobs files them under its requester, inside the caller's transaction", async () => {
    const request = await db()
      .transaction()
      .execute(async (trx) => {
        const created = await insertRequest(trx, {
          requester: 'dana@example.com',
          app: 'Expensify',
          justification: 'forgot it',
          targetUser: null,
          channel: 'api',
          submittedBy: 'helpdesk-bot@example.com',
        });
        await enqueueTriage(trx, created.id);
        return created;
      });
    await enqueueEmail(db(), { requestId: request.id, to: 'someone-else@example.com', template: 'escalated' });
    await enqueueOktaReset(db(), request.id);
    for (const key of [jobKeys.triage(request.id), jobKeys.email(request.id, 'escalated'), jobKeys.oktaReset(request.id)]) {
      expect(await getJobByKey(db(), key), key).toMatchObject({ fair_key: 'dana@example.com' });
    }
    // No such request: no fair key, and the job is still enqueued.
    await enqueueTriage(db(), 'req_missing');
    expect(await getJobByKey(db(), jobKeys.triage('req_missing'))).toMatchObject({ fair_key: null, status: 'pending' });
  });

  it('counts a job enqueued to run at once as open whatever the clock says; a timer for later only once due', async () => {
    // The clock a count reads may be behind a job just enqueued (stamped by another connection
    // after the count read the clock, or the clock stepped back): simulated by a clock moved back.
    await enqueueJob(db(), { kind: 'test', payload: {}, idempotencyKey: 'at-once' });
    await enqueueJob(db(), { kind: 'test', payload: {}, idempotencyKey: 'later', runAt: new Date(Date.now() + 3_600_000) });
    const clock = testClock();
    clock.advance(-5_000);
    setClock(clock);
    try {
      expect(await countOpenJobs(db())).toBe(1);
      clock.advance(7_200_000);
      expect(await countOpenJobs(db())).toBe(2);
    } finally {
      setClock(null);
    }
  });
});
