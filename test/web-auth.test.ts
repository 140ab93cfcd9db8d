import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/databases.js';
import { type Browser, callAs, newBrowser, signInAs, withSignInGroups } from './helpers/oidc-login.js';
import { errorOf, startTestContext, type TestContext } from './helpers/test-context.js';
import { LENA, testFixture, USERS } from './helpers/test-org.js';

/** The test org, with irene and lena in "IT Approvers" and root in "IT Admins" (the default role groups). */
const signInFixture = () => withSignInGroups(testFixture(), { approvers: [USERS.irene, USERS.lena], admins: [USERS.root] });

type Me = { email: string; name: string | null; role: string; csrfToken: string | null; policy: unknown };
/** What /api/v1/me says of the default policy, for everyone. */
const DEFAULT_POLICY_SUMMARY = { forSomeoneElse: false, approvalSlaHours: 24, answerWithinHours: 72, version: '2026-11-23.1' };

describe.each(DIALECTS)('web sign-in through an OpenID provider on %s', (dialect) => {
  let t: TestContext;
  beforeAll(async () => {
    t = await startTestContext(dialect, { oidc: true, fixture: signInFixture() });
  });
  afterAll(async () => t?.close());

  async function signedIn(email: string): Promise<{ browser: Browser; me: Me }> {
    const browser = newBrowser();
    await signInAs(browser, t.url, email);
    const res = await callAs(browser, t.url, 'GET', '/api/v1/me');
    expect(res.status).toBe(200);
    return { browser, me: res.body as Me };
  }

  it('a sign-in without a second factor (the ID token’s amr) makes the web channel verify first', async () => {
    const file = async (email: string) => {
      const { browser, me } = await signedIn(email);
      const created = await callAs(browser, t.url, 'POST', '/api/v1/requests', {
        body: { app: 'Expensify', justification: 'amr' },
        csrfToken: me.csrfToken ?? '',
      });
      expect(created.status).toBe(201);
      await t.idle();
      const id = (created.body as { request_id: string }).request_id;
      return (await callAs(browser, t.url, 'GET', `/api/v1/requests/${id}`)).body as { status: string; channel: string; ruleId: string };
    };
    // alice signed in with MFA (amr: pwd, mfa): the web channel's default, none — the link goes out.
    expect(await file('alice@example.com')).toMatchObject({ channel: 'web', status: 'Closed', ruleId: 'swa_self_service' });
    // frank has no active factor: the provider's amr shows a password only, so the web channel
    // asks for verification (auto) — and with nothing to verify with, IT takes over.
    expect(await file('frank@example.com')).toMatchObject({ channel: 'web', status: 'Escalated', ruleId: 'verification_unavailable' });
  });

  it('a requester signs in, files a request with the CSRF token (not without it), signs out, and the cookie is dead', async () => {
    const browser = newBrowser();
    const signIn = await signInAs(browser, t.url, 'alice@example.com', '/requests?status=Escalated');
    expect(signIn.landedAt).toBe(`${t.url}/requests?status=Escalated`);
    expect(signIn.sessionSetCookie).toMatch(/; HttpOnly/i);
    expect(signIn.sessionSetCookie).toMatch(/; SameSite=Lax/i);
    expect(signIn.sessionSetCookie).toMatch(/; Path=\/(;|$)/);
    expect(signIn.sessionSetCookie).not.toMatch(/; Secure/i); // http:// here; Secure when PUBLIC_URL is https

    const me = await callAs(browser, t.url, 'GET', '/api/v1/me');
    expect(me.status).toBe(200);
    expect(me.body).toEqual({
      email: 'alice@example.com',
      name: 'Alice Tester',
      role: 'requester',
      csrfToken: expect.any(String),
      policy: DEFAULT_POLICY_SUMMARY,
    });
    const { csrfToken } = me.body as Me;

    const body = { app: 'Expensify', justification: 'forgot it' };
    const created = await callAs(browser, t.url, 'POST', '/api/v1/requests', { body, csrfToken: csrfToken ?? '' });
    expect(created.status).toBe(201);
    const without = await callAs(browser, t.url, 'POST', '/api/v1/requests', { body });
    expect([without.status, errorOf(without)?.code]).toEqual([403, 'CSRF_FAILED']);
    const wrong = await callAs(browser, t.url, 'POST', '/api/v1/requests', { body, csrfToken: `${csrfToken}x` });
    expect([wrong.status, errorOf(wrong)?.code]).toEqual([403, 'CSRF_FAILED']);
    // Reads need no token: a GET changes nothing.
    expect((await callAs(browser, t.url, 'GET', '/api/v1/requests')).status).toBe(200);

    const cookie = browser.jar.get(new URL(t.url), 'resetdesk_session');
    expect(cookie).toBeTruthy();
    const refused = await callAs(browser, t.url, 'POST', '/auth/logout');
    expect([refused.status, errorOf(refused)?.code]).toEqual([403, 'CSRF_FAILED']);
    const out = await callAs(browser, t.url, 'POST', '/auth/logout', { csrfToken: csrfToken ?? '' });
    expect(out.status).toBe(200);
    // RP-initiated logout at the provider, which sends the browser back to resetdesk.
    const redirectTo = new URL((out.body as { redirectTo: string }).redirectTo);
    expect(redirectTo.href.startsWith(`${t.sandbox.oidc?.issuer}/session/end`)).toBe(true);
    expect(redirectTo.searchParams.get('post_logout_redirect_uri')).toBe(`${t.url}/`);
    expect(redirectTo.searchParams.get('id_token_hint')).toBeTruthy();
    expect(out.headers.getSetCookie().some((c) => /^resetdesk_session=;/.test(c))).toBe(true);

    const replay = await fetch(`${t.url}/api/v1/me`, { headers: { cookie: `resetdesk_session=${cookie}` } });
    expect(replay.status).toBe(401);
    expect(errorOf({ body: await replay.json() })?.code).toBe('UNAUTHENTICATED');
  });

  it('an approver signs in and approves an escalated request with the session and its CSRF token', async () => {
    const alice = await t.token('alice@example.com');
    const created = await t.create(alice, { app: 'Salesforce', justification: 'locked out' });
    const id = created.data?.request_id ?? '';
    await t.waitForStatus(id, alice, ['Escalated']);

    const { browser, me } = await signedIn('irene@example.com');
    expect(me).toMatchObject({ email: 'irene@example.com', role: 'approver' });
    const approved = await callAs(browser, t.url, 'POST', `/api/v1/requests/${id}/approve`, { body: {}, csrfToken: me.csrfToken ?? '' });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ decidedBy: 'irene@example.com', manualDecision: 'Approved' });
  });

  it("maps the provider's groups to roles: IT Admins → admin, IT Approvers → approver, anyone else → requester", async () => {
    const root = await signedIn('root@example.com');
    expect(root.me.role).toBe('admin');
    expect((await signedIn(LENA.email)).me).toMatchObject({ email: LENA.email, role: 'approver' });
    expect((await signedIn('bob@example.com')).me.role).toBe('requester');
    const dave = await signedIn('dave@example.com'); // in "Administrators", a privileged Okta group, not a resetdesk one
    expect(dave.me.role).toBe('requester');
    // The role is enforced as for tokens: only the admin may add an app.
    const app = { name: `Session App ${dialect}` };
    expect((await callAs(dave.browser, t.url, 'POST', '/api/v1/apps', { body: app, csrfToken: dave.me.csrfToken ?? '' })).status).toBe(403);
    expect((await callAs(root.browser, t.url, 'POST', '/api/v1/apps', { body: app, csrfToken: root.me.csrfToken ?? '' })).status).toBe(201);
  });

  it('returnTo never leaves the site', async () => {
    for (const returnTo of [
      'https://evil.example/x',
      '//evil.example/x',
      '/\\evil.example/x',
      'javascript:alert(1)',
      'requests',
      '/\t/evil.example',
    ]) {
      const { landedAt } = await signInAs(newBrowser(), t.url, 'bob@example.com', returnTo);
      expect(landedAt, returnTo).toBe(`${t.url}/`);
    }
    const { landedAt } = await signInAs(newBrowser(), t.url, 'bob@example.com', '/requests/req_1#events');
    expect(landedAt).toBe(`${t.url}/requests/req_1#events`);
  });

  it('an expired session is a 401', async () => {
    const { browser } = await signedIn('frank@example.com');
    await t.app.ctx.db
      .updateTable('web_sessions')
      .set({ expires_at: '2000-01-01T00:00:00.000Z' })
      .where('email', '=', 'frank@example.com')
      .execute();
    const res = await callAs(browser, t.url, 'GET', '/api/v1/me');
    expect([res.status, errorOf(res)?.code]).toEqual([401, 'UNAUTHENTICATED']);
  });

  it('a bearer token still works, with no CSRF token, and wins over a session cookie', async () => {
    const bob = await t.token('bob@example.com');
    const created = await t.create(bob, { app: 'Intranet', justification: 'no csrf needed' });
    expect(created.status).toBe(201);
    const { data } = await t.client(bob).GET('/api/v1/me');
    expect(data).toEqual({ email: 'bob@example.com', name: null, role: 'requester', csrfToken: null, policy: DEFAULT_POLICY_SUMMARY });

    const { browser } = await signedIn('irene@example.com');
    const both = await callAs(browser, t.url, 'POST', '/api/v1/requests', { body: { app: 'Intranet', justification: 'x' } });
    expect(both.status).toBe(403); // the session alone needs its CSRF token…
    const res = await browser.fetch(`${t.url}/api/v1/me`, { headers: { authorization: `Bearer ${bob}` } });
    expect(((await res.json()) as Me).email).toBe('bob@example.com'); // …and a bearer token is who calls
  });

  it('a callback without a sign-in under way in this browser is refused', async () => {
    const res = await callAs(newBrowser(), t.url, 'GET', '/auth/callback?code=abc&state=def');
    expect([res.status, errorOf(res)?.code]).toEqual([400, 'SIGN_IN_FAILED']);
  });

  it('signing out without a session only clears the cookie', async () => {
    const res = await callAs(newBrowser(), t.url, 'POST', '/auth/logout');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ redirectTo: '/' });
  });
});
