import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PolicyInput } from '../src/domain/policy.js';
import { setClock, testClock } from '../src/time.js';
import { DIALECTS } from './helpers/databases.js';
import { errorOf, startTestContext, type TestContext } from './helpers/test-context.js';
import { FACTORS, USERS } from './helpers/test-org.js';

/**
 * Verifying the person before anything acts: a push approved, rejected or left unanswered; codes
 * right and wrong (TOTP typed in, SMS sent by Okta); the channel levels and the raises; and the
 * rule that a reset link never goes out before the proof.
 */
const POLICY = (verification: Record<string, unknown>): PolicyInput => ({
  version: 'test-verification',
  cooldown: { maxResets: 0 },
  verification,
});

describe.each(DIALECTS)('verifying the requester on %s', (dialect) => {
  let t: TestContext;
  let alice: string;
  let bob: string;
  let approver: string;
  const clock = testClock();

  beforeAll(async () => {
    setClock(clock);
    // Personal API tokens must verify (auto: a push when enrolled, else a code).
    t = await startTestContext(dialect, { policy: POLICY({ api: 'auto' }), env: { DUPLICATE_REQUESTS: 'allow' } });
    alice = await t.token('alice@example.com');
    bob = await t.token('bob@example.com');
    approver = await t.token('irene@example.com', 'approver');
  });
  afterAll(async () => {
    await t?.close();
    setClock(null);
  });
  beforeEach(async () => {
    await t.idle();
    t.mailbox.clear();
    t.sandbox.clearCalls();
  });

  async function file(token: string, app: string) {
    const res = await t.create(token, { app, justification: 'locked out' });
    expect(res.status, JSON.stringify(res.error)).toBe(201);
    await t.idle();
    return res.data!.request_id;
  }
  const verify = (id: string, token: string, body: { factorId?: string; passCode?: string } = {}) =>
    t.client(token).POST('/api/v1/requests/{id}/verify', { params: { path: { id } }, body });
  const pushFor = (userId: string) => t.sandbox.pendingPushes().filter((p) => p.userId === userId);

  it('push approved on the phone → the decision is carried out: the reset link goes out only then', async () => {
    const id = await file(alice, 'Expensify');
    const waiting = await t.request(id, alice);
    expect(waiting).toMatchObject({ status: 'Verifying', verification: { level: 'auto', codes: [], attemptsLeft: 3, verifiedAt: null } });
    expect(waiting.verification?.push?.expiresAt).toBeTruthy();
    expect(t.mailTo('alice@example.com')).toHaveLength(0); // no link before the proof
    const [push] = pushFor(USERS.alice);
    expect(push).toBeDefined();
    expect(waiting.verification?.push?.numberChallenge ?? null).toBe(push!.correctAnswer);

    t.sandbox.answerPush(push!.transactionId, 'approve');
    clock.advance(5_000); // the next read of the transaction falls due
    await t.idle();
    const done = await t.request(id, alice);
    expect(done).toMatchObject({ status: 'Closed', resolution: 'Completed', ruleId: 'swa_self_service' });
    expect(done.verification?.verifiedAt).toBeTruthy();
    expect(t.mailTo('alice@example.com').map((m) => m.subject)).toEqual(['Expensify password reset']);
    const steps = (await t.events(id, alice)).filter((e) => e.details.kind === 'verification').map((e) => e.details.step);
    expect(steps).toEqual(['started', 'verified']);
  });

  it('push rejected → Escalated at High as a possible takeover, approvers told, no link', async () => {
    const id = await file(alice, 'Expensify');
    t.sandbox.answerPush(pushFor(USERS.alice)[0]!.transactionId, 'reject');
    clock.advance(5_000);
    await t.idle();
    const r = await t.request(id, alice);
    expect(r).toMatchObject({ status: 'Escalated', priority: 'High', ruleId: 'verification_rejected' });
    expect(r.rationale).toContain('possible account takeover');
    const subjects = t.mailbox.messages().map((m) => m.subject);
    expect(subjects).not.toContain('Expensify password reset');
    expect(subjects.filter((s) => s.endsWith('approval needed')).length).toBeGreaterThan(0);
    expect(t.mailTo('alice@example.com').map((m) => m.subject)).toEqual(['Expensify password reset: waiting for approval']);
  });

  it('push not answered → returned to the requester once; started again; a second timeout cancels', async () => {
    const id = await file(alice, 'Expensify');
    clock.advance(121_000);
    await t.idle();
    const returned = await t.request(id, alice);
    expect(returned).toMatchObject({ status: 'Waiting', question: { reason: 'verification_timeout' }, next_owner: 'alice@example.com' });

    const again = await verify(id, alice);
    expect(again.data?.status).toBe('Verifying');
    expect(pushFor(USERS.alice).length).toBeGreaterThan(0);
    clock.advance(121_000);
    await t.idle();
    const r = await t.request(id, alice);
    expect(r).toMatchObject({ status: 'Closed', resolution: 'Cancelled' });
    expect(r.rationale).toContain('not answered, twice');
  });

  it('only the requester may verify', async () => {
    const id = await file(alice, 'Expensify');
    expect((await verify(id, bob, { factorId: FACTORS.aliceTotp, passCode: '123456' })).response.status).toBe(404);
    expect(errorOf({ body: (await verify(id, approver)).error })?.code).toBe('FORBIDDEN');
    await t.client(alice).POST('/api/v1/requests/{id}/cancel', { params: { path: { id } }, body: {} });
  });
});

describe.each(DIALECTS)('verification by code on %s', (dialect) => {
  let t: TestContext;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    // any_factor: the push goes out, and a code typed in is accepted too.
    t = await startTestContext(dialect, { policy: POLICY({ api: 'any_factor' }), env: { DUPLICATE_REQUESTS: 'allow' } });
    alice = await t.token('alice@example.com');
    bob = await t.token('bob@example.com');
  });
  afterAll(async () => t?.close());
  beforeEach(async () => {
    await t.idle();
    t.mailbox.clear();
  });

  async function file(token: string, app: string) {
    const res = await t.create(token, { app, justification: 'locked out' });
    await t.idle();
    return res.data!.request_id;
  }
  const verify = (id: string, token: string, body: { factorId?: string; passCode?: string }) =>
    t.client(token).POST('/api/v1/requests/{id}/verify', { params: { path: { id } }, body });

  it('the right TOTP code verifies; the code is never in the audit log', async () => {
    const id = await file(alice, 'Expensify');
    const r = await t.request(id, alice);
    expect(r.verification?.codes.map((c) => c.factorId)).toEqual([FACTORS.aliceTotp]);
    const code = t.sandbox.totpCode(USERS.alice);
    const res = await verify(id, alice, { factorId: FACTORS.aliceTotp, passCode: code });
    expect(res.response.status).toBe(200);
    await t.idle();
    expect(await t.request(id, alice)).toMatchObject({ status: 'Closed', resolution: 'Completed' });
    const log = JSON.stringify(await t.events(id, alice));
    expect(log).not.toContain(code);
    expect(log).toContain('[withheld]');
  });

  it('wrong codes count down, then escalate at High; audited, and the codes are not kept', async () => {
    const id = await file(alice, 'Expensify');
    const first = await verify(id, alice, { factorId: FACTORS.aliceTotp, passCode: '000001' });
    expect(first.response.status).toBe(400);
    expect(errorOf({ body: first.error })).toMatchObject({ code: 'VERIFICATION_FAILED', details: { attemptsLeft: 2 } });
    expect((await t.request(id, alice)).verification?.attemptsLeft).toBe(2);
    await verify(id, alice, { factorId: FACTORS.aliceTotp, passCode: '000002' });
    const last = await verify(id, alice, { factorId: FACTORS.aliceTotp, passCode: '000003' });
    expect(errorOf({ body: last.error })).toMatchObject({ code: 'VERIFICATION_FAILED', details: { attemptsLeft: 0 } });
    await t.idle();
    const r = await t.request(id, alice);
    expect(r).toMatchObject({ status: 'Escalated', priority: 'High', ruleId: 'verification_failed' });
    const events = await t.events(id, alice);
    expect(events.filter((e) => e.details.step === 'wrong_code')).toHaveLength(3);
    // The codes typed (000001…000003) are nowhere in what was recorded; ids are random and may hold those digits.
    expect(JSON.stringify(events.map((e) => e.details))).not.toMatch(/00000[123]/);
    // Verification is over: no more codes are taken.
    expect(errorOf({ body: (await verify(id, alice, { factorId: FACTORS.aliceTotp, passCode: '123456' })).error })?.code).toBe(
      'NOT_VERIFYING',
    );
  });

  it('an SMS code: Okta sends it on request, and it verifies; the decision (an escalation) follows', async () => {
    const id = await file(bob, 'Salesforce');
    const r = await t.request(id, bob);
    expect(r.verification?.codes.map((c) => [c.factorType, c.issue, c.codeSent])).toEqual([
      ['sms', true, false],
      ['email', true, false],
    ]);
    const sent = await verify(id, bob, { factorId: FACTORS.bobSms });
    expect(sent.data?.verification?.codes[0]?.codeSent).toBe(true);
    const sms = t.sandbox
      .sentCodes()
      .filter((c) => c.factorId === FACTORS.bobSms)
      .at(-1);
    expect(sms).toBeDefined();
    // A factor that is not on offer is a 400 naming the field.
    expect(errorOf({ body: (await verify(id, bob, { factorId: 'nope', passCode: '123456' })).error })?.code).toBe('VALIDATION_FAILED');
    expect((await verify(id, bob, { factorId: FACTORS.bobSms, passCode: sms!.code })).response.status).toBe(200);
    await t.idle();
    expect(await t.request(id, bob)).toMatchObject({ status: 'Escalated', ruleId: 'sso_requires_approval' });
  });
});

describe.each(DIALECTS)('who is verified on %s', (dialect) => {
  let t: TestContext;

  beforeAll(async () => {
    // The defaults for every channel, but intake tokens must verify and sensitive apps need a push.
    t = await startTestContext(dialect, { policy: POLICY({ intake: 'auto', sensitiveApps: 'push' }) });
  });
  afterAll(async () => t?.close());

  it('personal API tokens: none by default — the link goes out at once', async () => {
    const alice = await t.token('alice@example.com');
    const res = await t.create(alice, { app: 'Expensify', justification: 'x' });
    await t.idle();
    expect(await t.request(res.data!.request_id, alice)).toMatchObject({ status: 'Closed', resolution: 'Completed', verification: null });
  });

  it('intake: auto → the person filed for must approve a push first', async () => {
    const intake = await t.token('kiosk@example.com', 'intake');
    const res = await t.create(intake, { app: 'Expensify', justification: 'x', requester: 'alice@example.com' });
    await t.idle();
    expect((await t.request(res.data!.request_id, intake)).status).toBe('Verifying');
  });

  it('a sensitive app raises the level: a push even for an API token', async () => {
    const bob = await t.token('bob@example.com');
    const res = await t.create(bob, { app: 'AWS Console', justification: 'x' });
    await t.idle();
    expect(await t.request(res.data!.request_id, bob)).toMatchObject({ status: 'Verifying', verification: { level: 'push' } });
  });

  it('nobody to verify with: a human takes over at High priority', async () => {
    const intake = await t.token('kiosk@example.com', 'intake');
    // frank's only factor is not active yet.
    const res = await t.create(intake, { app: 'Expensify', justification: 'x', requester: 'frank@example.com' });
    await t.idle();
    expect(await t.request(res.data!.request_id, intake)).toMatchObject({
      status: 'Escalated',
      priority: 'High',
      ruleId: 'verification_unavailable',
    });
  });

  it('a denial needs no proof', async () => {
    const intake = await t.token('kiosk@example.com', 'intake');
    const res = await t.create(intake, { app: 'Workday', justification: 'x', requester: 'alice@example.com' });
    await t.idle();
    expect(await t.request(res.data!.request_id, intake)).toMatchObject({ resolution: 'Rejected', verification: null });
  });
});
