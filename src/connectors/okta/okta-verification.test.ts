import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ALICE_TOTP_SECRET, FACTORS, testFixture, USERS } from '../../../test/helpers/test-org.js';
import { type OktaSandbox, startOktaSandbox, totpCode } from '../../okta-sandbox/index.js';
import { setClock, type TestClock, testClock } from '../../time.js';
import { createOktaConnector, type OktaConnectorOptions } from './index.js';
import type { OktaLogger } from './okta-http.js';

/**
 * "Verify the person" and what follows a reset, against the real sandbox over HTTP: pushes
 * (approved, rejected, expired), TOTP and SMS / email codes, unlock, sessions, the System Log.
 */

let sandbox: OktaSandbox;
let clock: TestClock;
beforeEach(async () => {
  clock = testClock();
  setClock(clock);
  sandbox = await startOktaSandbox({ fixture: testFixture() });
});
afterEach(async () => {
  await sandbox.close();
  setClock(null);
});

function connector(opts: OktaConnectorOptions = {}, extra: Record<string, unknown> = {}) {
  return createOktaConnector(
    { orgUrl: sandbox.url, auth: { kind: 'ssws', token: sandbox.apiToken }, ...extra },
    { sleep: async () => {}, ...opts },
  );
}

const calls = () => sandbox.calls().map((c) => `${c.method} ${c.path} ${c.status}`);

/** A logger that keeps everything it is given, as text. */
function capturingLogger(): OktaLogger & { text(): string } {
  const lines: string[] = [];
  const keep = (obj: object, msg?: string) => lines.push(`${msg ?? ''} ${JSON.stringify(obj)}`);
  return { debug: keep, info: keep, warn: keep, text: () => lines.join('\n') };
}

describe('push', () => {
  it('a push for a factor listFactors reported asks for number matching; approved on the phone → SUCCESS', async () => {
    const okta = connector();
    await okta.listFactors(USERS.alice);
    const sent = await okta.verifyFactor(USERS.alice, FACTORS.alicePush);
    expect(sent).toEqual({
      result: 'WAITING',
      pollUrl: expect.stringMatching(new RegExp(`^${sandbox.url}/api/v1/users/${USERS.alice}/factors/${FACTORS.alicePush}/transactions/`)),
      numberChallenge: expect.any(Number),
      expiresAt: expect.any(String),
    });
    const [pending] = sandbox.pendingPushes();
    expect(pending).toMatchObject({ userId: USERS.alice, correctAnswer: sent.numberChallenge });
    expect(await okta.pollFactorTransaction(sent.pollUrl ?? '')).toMatchObject({ result: 'WAITING', pollUrl: sent.pollUrl });
    sandbox.answerPush(pending?.transactionId ?? '', 'approve');
    expect(await okta.pollFactorTransaction(sent.pollUrl ?? '')).toEqual({
      result: 'SUCCESS',
      pollUrl: null,
      numberChallenge: null,
      expiresAt: null,
    });
    expect(calls()).toEqual([
      `GET /api/v1/users/${USERS.alice}/factors 200`,
      `POST /api/v1/users/${USERS.alice}/factors/${FACTORS.alicePush}/verify 201`,
      `GET /api/v1/users/${USERS.alice}/factors/${FACTORS.alicePush}/transactions/${pending?.transactionId} 200`,
      `GET /api/v1/users/${USERS.alice}/factors/${FACTORS.alicePush}/transactions/${pending?.transactionId} 200`,
    ]);
  });

  it('a factor the connector has not seen gets a plain push (no number); denied on the phone → REJECTED', async () => {
    const okta = connector();
    const sent = await okta.verifyFactor(USERS.bob, FACTORS.bobPush);
    expect(sent).toMatchObject({ result: 'WAITING', numberChallenge: null });
    sandbox.answerPush(sandbox.pendingPushes()[0]?.transactionId ?? '', 'reject');
    expect(await okta.pollFactorTransaction(sent.pollUrl ?? '')).toMatchObject({ result: 'REJECTED', pollUrl: null });
  });

  it('a push nobody answers before expiresAt → TIMEOUT (the clock moves, nobody sleeps)', async () => {
    const okta = connector();
    const sent = await okta.verifyFactor(USERS.alice, FACTORS.alicePush);
    clock.advance(Date.parse(sent.expiresAt ?? '') - clock() + 1);
    expect(await okta.pollFactorTransaction(sent.pollUrl ?? '')).toMatchObject({ result: 'TIMEOUT' });
  });

  it('is not retried after a 500: OKTA_UNAVAILABLE with outcomeUnknown, one push sent at most', async () => {
    sandbox.failNext(1, { pathPrefix: `/api/v1/users/${USERS.alice}/factors/` });
    const err = await connector()
      .verifyFactor(USERS.alice, FACTORS.alicePush)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'OKTA_UNAVAILABLE', details: { outcomeUnknown: true, attempts: 1 } });
    expect(calls()).toEqual([`POST /api/v1/users/${USERS.alice}/factors/${FACTORS.alicePush}/verify 500`]);
  });

  it('refuses a poll link on another origin, or not a factor transaction, without calling anyone', async () => {
    const elsewhere = await startOktaSandbox({ fixture: testFixture() });
    try {
      const okta = connector();
      const sent = await okta.verifyFactor(USERS.alice, FACTORS.alicePush);
      const path = new URL(sent.pollUrl ?? '').pathname;
      for (const link of [
        `${elsewhere.url}${path}`,
        `${sandbox.url.replace('127.0.0.1', 'localhost')}${path}`,
        `${sandbox.url}/api/v1/users/${USERS.alice}/lifecycle/reset_password`,
        `${sandbox.url}${path}?x=1`,
        'not a url',
      ]) {
        await expect(okta.pollFactorTransaction(link)).rejects.toMatchObject({
          code: 'OKTA_ERROR',
          message: expect.stringMatching(/^Refusing/),
        });
      }
      expect(elsewhere.calls()).toEqual([]);
      expect(calls()).toHaveLength(1); // the verify only
    } finally {
      await elsewhere.close();
    }
  });
});

describe('codes', () => {
  it('TOTP: the right code → SUCCESS, a wrong one → REJECTED (Okta’s 403 E0000068 is an answer)', async () => {
    const okta = connector();
    const code = sandbox.totpCode(USERS.alice);
    expect(code).toBe(totpCode(ALICE_TOTP_SECRET, clock()));
    expect(await okta.verifyFactor(USERS.alice, FACTORS.aliceTotp, { passCode: code })).toEqual({
      result: 'SUCCESS',
      pollUrl: null,
      numberChallenge: null,
      expiresAt: null,
    });
    const wrong = code === '123456' ? '654321' : '123456';
    expect(await okta.verifyFactor(USERS.alice, FACTORS.aliceTotp, { passCode: wrong })).toMatchObject({ result: 'REJECTED' });
    expect(calls()).toEqual([
      `POST /api/v1/users/${USERS.alice}/factors/${FACTORS.aliceTotp}/verify 200`,
      `POST /api/v1/users/${USERS.alice}/factors/${FACTORS.aliceTotp}/verify 403`,
    ]);
  });

  it.each([
    ['SMS', FACTORS.bobSms, 'sms'],
    ['email', FACTORS.bobEmail, 'email'],
  ])('%s: no code sends one (CHALLENGE); then the code → SUCCESS, a wrong one → REJECTED', async (_name, factorId, factorType) => {
    const okta = connector();
    expect(await okta.verifyFactor(USERS.bob, factorId)).toMatchObject({ result: 'CHALLENGE', pollUrl: null });
    const [sent] = sandbox.sentCodes();
    expect(sent).toMatchObject({ userId: USERS.bob, factorId, factorType });
    const wrong = sent?.code === '000000' ? '111111' : '000000';
    expect(await okta.verifyFactor(USERS.bob, factorId, { passCode: wrong })).toMatchObject({ result: 'REJECTED' });
    expect(await okta.verifyFactor(USERS.bob, factorId, { passCode: sent?.code ?? '' })).toMatchObject({ result: 'SUCCESS' });
  });

  it('never logs the pass code, nor puts it in an error', async () => {
    const logger = capturingLogger();
    const okta = connector({ logger });
    const secret = '987123';
    await okta.verifyFactor(USERS.alice, FACTORS.aliceTotp, { passCode: secret });
    sandbox.failNext(1, { pathPrefix: `/api/v1/users/${USERS.alice}/factors/` });
    const err = await okta.verifyFactor(USERS.alice, FACTORS.aliceTotp, { passCode: secret }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'OKTA_UNAVAILABLE' });
    expect(logger.text()).toContain('okta response'); // the logger did log these calls
    expect(logger.text()).not.toContain(secret);
    expect(JSON.stringify({ message: (err as Error).message, details: (err as { details?: unknown }).details })).not.toContain(secret);
  });

  it('an unknown factor is OKTA_ERROR 404 E0000007', async () => {
    await expect(connector().verifyFactor(USERS.alice, 'opfNope0000000000000')).rejects.toMatchObject({
      code: 'OKTA_ERROR',
      httpStatus: 404,
      oktaErrorCode: 'E0000007',
    });
  });
});

describe('unlock and sessions', () => {
  it('unlockUser: LOCKED_OUT → ACTIVE; a user not locked out is OKTA_ERROR E0000032', async () => {
    const okta = connector();
    await okta.unlockUser(USERS.grace);
    expect(sandbox.state.users.get(USERS.grace)?.status).toBe('ACTIVE');
    await expect(okta.unlockUser(USERS.grace)).rejects.toMatchObject({ code: 'OKTA_ERROR', httpStatus: 403, oktaErrorCode: 'E0000032' });
    expect(calls()).toEqual([
      `POST /api/v1/users/${USERS.grace}/lifecycle/unlock 200`,
      `POST /api/v1/users/${USERS.grace}/lifecycle/unlock 403`,
    ]);
  });

  it('unlockUser is retried after a 500 (doing it twice changes nothing)', async () => {
    sandbox.failNext(1, { pathPrefix: `/api/v1/users/${USERS.grace}/lifecycle/unlock` });
    await connector().unlockUser(USERS.grace);
    expect(calls()).toEqual([
      `POST /api/v1/users/${USERS.grace}/lifecycle/unlock 500`,
      `POST /api/v1/users/${USERS.grace}/lifecycle/unlock 200`,
    ]);
  });

  it('clearUserSessions: DELETE …/sessions, 204, and the user has no session left', async () => {
    expect(sandbox.sessionCount(USERS.dave)).toBe(1);
    await connector().clearUserSessions(USERS.dave);
    expect(sandbox.sessionCount(USERS.dave)).toBe(0);
    expect(calls()).toEqual([`DELETE /api/v1/users/${USERS.dave}/sessions 204`]);
    await expect(connector().clearUserSessions('00uNobody00000000000')).rejects.toMatchObject({ httpStatus: 404 });
  });
});

describe('listPasswordEvents', () => {
  const TYPES = ['user.account.reset_password', 'user.account.update_password'] as const;

  it('reads the user’s reset and new password, oldest first, in one call when they fit a page', async () => {
    const since = new Date(clock() - 1).toISOString();
    const okta = connector();
    await okta.resetPassword(USERS.alice);
    clock.advance(60_000);
    sandbox.completePasswordChange(USERS.bob); // not alice's
    sandbox.completePasswordChange(USERS.alice);
    sandbox.clearCalls();
    const events = await okta.listPasswordEvents(USERS.alice, since, TYPES);
    expect(events).toEqual([
      { uuid: expect.any(String), eventType: 'user.account.reset_password', published: expect.any(String), outcome: 'SUCCESS' },
      { uuid: expect.any(String), eventType: 'user.account.update_password', published: expect.any(String), outcome: 'SUCCESS' },
    ]);
    expect(sandbox.calls()).toHaveLength(1);
    expect(sandbox.calls()[0]?.query).toEqual({
      since,
      filter: `target.id eq "${USERS.alice}" and (eventType eq "user.account.reset_password" or eventType eq "user.account.update_password")`,
      sortOrder: 'ASCENDING',
      limit: '100',
    });
    expect(await okta.listPasswordEvents(USERS.alice, new Date(clock() + 1).toISOString(), TYPES)).toEqual([]);
    expect(await okta.listPasswordEvents(USERS.alice, since, [])).toEqual([]);
  });

  it('follows next links across full pages (more events than one page), and stops at the short page', async () => {
    const since = new Date(clock() - 1).toISOString();
    const target = [{ id: USERS.carol, type: 'User', alternateId: 'carol@example.com', displayName: 'Carol Tester' }];
    for (let i = 0; i < 230; i++) {
      sandbox.state.systemLog.record({
        eventType: i % 2 ? 'user.account.update_password' : 'user.session.start',
        actor: target[0] as (typeof target)[0],
        target,
        published: new Date(clock() + i).toISOString(),
      });
    }
    const events = await connector().listPasswordEvents(USERS.carol, since, ['user.account.update_password']);
    expect(events).toHaveLength(115);
    expect(events.map((e) => e.published)).toEqual([...events.map((e) => e.published)].sort());
    expect(new Set(events.map((e) => e.uuid)).size).toBe(115);
    expect(sandbox.calls().map((c) => c.query.after === undefined)).toEqual([true, false]);
  });
});
