import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listJobs } from '../src/db/repositories/job.repository.js';
import { enqueueEscalationFollowUps } from '../src/jobs/escalation.jobs.js';
import { JOB_KINDS } from '../src/jobs/job-kinds.js';
import { parseFixture } from '../src/okta-sandbox/index.js';
import { DIALECTS } from './helpers/databases.js';
import { startTestContext, type TestContext } from './helpers/test-context.js';
import { APPS, GROUPS, LENA, TEST_CATALOG, testFixture } from './helpers/test-org.js';

/**
 * Who the approvers are: the active members of the request's approver group in Okta (the
 * catalog app's approverGroup, else the policy's default "IT Approvers"). They are emailed when
 * a request is escalated, and only they (and admins) may decide it.
 */

const PUBLIC_URL = 'https://resetdesk.example.com';

/** The test org plus olga: a SUSPENDED member of "IT Approvers" (never notified, may not decide). */
function fixture() {
  const base = testFixture();
  return parseFixture({
    ...base,
    users: [
      ...base.users,
      {
        id: '00uTTTTTTTTTTTTTTT20',
        status: 'SUSPENDED',
        login: 'olga@example.com',
        email: 'olga@example.com',
        firstName: 'Olga',
        lastName: 'Tester',
        factors: [],
        roles: [],
        groupIds: [GROUPS.itApprovers],
      },
    ],
  });
}

/** The test catalog plus an app whose approver group does not exist in Okta. */
const CATALOG = [
  ...TEST_CATALOG,
  // Bookmark app: escalated (no automatic reset), decided by a group Okta does not have.
  {
    name: 'Orphan',
    oktaAppId: APPS.intranet,
    resetUrl: null,
    resetMethod: 'auto' as const,
    sensitive: false,
    approverGroup: 'Ghost Approvers',
  },
];

describe.each(DIALECTS)('approver groups on %s', (dialect) => {
  let t: TestContext;
  let alice: string;
  let irene: string;
  let carol: string;
  let olga: string;
  let admin: string;

  const noticesTo = (address: string) => t.mailTo(address).filter((m) => m.subject.endsWith('approval needed'));

  beforeAll(async () => {
    t = await startTestContext(dialect, { fixture: fixture(), catalog: CATALOG, env: { PUBLIC_URL } });
    alice = await t.token('alice@example.com');
    irene = await t.token('irene@example.com', 'approver');
    carol = await t.token('carol@example.com', 'approver');
    olga = await t.token('olga@example.com', 'approver');
    admin = await t.token('root@example.com', 'admin');
  });
  afterAll(async () => t?.close());
  beforeEach(async () => {
    await t.idle();
    t.mailbox.clear();
  });

  /** A new escalated request (one open request per person and app: pick another requester for a second one). */
  async function escalated(app: string, justification = 'locked out', who = 'alice') {
    const token = who === 'alice' ? alice : await t.token(`${who}@example.com`);
    const res = await t.create(token, { app, justification });
    expect(res.status).toBe(201);
    await t.idle();
    const r = await t.request(res.data!.request_id, token);
    expect(r.status).toBe('Escalated');
    return r;
  }

  it("emails each active member of the policy's default group once, as text and HTML, with a link to the request", async () => {
    const justification = 'Locked out <script>alert(1)</script> & need it "today"';
    const r = await escalated('Payroll', justification);
    expect(r.next_owner).toBe('IT Approvers');

    for (const address of ['irene@example.com', LENA.email, 'carol@example.com']) {
      const mails = noticesTo(address);
      expect(mails, address).toHaveLength(1);
      const [mail] = mails;
      expect(mail!.subject).toBe('Payroll password reset for alice@example.com: approval needed');
      // The facts an approver needs, the requester's words marked as theirs, and the web app's link.
      expect(mail!.text).toContain('Requester: alice@example.com');
      expect(mail!.text).toContain('App: Payroll');
      expect(mail!.text).toContain('Priority: ');
      expect(mail!.text).toContain('Rule: swa_no_reset_url');
      expect(mail!.text).toContain("Justification (the requester's own words");
      expect(mail!.text).toContain(justification);
      expect(mail!.text).toContain(`${PUBLIC_URL}/requests/${r.request_id}`);
      // The HTML part, from the same template, escaped.
      expect(mail!.html).toContain(`<a href="${PUBLIC_URL}/requests/${r.request_id}">`);
      expect(mail!.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; need it &quot;today&quot;');
      expect(mail!.html).not.toContain('<script>');
    }
    // Not the suspended member, not the requester, nobody outside the group.
    expect(t.mailTo('olga@example.com')).toEqual([]);
    expect(t.mailTo('root@example.com')).toEqual([]);
    expect(t.mailTo('bob@example.com')).toEqual([]);
    // The requester still gets their own notice, once.
    expect(t.mailTo('alice@example.com').map((m) => m.subject)).toEqual(['Payroll password reset: waiting for approval']);

    // Once per escalation: running the follow-ups of the same episode again sends nothing more.
    const events = await t.events(r.request_id, admin);
    const escalation = events.find((e) => e.eventType === 'Escalation');
    await t.app.ctx.db
      .transaction()
      .execute((trx) =>
        enqueueEscalationFollowUps(trx, { requestId: r.request_id, approverGroup: 'IT Approvers', cycle: escalation!.eventId }),
      );
    t.app.worker.wake();
    await t.idle();
    expect(noticesTo('irene@example.com')).toHaveLength(1);
    const notices = (await t.events(r.request_id, admin)).filter(
      (e) => e.eventType === 'Message' && e.details.template === 'approver_escalated',
    );
    expect(notices.map((e) => e.details.to).sort()).toEqual(['carol@example.com', 'irene@example.com', LENA.email].sort());
  });

  it("the catalog's approverGroup overrides the policy default: only its members are notified and may decide", async () => {
    const r = await escalated('Salesforce');
    expect(r.next_owner).toBe('crm-owners');
    expect(noticesTo('irene@example.com')).toHaveLength(1);
    expect(noticesTo(LENA.email)).toHaveLength(1);
    expect(noticesTo('carol@example.com')).toEqual([]); // "IT Approvers" only

    // carol approves for "IT Approvers", not for "crm-owners".
    const res = await t.decide(r.request_id, carol, 'approve');
    expect(res.status).toBe(403);
    expect(res.error?.error.code).toBe('NOT_AN_APPROVER');
    expect(res.error?.error.message).toContain('"crm-owners"');
    expect((await t.request(r.request_id, alice)).status).toBe('Escalated');

    expect((await t.decide(r.request_id, irene, 'deny')).status).toBe(200);
  });

  it('an inactive member of the group may not decide; an active one may', async () => {
    const r = await escalated('Payroll', 'locked out', 'bob');
    const res = await t.decide(r.request_id, olga, 'approve');
    expect(res.status).toBe(403);
    expect(res.error?.error.code).toBe('NOT_AN_APPROVER');
    expect((await t.decide(r.request_id, carol, 'approve')).status).toBe(200);
  });

  it('an admin may decide any request (break-glass), and the audit log says so', async () => {
    const r = await escalated('Salesforce', 'locked out', 'bob');
    const res = await t.decide(r.request_id, admin, 'deny', { comment: 'covering for the owners' });
    expect(res.status).toBe(200);
    const events = await t.events(r.request_id, admin);
    expect(events.find((e) => e.eventType === 'Message' && e.details.kind === 'break_glass')).toMatchObject({
      actor: 'root@example.com',
      details: { role: 'admin', approverGroup: 'crm-owners' },
    });
    expect(events.find((e) => e.eventType === 'Rejection')).toMatchObject({ actor: 'root@example.com' });
  });

  it('a group Okta does not have: nobody is notified (and the log says why), only admins may decide', async () => {
    const r = await escalated('Orphan');
    expect(r.next_owner).toBe('Ghost Approvers');
    expect(t.mailbox.messages().filter((m) => m.subject.endsWith('approval needed'))).toEqual([]);
    const events = await t.events(r.request_id, admin);
    const missing = events.filter((e) => e.eventType === 'Message' && e.details.kind === 'approvers_not_notified');
    expect(missing).toHaveLength(1);
    expect(String(missing[0]!.details.reason)).toContain('"Ghost Approvers" does not exist');

    const res = await t.decide(r.request_id, irene, 'approve');
    expect(res.status).toBe(403);
    expect(res.error?.error.code).toBe('APPROVER_GROUP_MISSING');
    expect(res.error?.error.message).toContain('"Ghost Approvers" does not exist in Okta');
    expect(res.error?.error.message).toMatch(/Create the group in Okta/);
    expect((await t.request(r.request_id, alice)).status).toBe('Escalated');

    expect((await t.decide(r.request_id, admin, 'approve')).status).toBe(200);
    await t.idle();
    expect((await t.request(r.request_id, alice)).resolution).toBe('Completed');
  });

  it('reads the group and its members from Okta, cached briefly', async () => {
    t.sandbox.clearCalls();
    await escalated('Payroll', 'locked out', 'grace');
    await escalated('Payroll', 'locked out', 'frank');
    const groupCalls = t.sandbox.calls().filter((c) => c.path.startsWith('/api/v1/groups'));
    // Both escalations within the cache's minute: at most one lookup of each kind.
    expect(groupCalls.filter((c) => c.path === '/api/v1/groups').length).toBeLessThanOrEqual(1);
    expect(groupCalls.filter((c) => c.path === `/api/v1/groups/${GROUPS.itApprovers}/users`).length).toBeLessThanOrEqual(1);
    const jobs = await listJobs(t.app.ctx.db, { kind: JOB_KINDS.notifyApprovers });
    expect(jobs.every((j) => j.status === 'done')).toBe(true);
  });
});
