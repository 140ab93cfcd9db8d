import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Resetdesk, startResetdesk } from '../src/app.js';
import { loadConfig } from '../src/config/config.js';
import { createTestDatabase, type TestDatabase } from './helpers/databases.js';
import { type Browser, callAs, newBrowser, openLoginPage, signedInBrowser } from './helpers/oidc-login.js';

/**
 * `resetdesk serve` with no configuration: the embedded Okta sandbox also serves the demo
 * identity provider, whose users are the demo org's (fixtures/demo-okta.json), and the web app
 * is served from the same process. SQLite only: nothing here depends on the database.
 */
describe('the demo: sign-in as the demo org’s users, and the web app', () => {
  let database: TestDatabase;
  let webRoot: string;
  let app: Resetdesk;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    webRoot = mkdtempSync(join(tmpdir(), 'resetdesk-web-'));
    mkdirSync(join(webRoot, 'assets'));
    writeFileSync(join(webRoot, 'index.html'), '<!doctype html><html lang="en"><title>resetdesk</title></html>');
    writeFileSync(join(webRoot, 'assets', 'index-5d1e.js'), 'export {};');
    const config = loadConfig({ DATABASE_URL: database.url, PORT: '0', LOG_LEVEL: 'silent', WORKER_POLL_MS: '50' });
    app = await startResetdesk(config, { webAppRoot: webRoot, workerTuning: { baseBackoffMs: 50, maxBackoffMs: 500 } });
  });
  afterAll(async () => {
    await app?.stop();
    await database?.drop();
    rmSync(webRoot, { recursive: true, force: true });
  });

  it('the login page is accessible HTML with one button per user who may sign in, and no password', async () => {
    const { html } = await openLoginPage(newBrowser(), app.url);
    expect(html).toContain('<html lang="en">');
    expect(html).toMatch(/<title>[^<]+<\/title>/);
    expect(html).toContain('<h1>Sign in to Example Corp</h1>');
    expect(html).not.toMatch(/type="password"/);
    const buttons = [...html.matchAll(/<button type="submit" name="account" value="[^"]+">([^<]+)<\/button>/g)].map((m) => m[1]);
    expect(buttons).toEqual([
      'Sign in as Alice Nguyen — alice.nguyen@example.com',
      'Sign in as Bob Martinez — bob.martinez@example.com',
      'Sign in as Carol Smith — carol.smith@example.com',
      'Sign in as Dave Okafor — dave.okafor@example.com',
      'Sign in as Henry Adams — henry.adams@example.com',
      'Sign in as Irene Costa — irene.costa@example.com',
      'Sign in as Jack Wilson — jack.wilson@example.com',
    ]);
    for (const absent of ['erin.kowalski', 'frank.li', 'grace.park', 'kate.brown']) expect(html).not.toContain(absent); // suspended, deprovisioned, locked out, staged
  });

  it('alice files a request in her browser; carol (IT Approvers) approves it; dave (IT Admins) is an admin', async () => {
    const alice = await signedInBrowser(app.url, 'alice.nguyen@example.com');
    const body = { app: 'Salesforce', justification: 'Locked out after the holidays' };
    const created = await callAs(alice.browser, app.url, 'POST', '/api/v1/requests', { body, csrfToken: alice.csrfToken });
    expect(created.status).toBe(201);
    const id = (created.body as { request_id: string }).request_id;
    await waitForStatus(alice.browser, id, 'Escalated');

    const carol = await signedInBrowser(app.url, 'carol.smith@example.com');
    expect((await callAs(carol.browser, app.url, 'GET', '/api/v1/me')).body).toMatchObject({ name: 'Carol Smith', role: 'approver' });
    const approved = await callAs(carol.browser, app.url, 'POST', `/api/v1/requests/${id}/approve`, {
      body: {},
      csrfToken: carol.csrfToken,
    });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ decidedBy: 'carol.smith@example.com', manualDecision: 'Approved' });

    const dave = await signedInBrowser(app.url, 'dave.okafor@example.com');
    expect((await callAs(dave.browser, app.url, 'GET', '/api/v1/me')).body).toMatchObject({ role: 'admin' });
  });

  it("serves the web app under a policy that allows its own scripts and the provider's sign-in", async () => {
    const index = await fetch(`${app.url}/requests/req_1`);
    expect(index.status).toBe(200);
    expect(index.headers.get('cache-control')).toBe('no-store');
    const csp = index.headers.get('content-security-policy') ?? '';
    for (const directive of [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data:",
      "connect-src 'self'",
      "frame-ancestors 'none'",
      `form-action 'self' ${new URL(app.sandbox?.url ?? '').origin}`,
    ]) {
      expect(csp).toContain(directive);
    }
    const asset = await fetch(`${app.url}/assets/index-5d1e.js`);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const api = await fetch(`${app.url}/api/v1/me`);
    expect([api.status, api.headers.get('cache-control')]).toEqual([401, 'no-store']);
  });

  async function waitForStatus(browser: Browser, id: string, status: string): Promise<void> {
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const res = await callAs(browser, app.url, 'GET', `/api/v1/requests/${id}`);
      if ((res.body as { status?: string }).status === status) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`request ${id} did not reach ${status}`);
  }
});

describe('with a configured OIDC_ISSUER there is no demo provider', () => {
  let database: TestDatabase;
  let app: Resetdesk;
  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    // No OKTA_ORG_URL, so the sandbox runs; the issuer is never called (discovery waits for a sign-in).
    const config = loadConfig({
      DATABASE_URL: database.url,
      PORT: '0',
      LOG_LEVEL: 'silent',
      OIDC_ISSUER: 'http://127.0.0.1:9/idp',
      OIDC_CLIENT_ID: 'resetdesk',
    });
    app = await startResetdesk(config, { worker: false });
  });
  afterAll(async () => {
    await app?.stop();
    await database?.drop();
  });

  it('the embedded sandbox answers nothing under /oidc, and sign-in goes to the configured issuer', async () => {
    expect(app.sandbox?.oidc).toBeUndefined();
    const res = await fetch(`${app.sandbox?.url}/oidc/.well-known/openid-configuration`);
    expect(res.status).toBe(404);
    const csp = (await fetch(`${app.url}/`)).headers.get('content-security-policy');
    expect(csp).toContain("form-action 'self' http://127.0.0.1:9");
    // The issuer is down: sign-in says so instead of redirecting anywhere.
    const login = await fetch(`${app.url}/auth/login`, { redirect: 'manual' });
    expect(login.status).toBe(503);
    expect(((await login.json()) as { error: { code: string } }).error.code).toBe('SIGN_IN_UNAVAILABLE');
  });
});
