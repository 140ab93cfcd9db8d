import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TRANSITIONS } from '../src/domain/lifecycle.js';
import type { RequestStatus } from '../src/domain/types.js';
import { setClock, testClock } from '../src/time.js';
import { DIALECTS } from './helpers/databases.js';
import { errorOf, startTestContext, type TestContext } from './helpers/test-context.js';
import { TEST_CATALOG } from './helpers/test-org.js';

const HOUR = 3_600_000;

/** The test catalog plus two apps one word apart, so "jira" is ambiguous. */
const CATALOG = [
  ...TEST_CATALOG,
  { ...TEST_CATALOG[0]!, name: 'Jira Cloud', resetUrl: 'https://jira-cloud.example.com/reset' },
  { ...TEST_CATALOG[0]!, name: 'Jira Server', resetUrl: 'https://jira-server.example.com/reset' },
];

/*
 * Every transition of the lifecycle table made through the API by whoever may cause it (the
 * engine, the requester, an approver, an admin, a timer), and refused to whoever may not; each
 * scenario records the transitions it made, and the last test checks none is left out.
 */
describe.each(DIALECTS)('the request lifecycle on %s', (dialect) => {
  let t: TestContext;
  let alice: string;
  let bob: string;
  let grace: string;
  let approver: string;
  let admin: string;
  const clock = testClock();
  const covered = new Set<string>();

  beforeAll(async () => {
    setClock(clock);
    t = await startTestContext(dialect, { catalog: CATALOG });
    alice = await t.token('alice@example.com');
    bob = await t.token('bob@example.com');
    grace = await t.token('grace@example.com');
    approver = await t.token('irene@example.com', 'approver');
    admin = await t.token('root@example.com', 'admin');
  });
  afterAll(async () => {
    await t?.close();
    setClock(null);
  });
  beforeEach(async () => {
    await t.idle();
    t.mailbox.clear();
  });
  afterEach(async () => {
    // Every request a test leaves open is cancelled, so the duplicate rule never joins two tests.
    const { data } = await t.client(admin).GET('/api/v1/requests', { params: { query: { limit: 200 } } });
    for (const r of data?.requests ?? []) {
      if (['New', 'Triaging', 'Waiting', 'Escalated', 'PendingExternal'].includes(r.status) && r.manualDecision === null) {
        await t
          .client(admin)
          .POST('/api/v1/requests/{id}/cancel', { params: { path: { id: r.request_id } }, body: { reason: 'test clean-up' } });
      }
    }
    await t.idle();
  });

  const saw = (from: RequestStatus, to: RequestStatus) => covered.add(`${from}>${to}`);

  async function file(app: string, token = alice, extra: { targetUser?: string } = {}) {
    const res = await t.create(token, { app, justification: 'locked out', ...extra });
    expect(res.status, JSON.stringify(res.error)).toBe(201);
    saw('New', 'Triaging');
    await t.idle();
    return res.data!.request_id;
  }
  const cancel = (id: string, token: string, reason?: string) =>
    t.client(token).POST('/api/v1/requests/{id}/cancel', { params: { path: { id } }, body: reason ? { reason } : {} });
  const reply = (id: string, token: string, body: { app?: string; message?: string }) =>
    t.client(token).POST('/api/v1/requests/{id}/reply', { params: { path: { id } }, body });
  const giveBack = (id: string, token: string, question: string) =>
    t.client(token).POST('/api/v1/requests/{id}/return', { params: { path: { id } }, body: { question } });
  const subjects = (address: string) => t.mailTo(address).map((m) => m.subject);

  describe('missing or ambiguous details → Waiting', () => {
    it('asks which app was meant when several are close, and resumes triage with the answer', async () => {
      const id = await file('jira');
      const waiting = await t.request(id, alice);
      saw('Triaging', 'Waiting');
      expect(waiting).toMatchObject({
        status: 'Waiting',
        next_owner: 'alice@example.com',
        question: {
          reason: 'app_ambiguous',
          candidates: ['Jira Cloud', 'Jira Server'],
          text: 'There is no app called "jira" in the catalog. Did you mean "Jira Cloud" or "Jira Server"?',
        },
      });
      const mail = t.mailTo('alice@example.com');
      expect(mail).toHaveLength(1);
      expect(mail[0]?.text).toContain('Did you mean "Jira Cloud" or "Jira Server"?');

      // A message alone does not answer an app question; another person cannot answer at all.
      expect(errorOf({ body: (await reply(id, alice, { message: 'the cloud one' })).error })?.code).toBe('VALIDATION_FAILED');
      expect((await reply(id, bob, { app: 'Jira Cloud' })).response.status).toBe(404);

      const answered = await reply(id, alice, { app: 'Jira Cloud' });
      expect(answered.response.status).toBe(200);
      saw('Waiting', 'Triaging');
      await t.idle();
      const done = await t.request(id, alice);
      saw('Triaging', 'Completed');
      saw('Completed', 'Closed');
      expect(done).toMatchObject({ status: 'Closed', resolution: 'Completed', app: 'Jira Cloud', question: null });
      expect(t.mailTo('alice@example.com').at(-1)?.text).toContain('https://jira-cloud.example.com/reset');
      // The answer is on the record, and a second answer finds nothing to answer.
      const events = await t.events(id, alice);
      expect(events.filter((e) => e.details.kind === 'question' || e.details.kind === 'answer').map((e) => e.details.kind)).toEqual([
        'question',
        'answer',
      ]);
      expect(errorOf({ body: (await reply(id, alice, { app: 'Jira Cloud' })).error })?.code).toBe('NOT_WAITING');
    });

    it('asks about a typo rather than guessing, and a plain miss is still denied', async () => {
      const typo = await file('expensfy');
      expect((await t.request(typo, alice)).question?.candidates).toEqual(['Expensify']);
      const miss = await file('Workday');
      saw('Triaging', 'Rejected');
      expect(await t.request(miss, alice)).toMatchObject({ resolution: 'Rejected', ruleId: 'app_not_in_catalog' });
    });

    it('an answer that is still no catalog app is asked again, then denied after three rounds', async () => {
      const id = await file('jira');
      for (const answer of ['jiraa', 'jira ']) {
        await reply(id, alice, { app: answer });
        await t.idle();
        expect((await t.request(id, alice)).status).toBe('Waiting');
      }
      await reply(id, alice, { app: 'jirra' });
      await t.idle();
      expect(await t.request(id, alice)).toMatchObject({ resolution: 'Rejected', ruleId: 'app_not_in_catalog' });
    });

    it('cancels a request left Waiting past the policy window, with a notice (injected clock)', async () => {
      const id = await file('jira');
      clock.advance(71 * HOUR);
      await t.idle();
      expect((await t.request(id, alice)).status).toBe('Waiting');
      clock.advance(2 * HOUR);
      await t.idle();
      saw('Waiting', 'Cancelled');
      saw('Cancelled', 'Closed');
      const r = await t.request(id, alice);
      expect(r).toMatchObject({ status: 'Closed', resolution: 'Cancelled', decision: 'Cancelled' });
      expect(r.rationale).toContain('no answer to the question within 72 hours');
      expect(subjects('alice@example.com').filter((s) => /cancel/i.test(s))).toHaveLength(1);
    });

    it('an answered question’s timer does nothing when it falls due', async () => {
      const id = await file('jira');
      await reply(id, alice, { app: 'Jira Server' });
      await t.idle();
      clock.advance(80 * HOUR);
      await t.idle();
      expect(await t.request(id, alice)).toMatchObject({ status: 'Closed', resolution: 'Completed' });
    });
  });

  describe('approver actions', () => {
    async function escalated(app = 'Salesforce', token = alice) {
      const id = await file(app, token);
      const r = await t.request(id, token);
      expect(r.status).toBe('Escalated');
      saw('Triaging', 'Escalated');
      return id;
    }

    it('returns a request for more information; the answer goes back to the same approver group', async () => {
      const id = await escalated();
      const group = (await t.request(id, alice)).next_owner;
      const returned = await giveBack(id, approver, 'Which device are you locked out on?');
      expect(returned.response.status).toBe(200);
      saw('Escalated', 'Waiting');
      expect(returned.data).toMatchObject({
        status: 'Waiting',
        next_owner: 'alice@example.com',
        question: { reason: 'returned', text: 'Which device are you locked out on?', askedBy: 'irene@example.com', candidates: [] },
      });
      await t.idle();
      expect(t.mailTo('alice@example.com').at(-1)?.text).toContain('Which device are you locked out on?');
      // Nobody decides a Waiting request.
      expect(errorOf({ body: (await t.decide(id, approver, 'approve')).error })?.code).toBe('NOT_AWAITING_DECISION');
      // The approver's question wants words, not an app.
      expect(errorOf({ body: (await reply(id, alice, { app: 'Salesforce' })).error })?.code).toBe('VALIDATION_FAILED');

      const answered = await reply(id, alice, { message: 'My work laptop' });
      saw('Waiting', 'Escalated');
      expect(answered.data).toMatchObject({ status: 'Escalated', next_owner: group, question: null });
      const events = await t.events(id, alice);
      expect(events.find((e) => e.details.kind === 'answer')?.details).toMatchObject({ message: 'My work laptop' });
      expect(events.filter((e) => e.eventType === 'Escalation')).toHaveLength(2);

      expect((await t.decide(id, approver, 'approve')).status).toBe(200);
      await t.idle();
      saw('Escalated', 'Completed');
      expect(await t.request(id, alice)).toMatchObject({ status: 'Closed', resolution: 'Completed', decidedBy: 'irene@example.com' });
    });

    it('separation of duties holds for returning too, and only Escalated requests can be returned', async () => {
      const own = await escalated('Salesforce', approver);
      expect(errorOf({ body: (await giveBack(own, approver, 'why?')).error })?.code).toBe('SELF_DECISION');
      expect((await giveBack(own, alice, 'why?')).response.status).toBe(403); // requesters never decide
      const done = await file('Expensify');
      expect(errorOf({ body: (await giveBack(done, approver, 'why?')).error })?.code).toBe('ALREADY_DECIDED');
      const empty = await t.raw('POST', `/api/v1/requests/${own}/return`, { token: admin, body: { question: '  ' } });
      expect(empty.status).toBe(400);
      expect(errorOf(empty)?.message).toContain('question');
    });

    it('deny → Rejected; an approval of an external-store app → PendingExternal', async () => {
      const denied = await escalated();
      await t.decide(denied, approver, 'deny', { comment: 'call the desk' });
      saw('Escalated', 'Rejected');
      saw('Rejected', 'Closed');
      await t.idle();
      expect(await t.request(denied, alice)).toMatchObject({ status: 'Closed', resolution: 'Rejected' });

      // carol holds an admin role: every app of hers is escalated, the external one included.
      const carol = await t.token('carol@example.com');
      const ext = await escalated('Mainframe', carol);
      expect((await t.decide(ext, approver, 'approve')).data?.status).toBe('PendingExternal');
      saw('Escalated', 'PendingExternal');
    });
  });

  describe('a reset outside resetdesk', () => {
    const record = (id: string, token: string, outcome: 'Completed' | 'Failed', comment?: string) =>
      t
        .client(token)
        .POST('/api/v1/requests/{id}/resolve-external', { params: { path: { id } }, body: { outcome, ...(comment ? { comment } : {}) } });

    it('an approver records the result: Completed With Success, or With Failure; the requester is told', async () => {
      const ok = await file('Mainframe');
      expect((await t.request(ok, alice)).status).toBe('PendingExternal');
      expect((await record(ok, alice, 'Completed')).response.status).toBe(403); // requesters never record it
      const done = await record(ok, approver, 'Completed');
      expect(done.data).toMatchObject({ status: 'Completed' });
      saw('PendingExternal', 'Completed');
      await t.idle();
      expect(await t.request(ok, alice)).toMatchObject({ status: 'Closed', resolution: 'Completed' });
      expect(errorOf({ body: (await record(ok, approver, 'Failed')).error })?.code).toBe('NOT_PENDING_EXTERNAL');

      const bad = await file('Mainframe');
      const failed = await record(bad, admin, 'Failed', 'the mainframe account is locked by RACF');
      expect(failed.data).toMatchObject({ status: 'Failed', statusLabel: 'Completed With Failure' });
      saw('PendingExternal', 'Failed');
      await t.idle();
      saw('Failed', 'Closed');
      const r = await t.request(bad, alice);
      expect(r).toMatchObject({ status: 'Closed', resolution: 'Failed' });
      expect(t.mailTo('alice@example.com').at(-1)?.text).toContain('the mainframe account is locked by RACF');
    });

    it('never for your own account', async () => {
      const own = await file('Mainframe', approver);
      expect(errorOf({ body: (await record(own, approver, 'Completed')).error })?.code).toBe('SELF_DECISION');
    });
  });

  describe('cancel', () => {
    it('the requester cancels an Escalated request: Cancelled, told once, then Closed', async () => {
      const id = await file('Salesforce');
      const res = await cancel(id, alice, 'found my password');
      expect(res.response.status).toBe(200);
      expect(res.data).toMatchObject({ status: 'Cancelled', decision: 'Cancelled' });
      saw('Escalated', 'Cancelled');
      await t.idle();
      const r = await t.request(id, alice);
      expect(r).toMatchObject({ status: 'Closed', resolution: 'Cancelled' });
      expect(r.rationale).toBe('Cancelled by the requester: found my password');
      expect(subjects('alice@example.com').filter((s) => /cancel/i.test(s))).toHaveLength(1);
      const closure = (await t.events(id, alice)).filter((e) => e.eventType === 'Closure');
      expect(closure).toHaveLength(1);
      expect(errorOf({ body: (await cancel(id, alice)).error })?.code).toBe('NOT_OPEN');
    });

    it('who may cancel: not another requester (404), not a plain approver (403), an admin yes', async () => {
      const id = await file('Salesforce');
      expect((await cancel(id, bob)).response.status).toBe(404);
      expect(errorOf({ body: (await cancel(id, approver)).error })?.code).toBe('FORBIDDEN');
      expect((await cancel(id, admin, 'duplicate of a phone call')).data?.status).toBe('Cancelled');
      await t.idle();
      expect((await t.request(id, alice)).rationale).toBe('Cancelled by an admin (root@example.com): duplicate of a phone call');
    });

    it('an approved reset in progress cannot be cancelled', async () => {
      const id = await file('Salesforce');
      t.sandbox.failNext(3, { pathPrefix: '/api/v1/users', method: 'POST' }); // the reset job retries
      await t.decide(id, approver, 'approve');
      expect(errorOf({ body: (await cancel(id, alice)).error })?.code).toBe('ALREADY_DECIDED');
      await t.idle();
      expect(await t.request(id, alice)).toMatchObject({ resolution: 'Completed' });
    });

    it('cancels Waiting, Triaging, New and PendingExternal requests', async () => {
      const waiting = await file('jira');
      expect((await cancel(waiting, alice)).data?.status).toBe('Cancelled');

      const external = await file('Mainframe');
      saw('Triaging', 'PendingExternal');
      expect((await cancel(external, alice)).data?.status).toBe('Cancelled');
      saw('PendingExternal', 'Cancelled');

      // Okta failing keeps triage retrying (backing off): the request sits in Triaging.
      t.sandbox.failNext(8, { pathPrefix: '/api/v1/users', method: 'GET' });
      const res = await t.create(alice, { app: 'Intranet', justification: 'x' });
      const triaging = res.data!.request_id;
      await t.waitForStatus(triaging, alice, ['Triaging']);
      expect((await cancel(triaging, alice)).data?.status).toBe('Cancelled');
      saw('Triaging', 'Cancelled');

      // With the worker stopped, a request stays New.
      await t.app.worker.stop();
      try {
        const fresh = (await t.create(alice, { app: 'Payroll', justification: 'x' })).data!.request_id;
        expect((await t.request(fresh, alice)).status).toBe('New');
        expect((await cancel(fresh, alice)).data?.status).toBe('Cancelled');
        saw('New', 'Cancelled');
      } finally {
        t.app.worker.start();
      }
      await t.idle();
    });
  });

  describe('cooldown and duplicates', () => {
    it('a second identical open request answers with the first (200), and is audited', async () => {
      const first = await file('Salesforce');
      const again = await t.create(alice, { app: ' salesforce ', justification: 'still locked out' });
      expect(again.status).toBe(200);
      expect(again.data).toEqual({ request_id: first, status: 'Escalated', existing: true });
      expect((await t.events(first, alice)).filter((e) => e.details.kind === 'duplicate')).toHaveLength(1);
      // Another app, or once the first is closed: a new request.
      expect((await t.create(alice, { app: 'AWS Console', justification: 'x' })).status).toBe(201);
      await cancel(first, alice);
      expect((await t.create(alice, { app: 'Salesforce', justification: 'x' })).status).toBe(201);
    });

    it('refuses a reset beyond the policy’s cooldown with 429 and Retry-After, audited; the window passes', async () => {
      for (let i = 0; i < 3; i++) {
        // Each reset done and closed before the next is filed: an open one would be answered as a duplicate (200).
        const id = await file('Expensify', grace);
        expect(await t.request(id, grace)).toMatchObject({ status: 'Closed', resolution: 'Completed' });
      }
      const refused = await t.create(grace, { app: 'expensify', justification: 'again' });
      expect(refused.status).toBe(429);
      expect(errorOf({ body: refused.error })).toMatchObject({ code: 'RESET_COOLDOWN' });
      expect(errorOf({ body: refused.error })?.message).toContain('reset 3 times in the last 24 hours');
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(23 * 3600);
      expect(retryAfter).toBeLessThanOrEqual(24 * 3600);
      const { data } = await t.client(grace).GET('/api/v1/requests', { params: { query: { limit: 10 } } });
      expect(data?.requests).toHaveLength(3); // nothing stored for the refusal…
      const audited = await t.events(data!.requests[0]!.request_id, grace);
      expect(audited.filter((e) => e.details.kind === 'cooldown')).toHaveLength(1); // …but it is on the record
      // Another app is not limited; after the window, Expensify is allowed again.
      expect((await t.create(grace, { app: 'Payroll', justification: 'x' })).status).toBe(201);
      clock.advance(24 * HOUR + 60_000);
      expect((await t.create(grace, { app: 'Expensify', justification: 'x' })).status).toBe(201);
    });

    it('filed by an intake channel for someone: the person is told at once', async () => {
      const intake = await t.token('kiosk@example.com', 'intake');
      const res = await t.create(intake, { app: 'Payroll', justification: 'x', requester: 'erin@example.com' });
      expect(res.status).toBe(201);
      await t.idle();
      expect(subjects('erin@example.com')[0]).toMatch(/received/i);
    });
  });

  it('every transition of the lifecycle table was made through the API above (Verifying’s in verification.test.ts)', () => {
    const table = Object.entries(TRANSITIONS).flatMap(([from, tos]) => tos.map((to) => `${from}>${to}`));
    // With the default policy nobody is asked to verify; test/verification.test.ts makes these
    // through the API: a push approved / rejected / timed out twice, a code, a restart.
    const verification = [
      'Triaging>Verifying',
      'Verifying>Triaging',
      'Verifying>Escalated',
      'Verifying>Waiting',
      'Waiting>Verifying',
      'Verifying>Cancelled',
    ];
    expect(table.filter((tr) => !covered.has(tr) && !verification.includes(tr))).toEqual([]);
  });
});
