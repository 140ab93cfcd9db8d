import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listDecisions } from '../src/db/repositories/decision.repository.js';
import { getJobByKey, listJobs } from '../src/db/repositories/job.repository.js';
import { claimOktaReset, RESET_CLOCK_MARGIN_MS } from '../src/db/repositories/okta-reset-claim.repository.js';
import { auditedCall } from '../src/jobs/audited-call.js';
import { enqueueEmail } from '../src/jobs/enqueue.js';
import { jobKeys } from '../src/jobs/job-kinds.js';
import { DIALECTS } from './helpers/databases.js';
import { NO_COOLDOWN, startTestContext, type TestContext } from './helpers/test-context.js';
import { USERS } from './helpers/test-org.js';

/**
 * A crash is simulated the way the database sees one: a job left 'running' by a worker that is
 * gone, its lease expired, after that worker did (or did not) reach the outside system.
 */
describe.each(DIALECTS)('side effects exactly once on %s', (dialect) => {
  let t: TestContext;
  let alice: string;
  let approver: string;
  const resets = () => t.sandbox.calls().filter((c) => c.path.endsWith('/lifecycle/reset_password') && c.status === 200);

  beforeAll(async () => {
    t = await startTestContext(dialect, { env: { DUPLICATE_REQUESTS: 'allow' }, policy: NO_COOLDOWN });
    alice = await t.token('alice@example.com');
    approver = await t.token('irene@example.com', 'approver');
  });
  afterAll(async () => t?.close());
  beforeEach(async () => {
    // Started first, so a job a failed test left behind is finished rather than waited on.
    t.app.worker.start();
    await t.idle();
    t.sandbox.clearCalls();
    t.mailbox.clear();
  });

  async function create(app: string) {
    const res = await t.create(alice, { app, justification: 'x' });
    expect(res.status).toBe(201);
    return res.data!.request_id;
  }

  /**
   * Marks a job as claimed by a worker that died; its lease expired a second ago, or runs
   * `leaseLeftMs` more (the job is taken over only then).
   */
  async function orphan(key: string, attempts = 1, leaseLeftMs = -1000) {
    const lockedUntil = new Date(Date.now() + leaseLeftMs).toISOString();
    await t.app.ctx.db
      .updateTable('jobs')
      .set({ status: 'running', attempts, locked_by: 'dead-worker', locked_until: lockedUntil })
      .where('idempotency_key', '=', key)
      .execute();
  }

  /** Puts alice in `status` as Okta would show it, the status having changed at `since`. */
  function aliceStatus(status: 'ACTIVE' | 'RECOVERY', since: string) {
    const user = t.sandbox.state.users.get(USERS.alice)!;
    user.status = status;
    user.statusChanged = since;
    user.lastUpdated = since;
  }

  /**
   * Waits until an earlier test's reset of alice is far enough behind for the next to start at
   * once (claimOktaReset): a job that waits for it is deferred, and its attempts counted so.
   */
  async function aliceClaimFree() {
    const row = await t.app.ctx.db
      .selectFrom('okta_reset_claims')
      .select('released_at')
      .where('okta_user_id', '=', USERS.alice)
      .executeTakeFirst();
    if (row?.released_at) await sleep(Math.max(0, Date.parse(row.released_at) + 2 * RESET_CLOCK_MARGIN_MS - Date.now()));
  }

  /** An SSO request by alice, triaged (Escalated) and approved while no worker runs. */
  async function approvedWithWorkerStopped(app = 'Salesforce') {
    await aliceClaimFree();
    const id = await create(app);
    await t.idle();
    await t.app.worker.stop();
    expect((await t.decide(id, approver, 'approve')).status).toBe(200);
    return id;
  }

  /** Two SSO requests by alice, triaged and approved while no worker runs. */
  async function twoApprovedWithWorkerStopped(): Promise<[string, string]> {
    await aliceClaimFree();
    const first = await create('Salesforce');
    const second = await create('Salesforce');
    await t.idle();
    await t.app.worker.stop();
    for (const id of [first, second]) expect((await t.decide(id, approver, 'approve')).status).toBe(200);
    return [first, second];
  }

  /**
   * What a worker did before it died: took the claim on resetting alice — as every attempt does
   * first, once an earlier reset of alice is far enough behind — and, if `called`, reset her
   * password in Okta. Nothing of it was logged.
   */
  async function diedHoldingClaim(id: string, o: { called: boolean; leaseLeftMs?: number }) {
    for (;;) {
      const claim = await claimOktaReset(t.app.ctx.db, t.app.ctx.dialect, { oktaUserId: USERS.alice, requestId: id });
      if (claim.held) break;
      await sleep(claim.waitMs);
    }
    if (o.called) await t.app.ctx.okta.resetPassword(USERS.alice);
    await orphan(jobKeys.oktaReset(id), 1, o.leaseLeftMs);
  }

  async function toolCalls(id: string, tool?: string) {
    const events = await t.events(id, alice);
    return events.filter((e) => e.eventType === 'Tool Call' && (tool === undefined || e.details.tool === tool));
  }

  /** Where this request's reset call ran, by the Tool Call event that logged it. */
  async function resetCallSpan(id: string) {
    const [reset, ...more] = await toolCalls(id, 'okta.resetPassword');
    expect(more).toHaveLength(0);
    expect(reset?.details).toMatchObject({ ok: true });
    const end = Date.parse(reset!.createdAt);
    return { start: end - Number(reset!.details.durationMs ?? 0), end };
  }

  async function expectCompletedOnce(id: string) {
    const r = await t.request(id, alice);
    expect(r).toMatchObject({ status: 'Closed', resolution: 'Completed' });
    expect(t.mailTo('alice@example.com').filter((m) => m.subject.endsWith('approved'))).toHaveLength(1);
    expect(await getJobByKey(t.app.ctx.db, jobKeys.oktaReset(id))).toMatchObject({ status: 'done', attempts: 2 });
  }

  const LONG_AGO = '2024-01-02T03:04:05.000Z';

  it('a worker that died after Okta reset the password does not reset it twice, and the log shows the reset', async () => {
    aliceStatus('ACTIVE', LONG_AGO);
    const id = await approvedWithWorkerStopped();
    await diedHoldingClaim(id, { called: true });
    t.app.worker.start();
    await t.idle();
    expect(resets()).toHaveLength(1);
    expect(t.sandbox.state.users.get(USERS.alice)?.status).toBe('RECOVERY');
    await expectCompletedOnce(id);
    // Okta's user record shows RECOVERY since the claim was taken: the retry records that reset.
    const [reset, ...more] = await toolCalls(id, 'okta.resetPassword');
    expect(more).toHaveLength(0);
    expect(reset?.details).toMatchObject({
      ok: true,
      recovered: true,
      args: { userId: USERS.alice, sendEmail: true },
      result: { confirmedBy: 'okta.getUser', status: 'RECOVERY' },
    });
    const { statusChanged, evidenceAfter } = reset!.details.result as { statusChanged: string; evidenceAfter: string };
    expect(Date.parse(statusChanged)).toBeGreaterThanOrEqual(Date.parse(evidenceAfter));
  });

  it('a worker that died holding the claim before calling Okta: the retry finds no reset in Okta and resets once', async () => {
    aliceStatus('ACTIVE', LONG_AGO);
    const id = await approvedWithWorkerStopped();
    await diedHoldingClaim(id, { called: false });
    t.app.worker.start();
    await t.idle();
    expect(resets()).toHaveLength(1);
    await expectCompletedOnce(id);
    // It read Okta's user record and System Log first, then made its call.
    const tools = (await toolCalls(id)).map((e) => e.details.tool);
    const reset = tools.lastIndexOf('okta.resetPassword');
    expect(tools.slice(reset - 2, reset + 1)).toEqual(['okta.getUser', 'okta.listPasswordEvents', 'okta.resetPassword']);
    expect((await toolCalls(id, 'okta.resetPassword'))[0]?.details.recovered).toBeUndefined();
  });

  it('a worker that died before taking the claim: the retry resets at once, reading nothing from Okta first', async () => {
    aliceStatus('ACTIVE', LONG_AGO);
    const id = await approvedWithWorkerStopped();
    await orphan(jobKeys.oktaReset(id));
    const before = (await toolCalls(id)).length;
    t.app.worker.start();
    await t.idle();
    expect(resets()).toHaveLength(1);
    await expectCompletedOnce(id);
    expect((await toolCalls(id)).slice(before)[0]?.details).toMatchObject({ tool: 'okta.resetPassword', ok: true });
  });

  it('a user already in RECOVERY from before the approval: a worker that died before calling Okta is not taken for a reset', async () => {
    aliceStatus('RECOVERY', LONG_AGO);
    const emailsBefore = t.sandbox.state.resetEmails.length;
    const id = await approvedWithWorkerStopped();
    // Okta's System Log holds alice's resets of earlier tests, all before the claim's line.
    await diedHoldingClaim(id, { called: false });
    t.app.worker.start();
    await t.idle();
    expect(resets()).toHaveLength(1);
    expect(t.sandbox.state.resetEmails.slice(emailsBefore)).toEqual([{ userId: USERS.alice, at: expect.any(String) }]);
    await expectCompletedOnce(id);
    const [reset, ...more] = await toolCalls(id, 'okta.resetPassword');
    expect(more).toHaveLength(0);
    expect(reset?.details).toMatchObject({ ok: true });
    expect(reset?.details.recovered).toBeUndefined();
  });

  it('a user already in RECOVERY: a reset the dead worker had logged is not made again', async () => {
    aliceStatus('RECOVERY', LONG_AGO);
    const id = await approvedWithWorkerStopped();
    await diedHoldingClaim(id, { called: false });
    // The dead worker reset the password and logged the call, then died before the commit.
    await auditedCall(
      t.app.ctx.db,
      id,
      'okta.resetPassword',
      { userId: USERS.alice, sendEmail: true },
      () => t.app.ctx.okta.resetPassword(USERS.alice),
      () => ({ sendEmail: true }),
    );
    t.app.worker.start();
    await t.idle();
    expect(resets()).toHaveLength(1);
    await expectCompletedOnce(id);
    expect(await toolCalls(id, 'okta.resetPassword')).toHaveLength(1);
  });

  it('a user already in RECOVERY: a reset the dead worker made but never logged is found in Okta’s System Log, not made again', async () => {
    aliceStatus('RECOVERY', LONG_AGO);
    const id = await approvedWithWorkerStopped();
    await diedHoldingClaim(id, { called: true });
    // RECOVERY → RECOVERY is no status change: Okta's user record does not show this reset.
    expect(t.sandbox.state.users.get(USERS.alice)?.statusChanged).toBe(LONG_AGO);
    t.app.worker.start();
    await t.idle();
    expect(resets()).toHaveLength(1);
    await expectCompletedOnce(id);
    const [reset, ...more] = await toolCalls(id, 'okta.resetPassword');
    expect(more).toHaveLength(0);
    expect(reset?.details).toMatchObject({ ok: true, recovered: true, result: { confirmedBy: 'okta.listPasswordEvents' } });
    const { oktaEventId } = reset!.details.result as { oktaEventId: string };
    const event = t.sandbox.state.systemLog.list().find((e) => e.uuid === oktaEventId);
    expect(event).toMatchObject({ eventType: 'user.account.reset_password' });
  });

  it('two approved requests of the same user reset one at a time: the second after the first is recorded, two clock margins later', async () => {
    aliceStatus('ACTIVE', LONG_AGO);
    const [first, second] = await twoApprovedWithWorkerStopped();
    t.app.worker.start();
    await t.idle();
    expect(resets()).toHaveLength(2);
    const spans = await Promise.all([first, second].map((id) => resetCallSpan(id)));
    for (const id of [first, second]) {
      expect(await t.request(id, alice)).toMatchObject({ status: 'Closed', resolution: 'Completed' });
      expect((await toolCalls(id, 'okta.resetPassword'))[0]?.details.recovered, `request ${id}`).toBeUndefined();
    }
    const [a, b] = spans[0]!.start <= spans[1]!.start ? spans : [spans[1]!, spans[0]!];
    expect(b!.start - a!.end).toBeGreaterThanOrEqual(2 * RESET_CLOCK_MARGIN_MS);
    // The one that waited was deferred, at no cost to its retries.
    const jobs = await Promise.all([first, second].map((id) => getJobByKey(t.app.ctx.db, jobKeys.oktaReset(id))));
    const [once, waited] = jobs[0]!.attempts === 1 ? [jobs[0]!, jobs[1]!] : [jobs[1]!, jobs[0]!];
    expect(once.attempts).toBe(1);
    expect(waited.attempts).toBeGreaterThan(1);
    expect(waited.max_attempts - waited.attempts).toBe(once.max_attempts - once.attempts);
  });

  it('a request whose worker died holding the claim after its call keeps the other request of the same user waiting; its retry finds its reset', async () => {
    aliceStatus('ACTIVE', LONG_AGO);
    const [first, second] = await twoApprovedWithWorkerStopped();
    // The second's worker reset alice (ACTIVE → RECOVERY) and died; its lease runs 2 s more.
    await diedHoldingClaim(second, { called: true, leaseLeftMs: 2_000 });
    t.app.worker.start();
    await t.idle();
    // The first waited for the second's retry rather than reset meanwhile: two resets, one each.
    expect(resets()).toHaveLength(2);
    const [found] = await toolCalls(second, 'okta.resetPassword');
    expect(found?.details).toMatchObject({ ok: true, recovered: true, result: { confirmedBy: 'okta.getUser' } });
    const own = await resetCallSpan(first);
    expect((await toolCalls(first, 'okta.resetPassword'))[0]?.details.recovered).toBeUndefined();
    expect(own.start).toBeGreaterThanOrEqual(Date.parse(found!.createdAt) + 2 * RESET_CLOCK_MARGIN_MS);
  });

  it('another request’s reset put the user in RECOVERY, then this one’s worker reset again and died: found in the System Log, not made a third time', async () => {
    aliceStatus('ACTIVE', LONG_AGO);
    const [first, second] = await twoApprovedWithWorkerStopped();
    // The first's reset runs and is recorded: alice ACTIVE → RECOVERY.
    await t.app.ctx.db
      .updateTable('jobs')
      .set({ run_at: '9999-01-01T00:00:00.000Z' })
      .where('idempotency_key', '=', jobKeys.oktaReset(second))
      .execute();
    t.app.worker.start();
    await t.idle();
    expect(await t.request(first, alice)).toMatchObject({ status: 'Closed', resolution: 'Completed' });
    await t.app.worker.stop();
    // The second's worker reset alice once more (RECOVERY → RECOVERY, which Okta's user record
    // does not show) and died before logging it.
    await diedHoldingClaim(second, { called: true });
    t.app.worker.start();
    await t.idle();
    expect(resets()).toHaveLength(2);
    const [found, ...more] = await toolCalls(second, 'okta.resetPassword');
    expect(more).toHaveLength(0);
    expect(found?.details).toMatchObject({ ok: true, recovered: true, result: { confirmedBy: 'okta.listPasswordEvents' } });
    expect(await t.request(second, alice)).toMatchObject({ status: 'Closed', resolution: 'Completed' });
  });

  it('a triage interrupted mid-way is resumed and decided once', async () => {
    await t.app.worker.stop();
    const id = await create('Expensify');
    // The dead worker had moved it to Triaging and made some Okta calls.
    await t.app.ctx.db.updateTable('password_requests').set({ status: 'Triaging' }).where('id', '=', id).execute();
    await orphan(jobKeys.triage(id));
    t.app.worker.start();
    await t.idle();
    const r = await t.request(id, alice);
    expect(r).toMatchObject({ status: 'Closed', resolution: 'Completed', ruleId: 'swa_self_service' });
    expect(await listDecisions(t.app.ctx.db, id)).toHaveLength(1);
    expect(t.mailTo('alice@example.com')).toHaveLength(1);
  });

  it('an Okta outage during triage: brief 5xx are retried inside the call; a long one fails the call, audited, and the job retries', async () => {
    // Two 500s: absorbed by the connector's own retries, invisible to the request.
    t.sandbox.failNext(2, { pathPrefix: `/api/v1/users/${USERS.alice}/factors` });
    // Five 500s in a row (1 + maxRetries 4): listAdminRoles fails; the triage job runs again.
    t.sandbox.failNext(5, { pathPrefix: `/api/v1/users/${USERS.alice}/roles` });
    const id = await create('Expensify');
    await t.idle();
    const r = await t.request(id, alice);
    expect(r).toMatchObject({ status: 'Closed', resolution: 'Completed', ruleId: 'swa_self_service' });
    const calls = (await t.events(id, alice)).filter((e) => e.eventType === 'Tool Call');
    const failed = calls.filter((e) => !e.details.ok);
    expect(failed.map((e) => [e.details.tool, (e.details.error as { code: string }).code])).toEqual([
      ['okta.listAdminRoles', 'OKTA_UNAVAILABLE'],
    ]);
    // The second attempt walks the whole critical path again, all ok.
    expect(calls.filter((e) => e.details.ok && e.details.tool === 'okta.findUser')).toHaveLength(2);
    const roleCalls = t.sandbox.calls().filter((c) => c.path.endsWith('/roles'));
    expect(roleCalls.map((c) => c.status)).toEqual([500, 500, 500, 500, 500, 200]);
    expect(await listDecisions(t.app.ctx.db, id)).toHaveLength(1);
    expect(t.mailTo('alice@example.com')).toHaveLength(1);
    expect((await getJobByKey(t.app.ctx.db, jobKeys.triage(id)))?.attempts).toBe(2);
  });

  it('a triage that fails for good is escalated to a human, with the error, and the requester told', async () => {
    await t.app.worker.stop();
    const id = await create('Expensify');
    // Production allows 20 attempts (about an hour); one is enough to see what happens after.
    await t.app.ctx.db.updateTable('jobs').set({ max_attempts: 1 }).where('idempotency_key', '=', jobKeys.triage(id)).execute();
    t.sandbox.failNext(5, { pathPrefix: '/api/v1/users' }); // the lookup fails through all connector retries
    t.app.worker.start();
    await t.idle();
    const r = await t.request(id, alice);
    expect(r).toMatchObject({
      status: 'Escalated',
      decision: 'Escalated',
      ruleId: 'triage_failed',
      priority: 'High',
      next_owner: 'IT Approvers',
    });
    expect(r.rationale).toContain('could not be completed');
    expect(r.result).toMatchObject({ outcome: 'Escalated', oktaUserId: null });
    expect(t.mailTo('alice@example.com').map((m) => m.subject)).toEqual(['Expensify password reset: waiting for approval']);
    expect(await getJobByKey(t.app.ctx.db, jobKeys.triage(id))).toMatchObject({ status: 'failed' });
    // An approver can still finish it: no verified Okta account, so by hand.
    expect((await t.decide(id, approver, 'approve')).status).toBe(200);
    await t.idle();
    expect(resets()).toHaveLength(0);
  });

  it('enqueueing the same email twice sends it once', async () => {
    const id = await create('Expensify');
    await t.idle();
    t.mailbox.clear();
    await enqueueEmail(t.app.ctx.db, { requestId: id, to: 'alice@example.com', template: 'reset_link', resetUrl: 'https://x.example.com' });
    await enqueueEmail(t.app.ctx.db, { requestId: id, to: 'alice@example.com', template: 'reset_link', resetUrl: 'https://x.example.com' });
    t.app.worker.wake();
    await t.idle();
    expect(t.mailTo('alice@example.com')).toHaveLength(0); // the key was used by the original send
    expect(
      (await listJobs(t.app.ctx.db, { kind: 'send-email' })).filter((j) => j.idempotency_key === jobKeys.email(id, 'reset_link')),
    ).toHaveLength(1);
  });

  it('an email job whose worker died before sending is sent once, with a stable Message-ID', async () => {
    await t.app.worker.stop();
    const id = await create('Expensify');
    expect(await t.app.worker.runOnce()).toBe(1); // triage only; it enqueues the email
    expect(t.mailTo('alice@example.com')).toHaveLength(0);
    await orphan(jobKeys.email(id, 'reset_link'));
    t.app.worker.start();
    await t.idle();
    const mail = t.mailTo('alice@example.com');
    expect(mail).toHaveLength(1);
    expect(mail[0]!.messageId).toMatch(/^<[0-9a-f]{32}@resetdesk\.local>$/);
    expect(await getJobByKey(t.app.ctx.db, jobKeys.email(id, 'reset_link'))).toMatchObject({ status: 'done', attempts: 2 });
  });
});

describe('Okta rate limits', () => {
  let t: TestContext;
  afterAll(async () => t?.close());

  it('waits for X-Rate-Limit-Reset instead of failing: every request is decided', async () => {
    // One person files 12 at once to outrun Okta's budget: past resetdesk's own per-person cap.
    t = await startTestContext('sqlite', {
      sandboxRateLimit: { limit: 4, windowSeconds: 1 },
      env: { OPEN_REQUESTS_PER_PERSON: '0', DUPLICATE_REQUESTS: 'allow' },
      policy: NO_COOLDOWN,
    });
    const token = await t.token('alice@example.com');
    const ids = await Promise.all(
      Array.from({ length: 12 }, async () => (await t.create(token, { app: 'Expensify', justification: 'x' })).data!.request_id),
    );
    await t.idle(60_000);
    for (const id of ids) {
      expect(await t.request(id, token)).toMatchObject({ status: 'Closed', resolution: 'Completed' });
    }
    const calls = t.sandbox.calls();
    const lookups = calls.filter((c) => c.path === '/api/v1/users' && c.status === 200);
    expect(lookups).toHaveLength(12);
    // The budget is only unknown before the first answer: at most the first burst can overshoot.
    const limited = calls.filter((c) => c.status === 429);
    expect(limited.length).toBeLessThanOrEqual(t.app.ctx.config.worker.concurrency);
    // Spread over at least three 1-second windows (12 lookups, 4 per window).
    const span = Date.parse(lookups.at(-1)!.at) - Date.parse(lookups[0]!.at);
    expect(span).toBeGreaterThan(1500);
  });
});
