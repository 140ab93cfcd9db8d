import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/databases.js';
import { startTestContext, type TestContext } from './helpers/test-context.js';
import { USERS } from './helpers/test-org.js';

describe.each(DIALECTS)('human decisions on %s', (dialect) => {
  let t: TestContext;
  let alice: string;
  let approver: string;
  let admin: string;
  let carolApprover: string;

  const resets = () => t.sandbox.calls().filter((c) => c.path.endsWith('/lifecycle/reset_password'));

  beforeAll(async () => {
    t = await startTestContext(dialect);
    alice = await t.token('alice@example.com');
    approver = await t.token('irene@example.com', 'approver');
    admin = await t.token('root@example.com', 'admin');
    carolApprover = await t.token('carol@example.com', 'approver');
  });
  afterAll(async () => t?.close());
  beforeEach(async () => {
    await t.idle();
    t.sandbox.clearCalls();
    t.mailbox.clear();
  });

  async function escalated(app: string, token = alice) {
    const { data: created, response } = await t.client(token).POST('/api/v1/requests', { body: { app, justification: 'locked out' } });
    expect(response.status).toBe(201);
    await t.idle();
    const r = await t.request(created!.request_id, token);
    expect(r.status).toBe('Escalated');
    expect(t.mailTo(r.requester).map((m) => m.subject)).toEqual([`${app} password reset: waiting for approval`]);
    t.mailbox.clear();
    return r.request_id;
  }

  it('approving an SSO request resets the Okta password exactly once and completes it', async () => {
    const id = await escalated('Salesforce');
    expect(resets()).toHaveLength(0); // never before approval

    const res = await t.decide(id, approver, 'approve', { comment: 'verified by phone' });
    expect(res.status).toBe(200);
    expect(res.data?.manualDecision).toBe('Approved');
    await t.idle();

    const r = await t.request(id, alice);
    expect(r).toMatchObject({ status: 'Closed', resolution: 'Completed', decision: 'Approved', decidedBy: 'irene@example.com' });
    expect(r.result).toMatchObject({ outcome: 'Approved', oktaUserId: USERS.alice });
    expect(resets()).toHaveLength(1);
    expect(resets()[0]).toMatchObject({
      method: 'POST',
      path: `/api/v1/users/${USERS.alice}/lifecycle/reset_password`,
      query: { sendEmail: 'true' },
    });
    expect(t.sandbox.state.users.get(USERS.alice)?.status).toBe('RECOVERY');
    expect(t.mailTo('alice@example.com').map((m) => m.subject)).toEqual(['Salesforce password reset: approved']);

    const events = await t.events(id, approver);
    const approval = events.find((e) => e.eventType === 'Approval');
    expect(approval).toMatchObject({ actor: 'irene@example.com', details: { decision: 'Approved', comment: 'verified by phone' } });
    expect(events.some((e) => e.eventType === 'Tool Call' && e.details.tool === 'okta.resetPassword' && e.details.ok)).toBe(true);

    // Deciding again is a 409 and no second reset.
    const again = await t.decide(id, admin, 'approve');
    expect(again.status).toBe(409);
    expect(again.error?.error.code).toBe('ALREADY_DECIDED');
    const deny = await t.decide(id, admin, 'deny');
    expect(deny.status).toBe(409);
    await t.idle();
    expect(resets()).toHaveLength(1);
  });

  it('two concurrent approvals: one wins, one 409, one reset', async () => {
    const id = await escalated('Salesforce');
    const [a, b] = await Promise.all([t.decide(id, approver, 'approve'), t.decide(id, admin, 'approve')]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    await t.idle();
    expect(resets()).toHaveLength(1);
  });

  it('denying rejects, mails the requester and calls no reset', async () => {
    const id = await escalated('AWS Console');
    const res = await t.decide(id, approver, 'deny', { comment: 'Not during the freeze' });
    expect(res.status).toBe(200);
    await t.idle();
    const r = await t.request(id, alice);
    expect(r).toMatchObject({ status: 'Closed', resolution: 'Rejected', decision: 'Rejected', manualDecision: 'Denied' });
    expect(r.result?.outcome).toBe('Denied');
    const mail = t.mailTo('alice@example.com');
    expect(mail.map((m) => m.subject)).toEqual(['AWS Console password reset: declined by an approver']);
    expect(mail[0]!.text).toContain('Not during the freeze');
    expect(resets()).toHaveLength(0);
    const events = await t.events(id, approver);
    expect(events.filter((e) => e.eventType === 'Rejection')).toHaveLength(1);
  });

  it('approving an escalated SWA request with a reset URL emails the link', async () => {
    const frank = await t.token('frank@example.com');
    const id = await escalated('Expensify', frank); // no active MFA factor: escalated
    expect((await t.decide(id, approver, 'approve')).status).toBe(200);
    await t.idle();
    expect(await t.request(id, frank)).toMatchObject({ status: 'Closed', resolution: 'Completed' });
    const mail = t.mailTo('frank@example.com');
    expect(mail.map((m) => m.subject)).toEqual(['Expensify password reset']);
    expect(mail[0]!.text).toContain('https://expensify.example.com/reset');
    expect(resets()).toHaveLength(0);
  });

  it.each([
    ['Payroll', 'a SWA app without a reset URL'],
    ['Intranet', 'a bookmark app'],
  ])('approving %s (%s) says IT resets it by hand, and claims nothing was sent', async (app) => {
    const id = await escalated(app);
    t.sandbox.clearCalls();
    expect((await t.decide(id, approver, 'approve', { comment: 'I will call you' })).status).toBe(200);
    await t.idle();
    const r = await t.request(id, alice);
    expect(r).toMatchObject({ status: 'Closed', resolution: 'Completed', manualDecision: 'Approved' });
    expect(r.rationale).toContain('by hand');
    const mail = t.mailTo('alice@example.com');
    expect(mail.map((m) => m.subject)).toEqual([`${app} password reset: approved`]);
    expect(mail[0]!.text).toContain('IT will reset it');
    expect(mail[0]!.text).toContain('I will call you');
    expect(mail[0]!.text).not.toMatch(/link|Okta has sent/);
    expect(t.sandbox.calls()).toHaveLength(0);
  });

  it('nobody decides their own request', async () => {
    const carol = await t.token('carol@example.com');
    const id = await escalated('Expensify', carol); // carol is an Okta admin: escalated
    const res = await t.decide(id, carolApprover, 'approve');
    expect(res.status).toBe(403);
    expect(res.error?.error.code).toBe('SELF_DECISION');
    expect((await t.request(id, carol)).status).toBe('Escalated');
  });

  it('requesters cannot decide; undecidable requests are 409; unknown ids 404', async () => {
    const id = await escalated('Salesforce');
    expect((await t.decide(id, alice, 'approve')).status).toBe(403);

    const denied = await t.client(alice).POST('/api/v1/requests', { body: { app: 'Nope', justification: 'x' } });
    await t.idle();
    const res = await t.decide(denied.data!.request_id, approver, 'approve');
    expect(res.status).toBe(409);
    expect(res.error?.error.code).toBe('ALREADY_DECIDED');

    expect((await t.decide('req_nope', approver, 'approve')).status).toBe(404);
    // Input the typed client cannot send goes through the raw helper.
    expect((await t.raw('POST', `/api/v1/requests/${id}/approve`, { token: approver, body: { comment: 5 } })).status).toBe(400);
  });
});
