import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { oktaSandboxCommand } from '../cli/okta-sandbox.command.js';
import { setClock, testClock } from '../time.js';
import { DEMO_FIXTURE_PATH, loadFixtureFile, type OktaSandbox, startOktaSandbox } from './index.js';
import { base32Decode, totpCode, totpMatches } from './totp.js';

/** Factor verification, unlock, sessions and the System Log in the sandbox, over HTTP; plus its control routes. */

let sb: OktaSandbox;
const clock = testClock();
beforeEach(async () => {
  setClock(clock);
  sb = await startOktaSandbox({ fixture: loadFixtureFile(DEMO_FIXTURE_PATH) });
});
afterEach(async () => {
  await sb.close();
  setClock(null);
});

const ALICE = '00uYlBhaBjP6F04MCQFq'; // push
const ALICE_PUSH = 'opfDbu1W18VvvSd1oGtn';
const BOB = '00u39ogfamXfiN661lQB'; // Google TOTP
const BOB_TOTP = 'uftUPCMteWrOj5Sq9LJ5';
const GRACE = '00upE2dw3M7CBP6lxASU'; // LOCKED_OUT, push
const HENRY = '00uLJo2MhalpgEH3Fmk3'; // TOTP PENDING_ACTIVATION
const HENRY_TOTP = 'osttXho2pcBPX64S3Mqm';
const IRENE = '00uJLVyJgW4HTxHLpkpl'; // SMS
const IRENE_SMS = 'mblizNtQ2I6wYBHag9Ib';
const ERIN = '00uOHACP6amIojWLfHSO'; // SUSPENDED, push
const ERIN_PUSH = 'opfJriBCLtyakNoCYErT';

const auth = () => ({ Authorization: `SSWS ${sb.apiToken}`, Accept: 'application/json' });

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(`${sb.url}${path}`, {
    method,
    headers: { ...auth(), ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: Okta JSON, read field by field in the assertions
  return { status: res.status, headers: res.headers, body: text === '' ? undefined : (JSON.parse(text) as any) };
}

const verify = (user: string, factor: string, body?: unknown) => call('POST', `/api/v1/users/${user}/factors/${factor}/verify`, body);

describe('TOTP (RFC 6238)', () => {
  it('matches the RFC 6238 SHA-1 test vectors (6 digits)', () => {
    const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'; // "12345678901234567890"
    expect(base32Decode(secret).toString()).toBe('12345678901234567890');
    expect(totpCode(secret, 59_000)).toBe('287082');
    expect(totpCode(secret, 1_111_111_109_000)).toBe('081804');
    expect(totpCode(secret, 1_234_567_890_000)).toBe('005924');
    expect(totpMatches(secret, '287082', 59_000 + 30_000)).toBe(true); // one step late
    expect(totpMatches(secret, '287082', 59_000 + 61_000)).toBe(false);
    expect(totpMatches(secret, '28708', 59_000)).toBe(false);
  });

  it('accepts the current code of a fixture secret and refuses a wrong one with 403 E0000068', async () => {
    const code = sb.totpCode('bob.martinez@example.com');
    expect(totpMatches('BOBDEMOTOTPSECRET234', code, clock())).toBe(true); // the fixture's documented secret
    const ok = await verify(BOB, BOB_TOTP, { passCode: code });
    expect(ok).toMatchObject({ status: 200, body: { factorResult: 'SUCCESS' } });
    const wrong = await verify(BOB, BOB_TOTP, { passCode: code === '000000' ? '111111' : '000000' });
    expect(wrong.status).toBe(403);
    expect(wrong.body).toMatchObject({ errorCode: 'E0000068', errorSummary: 'Invalid Passcode/Answer' });
  });

  it('a TOTP factor needs a passCode (400), and one not ACTIVE cannot be verified (400)', async () => {
    expect(await verify(BOB, BOB_TOTP)).toMatchObject({ status: 400, body: { errorCode: 'E0000001' } });
    expect(await verify(HENRY, HENRY_TOTP, { passCode: '123456' })).toMatchObject({ status: 400, body: { errorCode: 'E0000001' } });
  });

  it('GET /sandbox/users/{login}/totp shows the current code', async () => {
    const res = await fetch(`${sb.url}/sandbox/users/bob.martinez@example.com/totp`, { headers: auth() });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ userId: BOB, login: 'bob.martinez@example.com', factorId: BOB_TOTP, code: sb.totpCode(BOB) });
  });
});

describe('push', () => {
  it('201 WAITING with poll and cancel links; pending until the phone approves', async () => {
    const sent = await verify(ALICE, ALICE_PUSH);
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({
      factorResult: 'WAITING',
      expiresAt: expect.any(String),
      profile: { credentialId: 'alice.nguyen@example.com' },
      _links: {
        poll: { href: expect.stringContaining(`/api/v1/users/${ALICE}/factors/${ALICE_PUSH}/transactions/`) },
        cancel: { href: expect.any(String) },
      },
    });
    expect(sent.body._embedded).toBeUndefined(); // a plain push: no number challenge
    expect(Date.parse(sent.body.expiresAt) - clock()).toBeGreaterThan(4 * 60_000);
    const pollPath = new URL(sent.body._links.poll.href).pathname;
    expect((await call('GET', pollPath)).body).toMatchObject({ factorResult: 'WAITING' });

    const [pending] = sb.pendingPushes();
    expect(sb.pendingPushes()).toHaveLength(1);
    expect(pending).toMatchObject({ userId: ALICE, login: 'alice.nguyen@example.com', factorId: ALICE_PUSH, correctAnswer: null });
    expect(pollPath.endsWith(`/${pending?.transactionId}`)).toBe(true);
    sb.answerPush(pending?.transactionId ?? '', 'approve');
    expect(await call('GET', pollPath)).toMatchObject({ status: 200, body: { factorResult: 'SUCCESS' } });
    expect(sb.pendingPushes()).toEqual([]);
    expect(() => sb.answerPush(pending?.transactionId ?? '', 'reject')).toThrow(/not WAITING/);
  });

  it('a number matching push carries the correct answer; the control routes list and reject it', async () => {
    const sent = await verify(GRACE, 'opfGD7DGGD3qE9U26wNX', { useNumberMatchingChallenge: true }); // LOCKED_OUT may verify
    expect(sent.status).toBe(201);
    const answer = sent.body._embedded.challenge.correctAnswer as number;
    expect(answer).toBeGreaterThanOrEqual(10);
    const list = await fetch(`${sb.url}/sandbox/push`, { headers: auth() });
    const pending = (await list.json()) as { transactionId: string; login: string; correctAnswer: number }[];
    expect(pending).toEqual([expect.objectContaining({ login: 'grace.park@example.com', correctAnswer: answer })]);
    expect((await fetch(`${sb.url}/sandbox/push`)).status).toBe(401); // the token is required
    const rejected = await fetch(`${sb.url}/sandbox/push/${pending[0]?.transactionId}/reject`, { method: 'POST', headers: auth() });
    expect(rejected.status).toBe(200);
    expect(await rejected.json()).toMatchObject({ factorResult: 'REJECTED', login: 'grace.park@example.com' });
    const polled = await call('GET', new URL(sent.body._links.poll.href).pathname);
    expect(polled.body).toMatchObject({
      factorResult: 'REJECTED',
      profile: { credentialId: 'grace.park@example.com' },
      _links: { verify: {}, factor: {} },
    });
    const again = await fetch(`${sb.url}/sandbox/push/${pending[0]?.transactionId}/approve`, { method: 'POST', headers: auth() });
    expect(again.status).toBe(409);
    expect((await fetch(`${sb.url}/sandbox/push/v2mst.nope/approve`, { method: 'POST', headers: auth() })).status).toBe(404);
    // Control calls are not Okta calls.
    expect(sb.calls().some((c) => c.path.startsWith('/sandbox'))).toBe(false);
  });

  it('answers TIMEOUT once the clock passes expiresAt', async () => {
    const sent = await verify(ALICE, ALICE_PUSH);
    const pollPath = new URL(sent.body._links.poll.href).pathname;
    clock.advance(5 * 60_000 + 1);
    expect((await call('GET', pollPath)).body).toMatchObject({ factorResult: 'TIMEOUT' });
    expect(sb.pendingPushes()).toEqual([]);
  });

  it('404 E0000007 for an unknown user, factor or transaction; 403 E0000038 for a SUSPENDED user', async () => {
    expect(await verify('00uNobody00000000000', ALICE_PUSH)).toMatchObject({ status: 404, body: { errorCode: 'E0000007' } });
    expect(await verify(ALICE, 'opfNope0000000000000')).toMatchObject({ status: 404, body: { errorCode: 'E0000007' } });
    expect(await call('GET', `/api/v1/users/${ALICE}/factors/${ALICE_PUSH}/transactions/v2mst.nope`)).toMatchObject({ status: 404 });
    expect(await verify(ERIN, ERIN_PUSH)).toMatchObject({ status: 403, body: { errorCode: 'E0000038' } });
  });
});

describe('SMS and email codes', () => {
  it('no passCode sends a code (CHALLENGE); the code then verifies once; a wrong one is 403 E0000068', async () => {
    const challenge = await verify(IRENE, IRENE_SMS);
    expect(challenge).toMatchObject({ status: 200, body: { factorResult: 'CHALLENGE', _links: { verify: {}, factor: {} } } });
    const [sent] = sb.sentCodes();
    expect(sent).toMatchObject({ userId: IRENE, factorId: IRENE_SMS, factorType: 'sms', code: expect.stringMatching(/^\d{6}$/) });
    const codes = await (await fetch(`${sb.url}/sandbox/codes?user=irene.costa@example.com`, { headers: auth() })).json();
    expect(codes).toEqual([sent]);
    const wrong = sent?.code === '000000' ? '111111' : '000000';
    expect(await verify(IRENE, IRENE_SMS, { passCode: wrong })).toMatchObject({ status: 403, body: { errorCode: 'E0000068' } });
    expect(await verify(IRENE, IRENE_SMS, { passCode: sent?.code })).toMatchObject({ status: 200, body: { factorResult: 'SUCCESS' } });
    expect(await verify(IRENE, IRENE_SMS, { passCode: sent?.code })).toMatchObject({ status: 403 }); // used
  });

  it('an expired code is refused', async () => {
    await verify(IRENE, IRENE_SMS);
    const code = sb.sentCodes()[0]?.code;
    clock.advance(5 * 60_000 + 1);
    expect(await verify(IRENE, IRENE_SMS, { passCode: code })).toMatchObject({ status: 403, body: { errorCode: 'E0000068' } });
  });

  it('a body that is not JSON is 400 E0000003', async () => {
    const res = await fetch(`${sb.url}/api/v1/users/${IRENE}/factors/${IRENE_SMS}/verify`, {
      method: 'POST',
      headers: { ...auth(), 'Content-Type': 'application/json' },
      body: '{"passCode":',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ errorCode: 'E0000003' });
  });
});

describe('unlock, sessions, password change and the System Log', () => {
  it('unlock: LOCKED_OUT → ACTIVE with {}; anyone else is 403 E0000032', async () => {
    expect(await call('POST', `/api/v1/users/${GRACE}/lifecycle/unlock`)).toMatchObject({ status: 200, body: {} });
    expect(sb.state.users.get(GRACE)?.status).toBe('ACTIVE');
    expect(await call('POST', `/api/v1/users/${GRACE}/lifecycle/unlock`)).toMatchObject({
      status: 403,
      body: { errorCode: 'E0000032', errorSummary: 'Unlock is not allowed for this user.' },
    });
    expect(await call('POST', '/api/v1/users/00uNobody00000000000/lifecycle/unlock')).toMatchObject({ status: 404 });
    expect(sb.logEvents().map((e) => e.eventType)).toEqual(['user.account.unlock_by_admin']);
  });

  it('DELETE sessions: 204 with no body, and the user has none left', async () => {
    expect(sb.sessionCount(ALICE)).toBe(1);
    const res = await call('DELETE', `/api/v1/users/${ALICE}/sessions`);
    expect(res.status).toBe(204);
    expect(res.body).toBeUndefined();
    expect(res.headers.get('content-type')).toBeNull();
    expect(sb.sessionCount(ALICE)).toBe(0);
    expect(sb.calls().map((c) => `${c.method} ${c.path} ${c.status}`)).toEqual([`DELETE /api/v1/users/${ALICE}/sessions 204`]);
  });

  it('reset, then the user sets a password (control route): both in the System Log, filtered and paged', async () => {
    const since = new Date(clock() - 1000).toISOString();
    expect((await call('POST', `/api/v1/users/${ALICE}/lifecycle/reset_password?sendEmail=true`)).status).toBe(200);
    expect(sb.state.users.get(ALICE)?.status).toBe('RECOVERY');
    clock.advance(1000);
    const changed = await fetch(`${sb.url}/sandbox/users/alice.nguyen@example.com/password`, { method: 'POST', headers: auth() });
    expect(changed.status).toBe(200);
    expect(sb.state.users.get(ALICE)?.status).toBe('ACTIVE');
    sb.completePasswordChange(BOB); // someone else's event
    const filter = `target.id eq "${ALICE}" and (eventType eq "user.account.reset_password" or eventType eq "user.account.update_password")`;
    const q = (extra: string) =>
      `/api/v1/logs?since=${encodeURIComponent(since)}&filter=${encodeURIComponent(filter)}&sortOrder=ASCENDING${extra}`;
    const page1 = await call('GET', q('&limit=1'));
    expect(page1.status).toBe(200);
    expect(page1.body.map((e: { eventType: string }) => e.eventType)).toEqual(['user.account.reset_password']);
    expect(page1.body[0]).toMatchObject({
      outcome: { result: 'SUCCESS' },
      target: [{ id: ALICE, type: 'User' }],
      uuid: expect.any(String),
    });
    const next = /<([^>]+)>; rel="next"/.exec(page1.headers.get('link') ?? '')?.[1];
    const page2 = await call('GET', new URL(next ?? '').pathname + new URL(next ?? '').search);
    expect(page2.body.map((e: { eventType: string }) => e.eventType)).toEqual(['user.account.update_password']);
    // Polling: a next link even at the end, and an empty page after it.
    const next2 = /<([^>]+)>; rel="next"/.exec(page2.headers.get('link') ?? '')?.[1];
    expect(next2).toBeDefined();
    expect((await call('GET', new URL(next2 ?? '').pathname + new URL(next2 ?? '').search)).body).toEqual([]);
    // Bounded: no next link after the last page.
    const bounded = await call('GET', q(`&until=${encodeURIComponent(new Date(clock() + 1000).toISOString())}`));
    expect(bounded.body).toHaveLength(2);
    expect(bounded.headers.get('link')).not.toContain('rel="next"');
    expect((await call('GET', '/api/v1/logs?filter=actor.id%20gt%20%22x%22')).body).toMatchObject({ errorCode: 'E0000001' });
  });
});

describe('CLI: resetdesk okta-sandbox push|totp|codes|password-changed', () => {
  async function run(args: string[]): Promise<unknown> {
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });
    try {
      expect(await oktaSandboxCommand([...args, '--url', sb.url])).toBe(0);
    } finally {
      spy.mockRestore();
    }
    return JSON.parse(out.join(''));
  }

  it("lists and approves a user's push, shows a TOTP code, reads codes and sets a password", async () => {
    await verify(ALICE, ALICE_PUSH, { useNumberMatchingChallenge: true });
    const [pending] = (await run(['push', 'list'])) as { transactionId: string; correctAnswer: number }[];
    expect(pending).toMatchObject({ transactionId: expect.any(String), correctAnswer: expect.any(Number) });
    expect(await run(['push', 'approve', '--user', 'alice.nguyen@example.com'])).toMatchObject({ factorResult: 'SUCCESS' });
    expect(sb.pendingPushes()).toEqual([]);
    await expect(run(['push', 'reject', '--user', 'alice.nguyen@example.com'])).rejects.toThrow(/No push is waiting/);
    expect(await run(['totp', '--user', 'bob.martinez@example.com'])).toMatchObject({ code: sb.totpCode(BOB) });
    await verify(IRENE, IRENE_SMS);
    expect(await run(['codes', '--user', 'irene.costa@example.com'])).toEqual(sb.sentCodes());
    sb.state.users.get(ALICE)!.status = 'RECOVERY';
    expect(await run(['password-changed', '--user', 'alice.nguyen@example.com'])).toMatchObject({
      status: 'ACTIVE',
      eventType: 'user.account.update_password',
    });
  });
});
