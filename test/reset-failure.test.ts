import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getJobByKey } from '../src/db/repositories/job.repository.js';
import { jobKeys } from '../src/jobs/job-kinds.js';
import { DIALECTS } from './helpers/databases.js';
import { startTestContext, type TestContext } from './helpers/test-context.js';
import { USERS } from './helpers/test-org.js';

/** An approved SSO reset that Okta refuses fails at once; one Okta cannot take is retried. */
describe.each(DIALECTS)('an approved reset that Okta does not carry out, on %s', (dialect) => {
  let t: TestContext;
  let approver: string;

  const resets = () => t.sandbox.calls().filter((c) => c.path.endsWith('/lifecycle/reset_password'));
  const resetJob = (id: string) => getJobByKey(t.app.ctx.db, jobKeys.oktaReset(id));

  beforeAll(async () => {
    t = await startTestContext(dialect);
    approver = await t.token('irene@example.com', 'approver');
  });
  afterAll(async () => t?.close());
  beforeEach(async () => {
    await t.idle();
    t.sandbox.clearCalls();
    t.mailbox.clear();
  });

  async function escalated(requester: string) {
    const token = await t.token(requester);
    const res = await t.create(token, { app: 'Salesforce', justification: 'locked out' });
    expect(res.status).toBe(201);
    await t.idle();
    const r = await t.request(res.data!.request_id, token);
    expect(r.status).toBe('Escalated');
    t.mailbox.clear();
    return { id: r.request_id, token };
  }

  it('Okta refusing the reset (403 E0000038) rejects it at once and tells the requester and the approver', async () => {
    const { id, token } = await escalated('alice@example.com');
    // Deactivated in Okta after triage, before the approval: Okta will not reset the password.
    t.sandbox.state.users.get(USERS.alice)!.status = 'DEPROVISIONED';

    const res = await t.decide(id, approver, 'approve');
    expect(res.status).toBe(200);
    await t.idle();

    // One attempt, no backoff: the job failed on Okta's first answer.
    expect(await resetJob(id)).toMatchObject({ status: 'failed', attempts: 1 });
    expect(resets()).toHaveLength(1);
    const r = await t.request(id, token);
    expect(r).toMatchObject({
      status: 'Closed',
      resolution: 'Rejected',
      decision: 'Rejected',
      manualDecision: 'Approved',
      decidedBy: 'irene@example.com',
    });
    expect(r.rationale).toContain('E0000038');

    const toAlice = t.mailTo('alice@example.com');
    expect(toAlice.map((m) => m.subject)).toEqual(['Salesforce password reset: could not be completed']);
    expect(toAlice[0]!.text).toContain('E0000038');
    const toIrene = t.mailTo('irene@example.com');
    expect(toIrene.map((m) => m.subject)).toEqual(['Salesforce password reset for alice@example.com: could not be completed']);
    const text = toIrene[0]!.text ?? '';
    expect(text).toContain(id);
    expect(text).toContain('requested by alice@example.com');
    expect(text).toContain("E0000038 This operation is not allowed in the user's current status.");
    expect(text).not.toContain(t.sandbox.apiToken);
    expect(text).not.toContain(USERS.alice); // the reason names the path template, not the user id

    // The requester's email closed the request; the approver's did not close it a second time.
    const events = await t.events(id, approver);
    const emails = events
      .filter((e) => e.eventType === 'Message' && e.details.channel === 'email')
      .map((e) => [e.details.template, e.details.to]);
    expect(emails).toEqual(
      expect.arrayContaining([
        ['reset_failed', 'alice@example.com'],
        ['reset_failed_approver', 'irene@example.com'],
      ]),
    );
    expect(events.filter((e) => e.eventType === 'Rejection')).toHaveLength(1);
    const closures = events.filter((e) => e.eventType === 'Closure');
    expect(closures).toHaveLength(1);
    expect(closures[0]!.details).toMatchObject({ resolution: 'Rejected', notified: 'alice@example.com' });
    // The final audit event carries the request's seed-001 summary, as the API shows it.
    expect(closures[0]!.details.summary).toMatchObject({
      request_id: id,
      status: 'Closed',
      decision: 'Rejected',
      rationale: expect.stringContaining('E0000038'),
      next_owner: 'crm-owners',
      actions_taken: expect.arrayContaining(['okta.resetPassword (failed)', 'email: reset_failed to alice@example.com']),
    });
    const approverJob = await getJobByKey(t.app.ctx.db, jobKeys.email(id, 'reset_failed_approver'));
    const payload: unknown = JSON.parse(approverJob!.payload_json);
    expect(payload).toMatchObject({ to: 'irene@example.com', closeAfter: false });
  });

  it('an Okta outage during the reset is retried with backoff, and nobody is told of a failure', async () => {
    const { id, token } = await escalated('bob@example.com');
    t.sandbox.failNext(2, { pathPrefix: `/api/v1/users/${USERS.bob}/lifecycle/reset_password` });

    expect((await t.decide(id, approver, 'approve')).status).toBe(200);
    await t.idle();

    expect(await resetJob(id)).toMatchObject({ status: 'done', attempts: 3 });
    expect(resets()).toHaveLength(3);
    expect(await t.request(id, token)).toMatchObject({ status: 'Closed', resolution: 'Completed' });
    expect(t.mailTo('bob@example.com').map((m) => m.subject)).toEqual(['Salesforce password reset: approved']);
    expect(t.mailTo('irene@example.com')).toEqual([]);
  });
});
