import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Resetdesk, startResetdesk } from '../src/app.js';
import { loadConfig } from '../src/config/config.js';
import {
  expectAccessible,
  layoutShift,
  observeLayoutShift,
  screenshot,
  signInThroughProvider,
  startBrowser,
  type TestBrowser,
} from './helpers/browser.js';
import { createTestDatabase, type TestDatabase } from './helpers/databases.js';
import { callAs, signedInBrowser, withSignInGroups } from './helpers/oidc-login.js';
import { startTestContext, type TestContext } from './helpers/test-context.js';
import { APPS, TEST_CATALOG, testFixture, USERS } from './helpers/test-org.js';

/**
 * The web app through a request's whole life in a real Chromium: resetdesk asking which app was
 * meant, an approver asking for more information, the requester answering and cancelling, a
 * duplicate and a refused (cooldown) submission, how much the pages shift while they load, and —
 * in the demo — the reset email in the dev mailbox. Screenshots go to docs/screenshots/.
 */
const signInFixture = () => withSignInGroups(testFixture(), { approvers: [USERS.irene], admins: [USERS.root] });

/** Two near names, so "jira" is a question; Cloud is an SWA link, Server goes to an approver (SAML). */
const CATALOG = [
  ...TEST_CATALOG,
  {
    name: 'Jira Cloud',
    oktaAppId: APPS.expensify,
    resetUrl: 'https://jira-cloud.example.com/reset',
    resetMethod: 'auto' as const,
    sensitive: false,
    approverGroup: null,
  },
  { name: 'Jira Server', oktaAppId: APPS.salesforce, resetUrl: null, resetMethod: 'auto' as const, sensitive: false, approverGroup: null },
];

/**
 * Failed loads Chromium logs: /api/v1/me before sign-in (401), the dev-mailbox probe on an SMTP
 * server (404), the cooldown's refusal (429).
 */
const EXPECTED_CONSOLE = [/status of 401/, /status of 404/, /status of 429/];

/** The API answers this much later than it would, so every page is seen while its data loads. */
const API_DELAY_MS = 400;

/** Long enough for a Mantine modal to finish fading in before a screenshot. */
const DIALOG_TRANSITION_MS = 400;

/** Google's "good" cumulative layout shift. */
const GOOD_CLS = 0.1;

describe('a request’s life in the web app', () => {
  let t: TestContext;
  let b: TestBrowser;
  const consoleErrors: string[] = [];
  const cls: Record<string, number> = {};
  /** Alice's completed Jira Cloud request (the first test's). */
  let completedId = '';

  beforeAll(async () => {
    t = await startTestContext('sqlite', { oidc: true, fixture: signInFixture(), catalog: CATALOG });
    b = await startBrowser();
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await t?.close();
    if (Object.keys(cls).length > 0) console.info(`cumulative layout shift per page: ${JSON.stringify(cls)}`);
  });

  async function signIn(email: string, width = 1280, path = '/', prepare?: (page: Page) => Promise<void>): Promise<Page> {
    const { page, consoleErrors: errors } = await b.page(width);
    page.on('close', () => consoleErrors.push(...errors.filter((e) => !EXPECTED_CONSOLE.some((re) => re.test(e)))));
    await prepare?.(page);
    await signInThroughProvider(page, t.url, email, path);
    return page;
  }

  /** Files a request through the form; `pick` chooses the catalog's spelling from the list, else the text stays as typed. */
  async function fileRequest(page: Page, typed: string, justification: string, pick?: string): Promise<string> {
    await page.goto(`${t.url}/`);
    const app = page.getByRole('combobox', { name: 'App' });
    await app.fill(typed);
    if (pick) await page.getByRole('option', { name: pick, exact: true }).click();
    else await app.press('Escape');
    await page.getByRole('textbox', { name: /Why do you need a reset/ }).fill(justification);
    await page.getByRole('button', { name: 'Ask for a reset' }).click();
    await page.waitForURL(/request=/);
    return new URL(page.url()).searchParams.get('request') ?? '';
  }

  const question = (page: Page) => page.getByTestId('question-card');

  it('"jira" is a question: the requester picks Jira Cloud from the candidates and the reset completes', async () => {
    const page = await signIn('alice@example.com');
    // The default policy denies resets for someone else: the form does not offer them.
    await expect.poll(() => page.getByRole('textbox', { name: /Why do you need a reset/ }).isVisible()).toBe(true);
    expect(await page.getByText('This reset is for someone else').count()).toBe(0);

    const id = await fileRequest(page, 'jira', 'Locked out of the tracker');
    completedId = id;
    await expect.poll(() => question(page).isVisible(), { timeout: 15_000 }).toBe(true);
    expect(await page.getByTestId('next-step').textContent()).toContain('Answer the question below so we can go on');
    expect(await page.getByTestId('next-step').textContent()).toContain('within 72 hours');
    expect(await question(page).textContent()).toMatch(/Did you mean .*Jira Cloud.*Jira Server/);
    await expectAccessible(page, 'question (app)');
    await screenshot(page, 'request-question');

    // My requests: it waits for the person's answer, so it is marked and can be filtered to.
    await page.goto(`${t.url}/requests`);
    await expect.poll(() => page.getByTestId('needs-answer').first().isVisible()).toBe(true);
    await page.getByText('Needs your answer', { exact: true }).first().click();
    await page.waitForURL(/needs=answer/);
    await expect.poll(() => page.getByRole('link', { name: 'jira' }).count()).toBe(1);
    await expectAccessible(page, 'my requests (needs answer)');
    await screenshot(page, 'my-requests-needs-answer');

    // The detail page asks too; answering there resumes triage, and the page follows it.
    await page.goto(`${t.url}/requests/${id}`);
    await expect.poll(() => question(page).isVisible()).toBe(true);
    await question(page).getByRole('button', { name: 'Jira Cloud', exact: true }).click();
    await expect.poll(() => page.getByText('Check your inbox for the Jira Cloud reset link').isVisible(), { timeout: 20_000 }).toBe(true);
    expect(await question(page).count()).toBe(0);
    await expect.poll(() => page.getByText('resetdesk asked which app was meant').isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await page.getByText('alice@example.com answered').isVisible()).toBe(true);
    expect(await page.getByText('Chose Jira Cloud').isVisible()).toBe(true);
    await t.idle();
    expect(t.mailTo('alice@example.com').map((m) => m.subject)).toContain('Jira Cloud password reset');
    await page.close();
  }, 90_000);

  it('an approver asks for more information; the requester answers in the app; back in the queue, the approver approves', async () => {
    const requester = await signIn('alice@example.com');
    const id = await fileRequest(requester, 'Jira Server', 'Need the old project history', 'Jira Server');
    await expect
      .poll(() => requester.getByText('Waiting for IT approval — usually within 24 hours').isVisible(), { timeout: 15_000 })
      .toBe(true);

    const approver = await signIn('irene@example.com', 1280, '/queue');
    const item = approver.getByRole('button', { name: /Jira Server.*alice@example\.com/ });
    await expect.poll(() => item.isVisible(), { timeout: 15_000 }).toBe(true);
    await item.click();
    await approver.getByRole('button', { name: 'Ask for information' }).click();
    const dialog = approver.getByRole('dialog', { name: 'Ask the requester for more information' });
    await expect.poll(() => dialog.isVisible()).toBe(true);
    // Sending nothing is refused in the dialog.
    await dialog.getByRole('button', { name: 'Send question' }).click();
    await expect.poll(() => dialog.getByText('Write your question first.').isVisible()).toBe(true);
    await dialog.getByRole('textbox', { name: /Your question/ }).fill('Which project do you need, and who is your manager?');
    await expectAccessible(approver, 'return dialog');
    await approver.waitForTimeout(DIALOG_TRANSITION_MS);
    await screenshot(approver, 'return-dialog');
    await dialog.getByRole('button', { name: 'Send question' }).click();
    await expect.poll(() => approver.getByText(/Sent your question about Jira Server to alice@example\.com/).isVisible()).toBe(true);
    expect(await item.count()).toBe(0);

    // The requester's page, left open, shows the question by itself.
    await expect.poll(() => question(requester).isVisible(), { timeout: 20_000 }).toBe(true);
    expect(await question(requester).textContent()).toContain('Which project do you need, and who is your manager?');
    expect(await question(requester).textContent()).toContain('Asked by irene@example.com');
    await expectAccessible(requester, 'question (approver)');
    await screenshot(requester, 'request-returned');
    await question(requester).getByRole('button', { name: 'Send answer' }).click();
    await expect.poll(() => question(requester).getByText('Write your answer first.').isVisible()).toBe(true);
    await question(requester)
      .getByRole('textbox', { name: /Your answer/ })
      .fill('Project ATLAS; my manager is Bob.');
    await question(requester).getByRole('button', { name: 'Send answer' }).click();
    await expect
      .poll(() => requester.getByText('Waiting for IT approval — usually within 24 hours').isVisible(), { timeout: 15_000 })
      .toBe(true);
    expect(await question(requester).count()).toBe(0);

    // Back in the queue, with the question and the answer in the panel.
    await approver.goto(`${t.url}/queue?selected=${id}`);
    const history = approver.getByTestId('question-history');
    await expect.poll(() => history.isVisible(), { timeout: 15_000 }).toBe(true);
    expect(await history.textContent()).toContain('Which project do you need, and who is your manager?');
    expect(await history.textContent()).toContain('Project ATLAS; my manager is Bob.');
    await expectAccessible(approver, 'review panel with history');
    await history.scrollIntoViewIfNeeded();
    await screenshot(approver, 'review-panel-history');
    await approver.getByRole('button', { name: 'Approve', exact: true }).click();
    // An Okta reset asks first; an SWA link does not.
    const confirm = approver.getByRole('button', { name: 'Approve and reset' });
    const approved = approver.getByText(/Approved Jira Server for alice@example\.com/);
    await expect.poll(async () => (await confirm.isVisible()) || (await approved.isVisible())).toBe(true);
    if (await confirm.isVisible()) await confirm.click();
    await expect.poll(() => approved.isVisible(), { timeout: 10_000 }).toBe(true);
    await expect
      .poll(() => requester.getByText(/Check your inbox for the Jira Server reset link|Approved: the reset is on its way/).isVisible(), {
        timeout: 20_000,
      })
      .toBe(true);
    const events = await t.events(id, await t.token('alice@example.com'));
    expect(events.filter((e) => e.details.kind === 'question' || e.details.kind === 'answer').map((e) => e.details.kind)).toEqual([
      'question',
      'answer',
    ]);
    await requester.close();
    await approver.close();
  }, 120_000);

  it('at phone width: the question, a duplicate submission, the return dialog and cancelling', async () => {
    const requester = await signIn('bob@example.com', 390);
    const id = await fileRequest(requester, 'jira', 'Forgot it');
    await expect.poll(() => question(requester).isVisible(), { timeout: 15_000 }).toBe(true);
    await screenshot(requester, 'request-question');
    // "None of these": the catalog, searched.
    await question(requester)
      .getByRole('combobox', { name: /None of these/ })
      .fill('server');
    await requester.getByRole('option', { name: 'Jira Server', exact: true }).click();
    await question(requester).getByRole('button', { name: 'Use this app' }).click();
    await expect.poll(() => requester.getByText(/Waiting for IT approval/).isVisible(), { timeout: 15_000 }).toBe(true);

    // The same request again: the form says so and shows the open one.
    const again = await fileRequest(requester, 'Jira Server', 'Still locked out', 'Jira Server');
    expect(again).toBe(id);
    await expect
      .poll(() => requester.getByText('You already have an open request for Jira Server — here it is.').isVisible(), { timeout: 10_000 })
      .toBe(true);

    const approver = await signIn('irene@example.com', 390, `/queue?selected=${id}`);
    await expect.poll(() => approver.getByRole('button', { name: 'Ask for information' }).isVisible(), { timeout: 15_000 }).toBe(true);
    await approver.getByRole('button', { name: 'Ask for information' }).click();
    const dialog = approver.getByRole('dialog', { name: 'Ask the requester for more information' });
    await dialog.getByRole('textbox', { name: /Your question/ }).fill('Which team are you in?');
    await approver.waitForTimeout(DIALOG_TRANSITION_MS);
    await screenshot(approver, 'return-dialog');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await approver.close();

    // The requester changes their mind: cancel, with a reason, from the detail page.
    await requester.goto(`${t.url}/requests/${id}`);
    await requester.getByTestId('cancel-request').click();
    const cancel = requester.getByRole('dialog', { name: 'Cancel the Jira Server reset?' });
    await expect.poll(() => cancel.isVisible()).toBe(true);
    await cancel.getByRole('textbox', { name: /Reason/ }).fill('I remembered it');
    await expectAccessible(requester, 'cancel dialog');
    await requester.waitForTimeout(DIALOG_TRANSITION_MS);
    // The dialog over the top of the page, not the whole (long) detail page under it.
    await screenshot(requester, 'cancel-dialog', { fullPage: false });
    await cancel.getByRole('button', { name: 'Cancel request' }).click();
    await expect.poll(() => cancel.isVisible()).toBe(false);
    await expect.poll(() => requester.getByTestId('next-step').textContent(), { timeout: 15_000 }).toContain('Cancelled');
    expect(await requester.getByTestId('next-step').textContent()).toContain('I remembered it');
    await expect.poll(() => requester.getByText('Cancelled by bob@example.com').isVisible(), { timeout: 15_000 }).toBe(true);
    expect(await requester.getByTestId('cancel-request').count()).toBe(0);
    const done = await t.waitForStatus(id, await t.token('bob@example.com'), ['Closed']);
    expect(done.resolution).toBe('Cancelled');
    await requester.close();
  }, 120_000);

  it('a fourth reset of the same app within the cooldown is refused, and the form says why', async () => {
    const token = await t.token('alice@example.com');
    for (let i = 0; i < 3; i++) {
      const created = await t.create(token, { app: 'Expensify', justification: `reset ${i}` });
      await t.waitForStatus(created.data?.request_id ?? '', token, ['Completed', 'Closed']);
    }
    const page = await signIn('alice@example.com');
    await page.getByRole('combobox', { name: 'App' }).fill('expen');
    await page.getByRole('option', { name: 'Expensify', exact: true }).click();
    await page.getByRole('textbox', { name: /Why do you need a reset/ }).fill('Again');
    await page.getByRole('button', { name: 'Ask for a reset' }).click();
    const error = page.getByTestId('form-error');
    await expect.poll(() => error.isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await error.textContent()).toContain('Too many resets for this app lately');
    expect(await error.textContent()).toContain('the policy allows 3');
    expect(page.url()).not.toContain('request=');
    await page.close();
  }, 90_000);

  it('the main pages keep still while their data loads (cumulative layout shift below 0.1)', async () => {
    const slowApi = async (page: Page) => {
      await observeLayoutShift(page);
      await page.route('**/api/v1/**', async (route) => {
        await new Promise((resolve) => setTimeout(resolve, API_DELAY_MS));
        await route.continue().catch(() => undefined);
      });
    };
    const pages: { who: string; path: string; ready: (page: Page) => Promise<unknown> }[] = [
      { who: 'alice', path: '/', ready: (page) => page.getByRole('button', { name: 'Ask for a reset' }).waitFor() },
      { who: 'alice', path: '/requests', ready: (page) => page.getByTestId('status-badge').first().waitFor() },
      { who: 'alice', path: `/requests/${completedId}`, ready: (page) => page.getByText('okta.findUser').first().waitFor() },
      {
        who: 'irene',
        path: '/queue',
        ready: (page) =>
          page
            .getByText(/Select a request|Nothing waiting/)
            .first()
            .waitFor(),
      },
      {
        who: 'irene',
        path: '/dashboard',
        ready: (page) => page.locator('[data-testid="chart-per-day"] svg.recharts-surface').first().waitFor(),
      },
    ];
    const shifted: string[] = [];
    for (const width of [1280, 390]) {
      for (const who of ['alice', 'irene']) {
        const page = await signIn(`${who}@example.com`, width, '/', slowApi);
        for (const { path, ready } of pages.filter((p) => p.who === who)) {
          await page.goto(`${t.url}${path}`);
          await ready(page);
          await expect.poll(async () => (await page.locator('.mantine-Skeleton-root').count()) === 0, { timeout: 10_000 }).toBe(true);
          await page.waitForTimeout(500);
          const { cls: shift, shifts } = await layoutShift(page);
          const name = `${path.startsWith('/requests/') ? '/requests/:id' : path} @${width}`;
          cls[name] = Math.round(shift * 10_000) / 10_000;
          if (shift >= GOOD_CLS) shifted.push(`${name}: ${shift} ${JSON.stringify(shifts)}`);
        }
        await page.close();
      }
    }
    expect(shifted).toEqual([]);
  }, 180_000);

  it('no page logged a console error', () => {
    expect(consoleErrors).toEqual([]);
  });
});

/**
 * `resetdesk serve` with no configuration, serving the built web app: a newcomer signs in as a
 * requester, asks for an SWA reset and sees the email arrive in the dev mailbox — only theirs.
 */
describe('the demo: the requester’s reset email in the dev mailbox', () => {
  let database: TestDatabase;
  let app: Resetdesk;
  let b: TestBrowser;
  let dataDir: string;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    dataDir = mkdtempSync(join(tmpdir(), 'resetdesk-demo-'));
    const config = loadConfig({ DATABASE_URL: database.url, PORT: '0', LOG_LEVEL: 'silent', WORKER_POLL_MS: '50' });
    app = await startResetdesk(config, { workerTuning: { baseBackoffMs: 50, maxBackoffMs: 500 } });
    b = await startBrowser();
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await app?.stop();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('sign in as a requester → Expensify → Completed → the email in the Mailbox page; nobody else’s mail', async () => {
    // Someone else's reset first: its email must not show up for alice.
    const bob = await signedInBrowser(app.url, 'bob.martinez@example.com');
    const bobs = await callAs(bob.browser, app.url, 'POST', '/api/v1/requests', {
      body: { app: 'Expensify', justification: 'bob' },
      csrfToken: bob.csrfToken,
    });
    expect(bobs.status).toBe(201);

    const { page, consoleErrors } = await b.page(1280);
    await page.goto(app.url);
    await page
      .getByRole('button', { name: 'Sign in' })
      .or(page.getByRole('link', { name: 'Sign in' }))
      .first()
      .click();
    await page.getByRole('button', { name: /— alice\.nguyen@example\.com$/ }).click();
    await page.waitForURL(`${app.url}/*`);
    await page.getByRole('combobox', { name: 'App' }).fill('expen');
    await page.getByRole('option', { name: 'Expensify', exact: true }).click();
    await page.getByRole('textbox', { name: /Why do you need a reset/ }).fill('Locked out after my holiday');
    await page.getByRole('button', { name: 'Ask for a reset' }).click();
    await expect.poll(() => page.getByText('Check your inbox for the Expensify reset link').isVisible(), { timeout: 20_000 }).toBe(true);

    await page.getByRole('link', { name: 'Mailbox' }).click();
    await page.waitForURL(`${app.url}/admin/mailbox`);
    await expect.poll(() => page.getByRole('heading', { name: 'Your mail (dev mailbox)' }).isVisible()).toBe(true);
    const mail = page.getByRole('article');
    await expect.poll(() => mail.filter({ hasText: 'Expensify password reset' }).count(), { timeout: 20_000 }).toBeGreaterThan(0);
    expect(await mail.first().textContent()).toContain('alice.nguyen@example.com');
    expect(await mail.first().textContent()).toContain('https://www.expensify.com/forgot-password/reset');
    expect(await page.getByText('bob.martinez@example.com').count()).toBe(0);
    await expectAccessible(page, 'dev mailbox (requester)');
    await screenshot(page, 'mailbox-requester');

    // The same rule through the API: alice sees her own mail; the README's anonymous curl sees all.
    const own = (await (await page.request.get(`${app.url}/dev/mailbox`)).json()) as { messages: { to: string[] }[] };
    expect(own.messages.length).toBeGreaterThan(0);
    expect(own.messages.every((m) => m.to.includes('alice.nguyen@example.com'))).toBe(true);
    const everyone = async () => ((await (await fetch(`${app.url}/dev/mailbox`)).json()) as { messages: { to: string[] }[] }).messages;
    await expect
      .poll(async () => (await everyone()).some((m) => m.to.includes('bob.martinez@example.com')), { timeout: 15_000 })
      .toBe(true);
    await page.close();
    expect(consoleErrors.filter((e) => !/status of 401/.test(e))).toEqual([]);
  }, 90_000);
});
