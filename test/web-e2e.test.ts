import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAccessible, screenshot, signInThroughProvider, startBrowser, type TestBrowser } from './helpers/browser.js';
import { withSignInGroups } from './helpers/oidc-login.js';
import { startTestContext, type TestContext } from './helpers/test-context.js';
import { testFixture, USERS } from './helpers/test-org.js';

/**
 * The web app in a real Chromium against a real resetdesk (SQLite, the Okta sandbox with its
 * OpenID provider, an SMTP listener): people sign in, ask, approve and deny as they would.
 * Screenshots of every page at desktop and phone width go to docs/screenshots/.
 */
const signInFixture = () => withSignInGroups(testFixture(), { approvers: [USERS.irene], admins: [USERS.root] });

/**
 * Chromium logs any failed resource load: the app asks /api/v1/me once before sign-in (401), and
 * the test opens someone else's request on purpose (404).
 */
const EXPECTED_CONSOLE = [/status of 401/, /status of 404/];

describe('the web app in a browser', () => {
  let t: TestContext;
  let b: TestBrowser;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    t = await startTestContext('sqlite', { oidc: true, fixture: signInFixture() });
    b = await startBrowser();
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await t?.close();
  });

  /** A fresh browser context, signed in as `email` through the sign-in page and the provider. */
  async function signIn(email: string, width = 1280, path = '/'): Promise<Page> {
    const { page, consoleErrors: errors } = await b.page(width);
    page.on('close', () => consoleErrors.push(...errors.filter((e) => !EXPECTED_CONSOLE.some((re) => re.test(e)))));
    await signInThroughProvider(page, t.url, email, path);
    return page;
  }

  async function fileRequest(page: Page, app: string, justification: string): Promise<string> {
    await page.goto(`${t.url}/`);
    await page.getByRole('combobox', { name: 'App' }).fill(app.slice(0, 5).toLowerCase());
    await page.getByRole('option', { name: app, exact: true }).click();
    await page.getByRole('textbox', { name: /Why do you need a reset/ }).fill(justification);
    await page.getByRole('button', { name: 'Ask for a reset' }).click();
    await page.waitForURL(/request=/);
    return new URL(page.url()).searchParams.get('request') ?? '';
  }

  it('a signed-out visitor sees the sign-in page, and the provider lists the demo users', async () => {
    const { page } = await b.page();
    await page.goto(t.url);
    await expect.poll(() => page.getByRole('heading', { name: 'Sign in to resetdesk' }).isVisible()).toBe(true);
    await expectAccessible(page, 'sign-in');
    await screenshot(page, 'sign-in');
    await page
      .getByRole('button', { name: 'Sign in' })
      .or(page.getByRole('link', { name: 'Sign in' }))
      .first()
      .click();
    await expect.poll(() => page.getByRole('button', { name: /alice@example\.com$/ }).isVisible()).toBe(true);
    await expectAccessible(page, 'provider login');
    await page.close();
  });

  it('a requester asks for an SWA reset and is told to check their inbox; the email arrives', async () => {
    const page = await signIn('alice@example.com');
    await expectAccessible(page, 'new request');
    await screenshot(page, 'new-request');
    const id = await fileRequest(page, 'Expensify', 'Locked out after my holiday');
    await expect.poll(() => page.getByText('Check your inbox for the Expensify reset link').isVisible(), { timeout: 15_000 }).toBe(true);
    await screenshot(page, 'request-completed');
    await t.idle();
    expect(t.mailTo('alice@example.com').map((m) => m.subject)).toContain('Expensify password reset');
    expect((await t.request(id, await t.token('alice@example.com'))).resolution).toBe('Completed');

    await page.goto(`${t.url}/requests`);
    await expect
      .poll(() =>
        page
          .getByRole('link', { name: /Expensify/ })
          .first()
          .isVisible(),
      )
      .toBe(true);
    await expectAccessible(page, 'my requests');
    await screenshot(page, 'my-requests');

    await page.goto(`${t.url}/requests/${id}`);
    await expect.poll(() => page.getByRole('heading', { name: 'Timeline' }).isVisible()).toBe(true);
    await expect.poll(() => page.getByText('okta.findUser').first().isVisible()).toBe(true);
    await expectAccessible(page, 'request detail');
    await screenshot(page, 'request-detail');
    await page.close();
  }, 60_000);

  it('an SSO request waits for approval; the approver approves it from the queue and the requester page turns Completed live', async () => {
    const requester = await signIn('alice@example.com');
    const id = await fileRequest(requester, 'Salesforce', 'Cannot sign in since Monday');
    await expect.poll(() => requester.getByText('Waiting for IT approval').isVisible(), { timeout: 15_000 }).toBe(true);

    const approver = await signIn('irene@example.com');
    await approver.goto(`${t.url}/queue`);
    const item = approver
      .getByRole('link', { name: /alice@example\.com/ })
      .or(approver.getByRole('button', { name: /alice@example\.com/ }));
    await expect.poll(() => item.first().isVisible(), { timeout: 15_000 }).toBe(true);
    await expectAccessible(approver, 'review queue');
    await screenshot(approver, 'review-queue');
    await item.first().click();
    await expect.poll(() => approver.getByText('Justification (written by the requester — not verified)').isVisible()).toBe(true);
    await expect.poll(() => approver.getByText('Cannot sign in since Monday').isVisible()).toBe(true);
    await expect.poll(() => approver.getByText('Account status').first().isVisible()).toBe(true);
    await expectAccessible(approver, 'review panel');
    await screenshot(approver, 'review-panel');
    await approver.getByRole('button', { name: 'Approve', exact: true }).click();
    await approver.getByRole('button', { name: 'Approve and reset' }).click();

    // The requester's page, left open, follows the request to the end by itself.
    await expect
      .poll(() => requester.getByText('Check your inbox for the Salesforce reset link').isVisible(), { timeout: 20_000 })
      .toBe(true);
    await t.idle();
    expect(t.sandbox.calls().filter((c) => c.path === `/api/v1/users/${USERS.alice}/lifecycle/reset_password`)).toHaveLength(1);
    const done = await t.request(id, await t.token('alice@example.com'));
    expect(done).toMatchObject({ resolution: 'Completed', decidedBy: 'irene@example.com' });
    await requester.close();
    await approver.close();
  }, 90_000);

  it('the deny path: the approver denies with a comment and the requester sees it denied', async () => {
    const requester = await signIn('bob@example.com', 390);
    await fileRequest(requester, 'Salesforce', 'Please');
    await expect.poll(() => requester.getByText('Waiting for IT approval').isVisible(), { timeout: 15_000 }).toBe(true);
    await screenshot(requester, 'request-waiting');

    const approver = await signIn('irene@example.com', 390);
    await approver.goto(`${t.url}/queue`);
    const item = approver.getByRole('link', { name: /bob@example\.com/ }).or(approver.getByRole('button', { name: /bob@example\.com/ }));
    await expect.poll(() => item.first().isVisible(), { timeout: 15_000 }).toBe(true);
    await screenshot(approver, 'review-queue');
    await item.first().click();
    await approver.getByRole('textbox', { name: /Comment for the requester/ }).fill('Not during the freeze');
    await screenshot(approver, 'review-panel');
    await approver.getByRole('button', { name: 'Deny', exact: true }).click();
    await expect
      .poll(
        () =>
          requester
            .getByText(/^Denied/)
            .first()
            .isVisible(),
        { timeout: 20_000 },
      )
      .toBe(true);
    await t.idle();
    expect(t.mailTo('bob@example.com').map((m) => m.subject)).toContain('Salesforce password reset: declined by an approver');
    await requester.close();
    await approver.close();
  }, 90_000);

  it('phone-width screenshots of the requester pages', async () => {
    const page = await signIn('alice@example.com', 390);
    await screenshot(page, 'new-request');
    await page.goto(`${t.url}/requests`);
    await expect
      .poll(() =>
        page
          .getByText(/Expensify/)
          .first()
          .isVisible(),
      )
      .toBe(true);
    await screenshot(page, 'my-requests');
    await page.close();
  }, 60_000);

  it('a requester cannot open the queue or another person’s request, in the app or through the API', async () => {
    const bobs = (await t.create(await t.token('bob@example.com'), { app: 'Expensify', justification: 'mine' })).data?.request_id ?? '';
    const page = await signIn('alice@example.com');
    await page.goto(`${t.url}/queue`);
    await expect.poll(() => page.getByRole('heading', { name: 'Not allowed' }).isVisible()).toBe(true);
    await page.goto(`${t.url}/requests/${bobs}`);
    await expect.poll(() => page.getByRole('alert', { name: 'We could not find this request' }).isVisible()).toBe(true);
    // The same session, through the API: 404 for someone else's request, 403 for deciding.
    expect((await page.request.get(`${t.url}/api/v1/requests/${bobs}`)).status()).toBe(404);
    const me = (await (await page.request.get(`${t.url}/api/v1/me`)).json()) as { csrfToken: string };
    const decide = await page.request.post(`${t.url}/api/v1/requests/${bobs}/approve`, {
      data: {},
      headers: { 'x-csrf-token': me.csrfToken },
    });
    expect(decide.status()).toBe(403);
    await page.close();
  }, 60_000);

  it('a state-changing call without the CSRF token is refused; after sign-out the session cannot act', async () => {
    const page = await signIn('alice@example.com');
    const body = { app: 'Expensify', justification: 'csrf' };
    const without = await page.request.post(`${t.url}/api/v1/requests`, { data: body });
    expect(without.status()).toBe(403);
    expect(((await without.json()) as { error: { code: string } }).error.code).toBe('CSRF_FAILED');
    const me = (await (await page.request.get(`${t.url}/api/v1/me`)).json()) as { csrfToken: string };
    const cookies = await page.context().cookies();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((url) => !url.pathname.startsWith('/requests'));
    // Replaying the old session cookie and token after sign-out gets nowhere.
    const replay = await b.page();
    await replay.page.context().addCookies(cookies);
    const after = await replay.page.request.post(`${t.url}/api/v1/requests`, { data: body, headers: { 'x-csrf-token': me.csrfToken } });
    expect(after.status()).toBe(401);
    await replay.page.close();
    await page.close();
  }, 60_000);

  it('an approver opens the dashboard: summary cards and charts, accessible; a requester is not allowed', async () => {
    const page = await signIn('irene@example.com');
    await page.getByRole('link', { name: 'Dashboard' }).click();
    await page.waitForURL(`${t.url}/dashboard`);
    await expect.poll(() => page.getByRole('heading', { level: 1, name: 'Dashboard' }).isVisible()).toBe(true);
    await expect.poll(() => page.getByTestId('summary-card').count(), { timeout: 10_000 }).toBe(4);
    expect(await page.getByText('Resolved without a human').isVisible()).toBe(true);
    // Money as money: the cost avoided in US dollars, in the browser's format (en-US here).
    expect(await page.getByTestId('summary-card').filter({ hasText: 'Help-desk cost avoided' }).textContent()).toMatch(/\$\d[\d,]*(?!\.)/);
    expect(await page.getByRole('heading', { name: 'Requests per day by outcome' }).isVisible()).toBe(true);
    await expect.poll(() => page.locator('[data-testid="chart-per-day"] svg.recharts-surface').count()).toBeGreaterThan(0);
    await page.getByText('7 days').click();
    await page.waitForURL(`${t.url}/dashboard?days=7`);
    await expect.poll(() => page.getByText('requests in the last 7 days', { exact: false }).isVisible()).toBe(true);
    await expectAccessible(page, 'dashboard');
    await screenshot(page, 'dashboard');
    // At phone width the cards and charts stack; nothing scrolls sideways.
    await page.setViewportSize({ width: 360, height: 800 });
    await expect.poll(() => page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);
    await screenshot(page, 'dashboard');
    await page.close();

    const requester = await signIn('alice@example.com', 1280, '/dashboard');
    await expect.poll(() => requester.getByRole('heading', { name: 'Not allowed' }).isVisible()).toBe(true);
    expect(await requester.getByRole('link', { name: 'Dashboard' }).count()).toBe(0);
    await requester.close();
  }, 60_000);

  it('an admin adds an app in Admin → Apps, edits it and sees it in the table; the page is accessible', async () => {
    const page = await signIn('root@example.com');
    await page.getByRole('link', { name: 'Admin' }).click();
    await page.waitForURL(`${t.url}/admin/apps`);
    await expect.poll(() => page.getByRole('table', { name: 'Apps in the catalog' }).isVisible()).toBe(true);

    await page.getByRole('button', { name: 'Add app' }).click();
    const create = page.getByRole('dialog', { name: 'Add an app' });
    await create.getByRole('textbox', { name: 'Name' }).fill('Browser Test App');
    await create.getByRole('textbox', { name: 'Reset URL' }).fill('https://browser-test.example.com/reset');
    await create.getByRole('button', { name: 'Add app' }).click();
    await expect.poll(() => create.isVisible()).toBe(false);
    await expect.poll(() => page.getByRole('rowheader', { name: /Browser Test App/ }).isVisible()).toBe(true);

    await page.getByRole('button', { name: 'Edit Browser Test App' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit Browser Test App' });
    await edit.getByRole('textbox', { name: 'Name' }).fill('Browser Test App Edited');
    await edit.getByRole('textbox', { name: 'Approver group' }).fill('Browser Owners');
    await edit.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => edit.isVisible()).toBe(false);
    const row = page.getByRole('row', { name: /Browser Test App Edited/ });
    await expect.poll(() => row.isVisible()).toBe(true);
    expect(await row.textContent()).toContain('Browser Owners');
    // The closed modal fades out: checked half-transparent, its text would fail the contrast rule.
    await expect.poll(() => page.getByRole('dialog').count()).toBe(0);

    await expectAccessible(page, 'admin apps');
    await screenshot(page, 'admin-apps');
    await page.close();
  });

  it('a requester opening an admin page sees the Not-allowed page', async () => {
    const page = await signIn('alice@example.com', 1280, '/admin/apps');
    await expect.poll(() => page.getByRole('heading', { name: 'Not allowed' }).isVisible()).toBe(true);
    expect(await page.getByRole('link', { name: 'Admin' }).count()).toBe(0);
    await page.close();
  });

  it('the admin opens API tokens, connectors and the decision log; each is accessible', async () => {
    const page = await signIn('root@example.com', 1280, '/admin/tokens');
    await expect.poll(() => page.getByRole('heading', { name: 'API tokens' }).isVisible()).toBe(true);
    await expect
      .poll(() => page.getByRole('table', { name: 'API tokens' }).or(page.getByText('No API tokens yet.')).isVisible())
      .toBe(true);
    await expectAccessible(page, 'admin tokens');
    await screenshot(page, 'admin-tokens');

    await page.getByRole('link', { name: 'Connectors' }).click();
    await page.waitForURL(`${t.url}/admin/connectors`);
    await expect.poll(() => page.getByText('Okta', { exact: true }).first().isVisible()).toBe(true);
    await expect.poll(async () => (await page.locator('.mantine-Skeleton-root').count()) === 0).toBe(true);
    await expectAccessible(page, 'admin connectors');
    await screenshot(page, 'admin-connectors');

    await page.getByRole('link', { name: 'Decisions' }).click();
    await page.waitForURL(`${t.url}/admin/decisions`);
    await expect
      .poll(() => page.getByRole('table', { name: 'Decision log' }).or(page.getByText('No decisions yet.')).isVisible())
      .toBe(true);
    expect(await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href')).toBe('/api/v1/decisions/export.csv');
    await expectAccessible(page, 'admin decisions');
    await screenshot(page, 'admin-decisions');

    // This server mails through SMTP (GET /dev/mailbox is 404): no Mailbox tab, and the page says so.
    expect(await page.getByRole('link', { name: 'Mailbox' }).count()).toBe(0);
    await page.goto(`${t.url}/admin/mailbox`);
    await expect.poll(() => page.getByText('it has no dev mailbox', { exact: false }).isVisible()).toBe(true);
    await page.close();
  }, 60_000);

  it('no page logged a console error', () => {
    expect(consoleErrors).toEqual([]);
  });
});
