import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectAccessible,
  layoutShift,
  observeLayoutShift,
  screenshot,
  signInThroughProvider,
  startBrowser,
  type TestBrowser,
} from './helpers/browser.js';
import { withSignInGroups } from './helpers/oidc-login.js';
import { startTestContext, type TestContext } from './helpers/test-context.js';
import { FACTORS, testFixture, USERS } from './helpers/test-org.js';

/**
 * Proving it is you in a real Chromium, before resetdesk acts on a web request: the Okta Verify
 * push with its number (approved → the link goes out; denied → IT), a code Okta texts (a wrong
 * one first), and a push nobody answered, sent again. The sandbox plays the phone. Screenshots
 * go to docs/screenshots/.
 */
const signInFixture = () => withSignInGroups(testFixture(), { approvers: [USERS.irene], admins: [USERS.root] });

/** Web requests must verify: a push when one is enrolled, else a code. */
const POLICY_YAML = (web: string, extra = '') => `version: "t-${web}"\ncooldown:\n  maxResets: 0\nverification:\n  web: ${web}\n${extra}`;

/** Failed loads Chromium logs: /api/v1/me before sign-in (401), the dev-mailbox probe (404), a wrong code (400). */
const EXPECTED_CONSOLE = [/status of 401/, /status of 404/, /status of 400/];

/** The server reads a push every 3 s; the page follows the request over server-sent events. */
const PUSH_SETTLES_MS = 15_000;

describe('verifying the requester in the web app', () => {
  let t: TestContext;
  let b: TestBrowser;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    t = await startTestContext('sqlite', {
      oidc: true,
      fixture: signInFixture(),
      policy: { version: 't', cooldown: { maxResets: 0 }, verification: { web: 'auto' } },
    });
    b = await startBrowser();
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await t?.close();
  });

  async function signIn(email: string, width = 1280, path = '/', prepare?: (page: Page) => Promise<void>): Promise<Page> {
    const { page, consoleErrors: errors } = await b.page(width);
    page.on('close', () => consoleErrors.push(...errors.filter((e) => !EXPECTED_CONSOLE.some((re) => re.test(e)))));
    await prepare?.(page);
    await signInThroughProvider(page, t.url, email, path);
    return page;
  }

  async function fileRequest(page: Page, app: string, justification: string): Promise<string> {
    await page.goto(`${t.url}/`);
    await page.getByRole('combobox', { name: 'App' }).fill(app);
    await page.getByRole('option', { name: app, exact: true }).click();
    await page.getByRole('textbox', { name: /Why do you need a reset/ }).fill(justification);
    await page.getByRole('button', { name: 'Ask for a reset' }).click();
    await page.waitForURL(/request=/);
    return new URL(page.url()).searchParams.get('request') ?? '';
  }

  async function putPolicy(yaml: string): Promise<void> {
    const res = await t.client(await t.token('root@example.com', 'admin')).PUT('/api/v1/policy', { body: { yaml } });
    expect(res.response.status, JSON.stringify(res.error)).toBe(200);
  }

  const card = (page: Page) => page.getByTestId('verification-card');
  const pushFor = (login: string) => t.sandbox.pendingPushes().filter((p) => p.login === login);

  it('a push: the number to pick, shown large with a countdown that keeps still; approved on the phone → the link goes out', async () => {
    const page = await signIn('alice@example.com', 1280, '/', observeLayoutShift);
    await fileRequest(page, 'Expensify', 'Locked out after my holiday');
    await expect.poll(() => card(page).isVisible(), { timeout: 30_000 }).toBe(true);
    expect(await page.getByTestId('status-badge').textContent()).toBe('Verify it’s you');
    expect(await page.getByTestId('next-step').textContent()).toContain('Confirm it’s you to go on');
    expect(await card(page).textContent()).toContain('Approve the Okta Verify notification on your phone');
    const [push] = pushFor('alice@example.com');
    expect(push).toBeDefined();
    if (push?.correctAnswer != null) {
      expect(await page.getByTestId('number-challenge').textContent()).toBe(String(push.correctAnswer));
      expect(await page.getByTestId('number-challenge-line').textContent()).toMatch(
        new RegExp(`Pick\\s*${push.correctAnswer}\\s*on your phone`),
      );
    }
    await expect.poll(() => page.getByTestId('push-countdown').textContent()).toMatch(/^Expires in [0-9]:[0-5][0-9]$/);
    // Nothing to type: alice has a push, and `auto` asks for nothing else.
    expect(await card(page).getByRole('textbox').count()).toBe(0);

    // The countdown ticks without moving anything.
    const before = (await layoutShift(page)).cls;
    const first = await page.getByTestId('push-countdown').textContent();
    await page.waitForTimeout(2500);
    expect(await page.getByTestId('push-countdown').textContent()).not.toBe(first);
    const { cls, shifts } = await layoutShift(page);
    expect(cls - before, JSON.stringify(shifts)).toBeLessThan(0.001);

    await expectAccessible(page, 'verification card (push)', '[data-testid="verification-card"]');
    await expectAccessible(page, 'follow view while verifying');
    await screenshot(page, 'verify-push');

    t.sandbox.answerPush(push!.transactionId, 'approve');
    await expect
      .poll(() => page.getByText('Check your inbox for the Expensify reset link').isVisible(), { timeout: PUSH_SETTLES_MS })
      .toBe(true);
    expect(await card(page).count()).toBe(0);
    await t.idle();
    expect(t.mailTo('alice@example.com').map((m) => m.subject)).toContain('Expensify password reset');
    await page.close();
  }, 90_000);

  it('a push denied on the phone (at phone width): My requests and the detail page ask for it; then it goes to IT as a possible takeover', async () => {
    const page = await signIn('alice@example.com', 390);
    const id = await fileRequest(page, 'Salesforce', 'Need the CRM');
    await expect.poll(() => card(page).isVisible(), { timeout: 30_000 }).toBe(true);
    await expect.poll(() => page.getByTestId('number-challenge').isVisible()).toBe(true);
    await expectAccessible(page, 'verification card (push, phone)', '[data-testid="verification-card"]');
    await screenshot(page, 'verify-push');

    // My requests: it waits for alice, so it counts as "Needs your answer".
    await page.goto(`${t.url}/requests?needs=answer`);
    await expect.poll(() => page.getByRole('link', { name: 'Salesforce' }).isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await page.locator('[data-needs-answer]', { hasText: 'Salesforce' }).getByTestId('needs-answer').count()).toBe(1);

    // The detail page shows the same card, and follows the request when the phone says no.
    await page.getByRole('link', { name: 'Salesforce' }).click();
    await page.waitForURL(`${t.url}/requests/${id}`);
    await expect.poll(() => card(page).isVisible(), { timeout: 10_000 }).toBe(true);
    await expect
      .poll(() => page.getByText('resetdesk asked the requester to confirm it’s them').isVisible(), { timeout: 10_000 })
      .toBe(true);
    t.sandbox.answerPush(pushFor('alice@example.com').at(-1)!.transactionId, 'reject');
    await expect
      .poll(() => page.getByTestId('next-step').textContent(), { timeout: PUSH_SETTLES_MS })
      .toContain('Sent to IT to confirm it’s you — usually within 24 hours');
    expect(await page.getByTestId('next-step').textContent()).toContain('possible account takeover');
    expect(await card(page).count()).toBe(0);
    expect(await page.getByTestId('request-metadata').textContent()).toContain('Push denied — possible account takeover');
    await page.close();

    // The approver reads the rule in words in the queue.
    const approver = await signIn('irene@example.com', 1280, '/queue');
    const item = approver.getByRole('button', { name: /Salesforce.*alice@example\.com/ });
    await expect.poll(() => item.isVisible(), { timeout: 15_000 }).toBe(true);
    expect(await item.textContent()).toContain('Push denied — possible account takeover');
    await item.click();
    await expect.poll(() => approver.getByTestId('review-panel').textContent()).toContain('Push denied — possible account takeover');
    await approver.close();
  }, 120_000);

  it('a code texted by Okta: a wrong one counts down, the right one sends the request on to IT', async () => {
    await putPolicy(POLICY_YAML('any_factor'));
    const page = await signIn('bob@example.com', 390);
    const id = await fileRequest(page, 'Salesforce', 'Need the CRM');
    await expect.poll(() => card(page).isVisible(), { timeout: 30_000 }).toBe(true);
    // any_factor: the push goes out, and bob's codes are on offer too.
    expect(await card(page).getByRole('button', { name: 'Email me a code' }).isVisible()).toBe(true);
    await card(page).getByRole('button', { name: 'Text me a code' }).click();
    await expect.poll(() => card(page).getByText('We sent a code to your phone.').isVisible(), { timeout: 10_000 }).toBe(true);
    const code = () =>
      t.sandbox
        .sentCodes()
        .filter((c) => c.factorId === FACTORS.bobSms)
        .at(-1)?.code;
    await expect.poll(code).toBeTruthy();
    const input = card(page).getByRole('textbox', { name: /One-time code/ });
    expect(await input.getAttribute('autocomplete')).toBe('one-time-code');
    expect(await input.getAttribute('inputmode')).toBe('numeric');
    expect(await card(page).textContent()).toContain('3 attempts left');

    const right = code() ?? '';
    const wrong = right === '000000' ? '111111' : '000000';
    await input.fill(wrong);
    await card(page).getByRole('button', { name: 'Verify' }).click();
    await expect.poll(() => card(page).textContent(), { timeout: 10_000 }).toContain('2 attempts left');
    await expectAccessible(page, 'verification card (code, phone)', '[data-testid="verification-card"]');
    await screenshot(page, 'verify-code');

    await input.fill(right);
    await card(page).getByRole('button', { name: 'Verify' }).click();
    await expect
      .poll(() => page.getByText('Waiting for IT approval — usually within 24 hours').isVisible(), { timeout: PUSH_SETTLES_MS })
      .toBe(true);
    expect(await card(page).count()).toBe(0);
    const r = await t.request(id, await t.token('bob@example.com'));
    expect(r).toMatchObject({ status: 'Escalated', ruleId: 'sso_requires_approval' });
    expect(r.verification?.verifiedAt).toBeTruthy();
    await page.goto(`${t.url}/requests/${id}`);
    await expect.poll(() => page.getByText('bob@example.com typed a wrong code').isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await page.getByText('bob@example.com confirmed it’s them').isVisible()).toBe(true);
    await page.close();
  }, 120_000);

  it('a push nobody answers: the request asks for a new one, and "Send a new push" starts again', async () => {
    await putPolicy(POLICY_YAML('auto', '  pushTimeoutSeconds: 30\n'));
    const page = await signIn('alice@example.com');
    await fileRequest(page, 'AWS Console', 'Need the console');
    await expect.poll(() => card(page).isVisible(), { timeout: 30_000 }).toBe(true);
    const question = page.getByTestId('question-card');
    await expect.poll(() => question.isVisible(), { timeout: 50_000, interval: 1000 }).toBe(true);
    expect(await page.getByTestId('next-step').textContent()).toContain('The notification on your phone expired');
    expect(await question.textContent()).toContain('Your phone did not answer in time');
    expect(await question.getByRole('textbox').count()).toBe(0);
    await expectAccessible(page, 'push expired');
    const before = pushFor('alice@example.com').length;
    await question.getByRole('button', { name: 'Send a new push' }).click();
    await expect.poll(() => card(page).isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await question.count()).toBe(0);
    expect(pushFor('alice@example.com').length).toBeGreaterThan(before);
    t.sandbox.answerPush(pushFor('alice@example.com').at(-1)!.transactionId, 'approve');
    await expect.poll(() => page.getByText(/Waiting for IT approval/).isVisible(), { timeout: PUSH_SETTLES_MS }).toBe(true);
    await page.close();
  }, 120_000);

  it('no page logged a console error', () => {
    expect(consoleErrors).toEqual([]);
  });
});
