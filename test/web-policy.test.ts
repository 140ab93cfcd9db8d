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
import { type FakeConfluence, policyPageStorage, startFakeConfluence } from './helpers/fake-confluence.js';
import { withSignInGroups } from './helpers/oidc-login.js';
import { startTestContext, type TestContext } from './helpers/test-context.js';
import { testFixture, USERS } from './helpers/test-org.js';

/**
 * The policy page in a real Chromium against a real resetdesk whose policy comes from a (fake)
 * Confluence page: approvers read the policy in force, its reference text, YAML and history;
 * admins replace it (a policy with problems is refused line by line, a valid one is in force at
 * once) and sync the page (a failing page shows its lines, here and on the Connectors page). A
 * second server without Confluence shows the file as the source and no "Sync now". The review
 * panel links a decision's policy version here. Screenshots: docs/screenshots/policy-*.png.
 */
const signInFixture = () => withSignInGroups(testFixture(), { approvers: [USERS.irene], admins: [USERS.root] });

/**
 * Chromium logs any failed resource load: /api/v1/me before sign-in (401), /dev/mailbox on a
 * server that mails through SMTP (404: the app then shows no mailbox), the refused policy (400)
 * and the failed sync (502) are expected.
 */
const EXPECTED_CONSOLE = [/status of 401/, /status of 404/, /status of 400/, /status of 502/];

const PAGE_ID = '1638401';
const GOOD = 'version: "page-1"\nthirdParty: escalate\n';
// Two problems: line 2 (not deny or escalate) and line 4 (not a boolean).
const BAD = 'version: "page-2"\nthirdParty: maybe\nmfa:\n  required: perhaps\n';
const REFERENCE = 'Approvers: read this before deciding.';
/** Markup in the page's prose arrives as text; the app must show it as typed, never as markup. */
const MARKUP = '<img src=x onerror=alert(1)> is not a picture';

const API_DELAY_MS = 400;
const GOOD_CLS = 0.1;

interface Session {
  t: TestContext;
  b: TestBrowser;
  consoleErrors: string[];
}

/** A fresh browser context, signed in as `email` through the sign-in page and the provider. */
async function signIn(s: Session, email: string, width = 1280, path = '/', before?: (page: Page) => Promise<void>): Promise<Page> {
  const { page, consoleErrors: errors } = await s.b.page(width);
  await before?.(page);
  page.on('close', () => s.consoleErrors.push(...errors.filter((e) => !EXPECTED_CONSOLE.some((re) => re.test(e)))));
  await signInThroughProvider(page, s.t.url, email, path);
  return page;
}

const versionShown = (page: Page) => page.getByTestId('policy-version').textContent();
const historyRows = (page: Page) => page.getByTestId('policy-history').locator('tbody tr').count();

describe('the policy page, with the policy from a Confluence page', () => {
  const s = { consoleErrors: [] as string[] } as Session;
  let confluence: FakeConfluence;
  let escalatedId: string;

  beforeAll(async () => {
    confluence = await startFakeConfluence();
    confluence.setPage(
      PAGE_ID,
      policyPageStorage(GOOD, { before: `<p>${REFERENCE} &lt;img src=x onerror=alert(1)&gt; is not a picture</p>` }),
    );
    s.t = await startTestContext('sqlite', {
      oidc: true,
      fixture: signInFixture(),
      env: {
        CONFLUENCE_BASE_URL: confluence.url,
        CONFLUENCE_EMAIL: confluence.email,
        CONFLUENCE_API_TOKEN: confluence.apiToken,
        CONFLUENCE_POLICY_PAGE_ID: PAGE_ID,
      },
    });
    s.b = await startBrowser();
    // Decided under page-1: the review panel links that version.
    const alice = await s.t.token('alice@example.com');
    const created = await s.t.create(alice, { app: 'Salesforce', justification: 'Locked out since the policy changed' });
    escalatedId = created.data!.request_id;
    await s.t.waitForStatus(escalatedId, alice, ['Escalated']);
  }, 60_000);
  afterAll(async () => {
    await s.b?.close();
    await s.t?.close();
    await confluence?.close();
  });

  it('an approver reads the policy: version, source, reference text as plain text, YAML and history; no admin buttons', async () => {
    const page = await signIn(s, 'irene@example.com');
    await page.getByRole('link', { name: 'Policy', exact: true }).click();
    await page.waitForURL(`${s.t.url}/policy`);
    await expect.poll(() => page.getByRole('heading', { level: 1, name: 'Reset policy' }).isVisible()).toBe(true);
    await expect.poll(() => versionShown(page)).toBe('page-1');
    expect(await page.getByRole('link', { name: /page 1638401 version 1/ }).getAttribute('href')).toMatch(new RegExp(PAGE_ID));
    expect(await page.getByText(REFERENCE, { exact: false }).isVisible()).toBe(true);
    expect(await page.getByTestId('policy-yaml').textContent()).toBe(GOOD);
    expect(await page.getByTestId('policy-last-sync').textContent()).toMatch(/Succeeded.*at start-up/);
    expect(await historyRows(page)).toBe(1);
    expect(await page.getByRole('button', { name: 'Replace policy' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Sync now' }).count()).toBe(0);
    // Keyboard: the YAML block takes focus (it scrolls).
    await page.getByTestId('policy-yaml').focus();
    expect(await page.evaluate<string | undefined>('document.activeElement?.dataset.testid')).toBe('policy-yaml');
    await expectAccessible(page, 'policy (approver)');
    await screenshot(page, 'policy');
    await page.setViewportSize({ width: 390, height: 844 });
    await expect.poll(() => page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await screenshot(page, 'policy');
    await page.close();
  }, 60_000);

  it('the page keeps still while the policy loads (cumulative layout shift below 0.1)', async () => {
    const slowApi = async (page: Page) => {
      await observeLayoutShift(page);
      await page.route('**/api/v1/**', async (route) => {
        await new Promise((resolve) => setTimeout(resolve, API_DELAY_MS));
        await route.continue().catch(() => undefined);
      });
    };
    for (const width of [1280, 390]) {
      const page = await signIn(s, 'irene@example.com', width, '/', slowApi);
      await page.goto(`${s.t.url}/policy`);
      await page.getByTestId('policy-yaml').waitFor();
      await page.waitForTimeout(500);
      const { cls, shifts } = await layoutShift(page);
      expect(cls, `/policy @${width}: ${JSON.stringify(shifts)}`).toBeLessThan(GOOD_CLS);
      await page.close();
    }
  }, 60_000);

  it('an admin replaces the policy: problems are listed by line and nothing changes; a valid policy is in force at once', async () => {
    const page = await signIn(s, 'root@example.com', 1280, '/policy');
    await expect.poll(() => versionShown(page)).toBe('page-1');
    const before = await historyRows(page);
    await page.getByRole('button', { name: 'Replace policy' }).click();
    const dialog = page.getByRole('dialog', { name: 'Replace the policy' });
    const yaml = dialog.getByRole('textbox', { name: 'Policy YAML' });
    await expect.poll(() => yaml.inputValue()).toBe(GOOD);
    await expectAccessible(page, 'replace policy dialog');

    await yaml.fill(BAD);
    await dialog.getByRole('button', { name: 'Put in force' }).click();
    const issues = dialog.getByTestId('policy-issues');
    await expect.poll(() => issues.isVisible()).toBe(true);
    expect(await issues.textContent()).toContain('The policy has problems; nothing changed');
    const lines = await issues.locator('li').allTextContents();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^line 2: thirdParty: /);
    expect(lines[1]).toMatch(/^line 4: mfa\.required: /);
    // The text stays, to be fixed; nothing changed on the server.
    expect(await yaml.inputValue()).toBe(BAD);
    expect(s.t.app.ctx.policy.version).toBe('page-1');
    await expectAccessible(page, 'replace policy dialog with problems');

    await yaml.fill('version: "admin-1"\nthirdParty: escalate\n');
    await dialog.getByRole('button', { name: 'Put in force' }).click();
    await expect.poll(() => dialog.isVisible()).toBe(false);
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Policy admin-1 is in force.' }).isVisible()).toBe(true);
    await expect.poll(() => versionShown(page)).toBe('admin-1');
    expect(await page.getByText(/Replaced by root@example\.com on/).isVisible()).toBe(true);
    expect(await historyRows(page)).toBe(before + 1);
    expect(s.t.app.ctx.policy.version).toBe('admin-1');
    // Keyboard: the dialog opens from the keyboard and Escape closes it.
    await page.getByRole('button', { name: 'Replace policy' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => dialog.isVisible()).toBe(true);
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.isVisible()).toBe(false);
    await expectAccessible(page, 'policy (admin)');
    await page.close();
  }, 60_000);

  it('an admin syncs a broken page: the error names its lines here and on the Connectors page; a fixed page is taken', async () => {
    const page = await signIn(s, 'root@example.com', 1280, '/policy');
    await expect.poll(() => versionShown(page)).toBe('admin-1');
    confluence.setPage(PAGE_ID, policyPageStorage(BAD));
    await page.getByRole('button', { name: 'Sync now' }).click();
    await expect.poll(() => page.getByText('The sync failed; the policy in force stays.').isVisible()).toBe(true);
    const problem = page.getByTestId('policy-sync-error');
    await expect.poll(() => problem.isVisible()).toBe(true);
    const lines = await problem.locator('li').allTextContents();
    expect(lines.map((l) => l.replace(/:.*/, ''))).toEqual(['line 2', 'line 4']);
    expect(await page.getByTestId('policy-last-sync').textContent()).toMatch(/Failed.*by hand/);
    expect(await versionShown(page)).toBe('admin-1');
    await expectAccessible(page, 'policy (failed sync)');

    // The Connectors page shows the same failure.
    const status = await s.t.client(await s.t.token('root@example.com', 'admin')).GET('/api/v1/admin/connectors');
    expect(status.data?.policy).toMatchObject({
      confluence: { pageId: PAGE_ID, syncMinutes: expect.any(Number) },
      source: 'admin',
      version: 'admin-1',
      lastSync: { ok: false, trigger: 'manual', errorCode: 'POLICY_SOURCE_INVALID' },
      lastSuccessfulSyncAt: expect.any(String),
    });
    await page.goto(`${s.t.url}/admin/connectors`);
    const card = page.getByRole('region', { name: 'Policy source' });
    await expect.poll(() => card.isVisible()).toBe(true);
    expect(await card.textContent()).toContain('Sync failed');
    expect(await card.textContent()).toMatch(/line 2: thirdParty/);
    expect(await card.textContent()).toContain(`Confluence page ${PAGE_ID}`);
    await expectAccessible(page, 'admin connectors (failed sync)');

    confluence.setPage(
      PAGE_ID,
      policyPageStorage('version: "page-3"\nthirdParty: escalate\n', {
        before: '<p>&lt;img src=x onerror=alert(1)&gt; is not a picture</p>',
      }),
    );
    await page.getByRole('link', { name: 'Open the policy page' }).click();
    await page.waitForURL(`${s.t.url}/policy`);
    await page.getByRole('button', { name: 'Sync now' }).click();
    await expect.poll(() => page.getByText('Synced: page version 3 is now in force (policy page-3).').isVisible()).toBe(true);
    await expect.poll(() => versionShown(page)).toBe('page-3');
    expect(await page.getByTestId('policy-sync-error').count()).toBe(0);
    expect(await page.getByTestId('policy-last-sync').textContent()).toMatch(/Succeeded.*by hand/);
    // The page's prose is shown as text: the markup is there to read, and no image was made of it.
    await expect.poll(() => page.getByText(MARKUP, { exact: false }).isVisible()).toBe(true);
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    await page.close();
  }, 60_000);

  it('the review panel links the policy version the decision used; the policy page marks it in the history', async () => {
    const page = await signIn(s, 'irene@example.com', 1280, '/queue');
    const item = page.getByRole('link', { name: /alice@example\.com/ }).or(page.getByRole('button', { name: /alice@example\.com/ }));
    await expect.poll(() => item.first().isVisible(), { timeout: 15_000 }).toBe(true);
    await item.first().click();
    const link = page.getByRole('link', { name: /^Policy vpage-1/ });
    await expect.poll(() => link.isVisible()).toBe(true);
    await link.click();
    await page.waitForURL(`${s.t.url}/policy?version=page-1`);
    await expect.poll(() => versionShown(page)).toBe('page-3');
    expect(await page.getByText('The request you came from was decided under policy page-1.', { exact: false }).isVisible()).toBe(true);
    const marked = page.getByTestId('policy-history').getByRole('row', { name: /page-1/ });
    expect(await marked.textContent()).toContain('Your request’s');
    await page.close();
  }, 60_000);

  it('a requester cannot open the policy page, and has no link to it', async () => {
    const page = await signIn(s, 'alice@example.com', 1280, '/policy');
    await expect.poll(() => page.getByRole('heading', { name: 'Not allowed' }).isVisible()).toBe(true);
    expect(await page.getByRole('link', { name: 'Policy', exact: true }).count()).toBe(0);
    await page.close();
  });

  it('no page logged a console error', () => {
    expect(s.consoleErrors).toEqual([]);
  });
});

describe('the policy page, with the policy from a file (no Confluence)', () => {
  const s = { consoleErrors: [] as string[] } as Session;

  beforeAll(async () => {
    s.t = await startTestContext('sqlite', { oidc: true, fixture: signInFixture(), policy: { version: 'file-1' } });
    s.b = await startBrowser();
  }, 60_000);
  afterAll(async () => {
    await s.b?.close();
    await s.t?.close();
  });

  it('shows the file as the source, says there is no reference text, and offers no "Sync now"', async () => {
    const page = await signIn(s, 'root@example.com', 1280, '/policy');
    await expect.poll(() => versionShown(page)).toBe('file-1');
    expect(await page.getByText(/^The policy file /).isVisible()).toBe(true);
    expect(await page.getByText('No reference text: the policy comes from a file.', { exact: false }).isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Replace policy' }).isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Sync now' }).count()).toBe(0);
    expect(await page.getByRole('heading', { name: 'Policy page sync' }).count()).toBe(0);
    await expectAccessible(page, 'policy (file)');

    await page.goto(`${s.t.url}/admin/connectors`);
    const card = page.getByRole('region', { name: 'Policy source' });
    await expect.poll(() => card.isVisible()).toBe(true);
    expect(await card.textContent()).toContain('No Confluence');
    expect(await card.textContent()).toContain('In force: file-1 (Policy file)');
    await page.close();
  }, 60_000);

  it('no page logged a console error', () => {
    expect(s.consoleErrors).toEqual([]);
  });
});
