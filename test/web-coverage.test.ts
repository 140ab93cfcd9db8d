import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxFixture } from '../src/okta-sandbox/index.js';
import { expectAccessible, screenshot, signedInPage, startBrowser, type TestBrowser } from './helpers/browser.js';
import { withSignInGroups } from './helpers/oidc-login.js';
import { startTestContext, type TestContext } from './helpers/test-context.js';
import { testFixture, USERS } from './helpers/test-org.js';

/** /api/v1/me before sign-in (401) and /dev/mailbox on a server that mails through SMTP (404). */
const EXPECTED_CONSOLE = [/status of 401/, /status of 404/];
const WIKI = '0oacovWIKI0000000001';

/** The test org plus an Okta app the catalog lacks: the sync's dry run offers to add it. */
function orgWithWiki(): SandboxFixture {
  const base = testFixture();
  const wiki = {
    id: WIKI,
    name: 'template_swa',
    label: 'Wiki',
    signOnMode: 'AUTO_LOGIN' as const,
    status: 'ACTIVE' as const,
    assignedUserIds: [USERS.alice],
  };
  return withSignInGroups({ ...base, apps: [...base.apps, wiki] } as SandboxFixture, { approvers: [], admins: [USERS.root] });
}

/** The admin Apps page shows each app's reset path (gaps first) and syncs from Okta after a dry run, in Chromium. */
describe('coverage on the admin Apps page', () => {
  let t: TestContext;
  let b: TestBrowser;
  const consoleErrors: string[] = [];

  const signIn = (email: string, path: string) =>
    signedInPage(b, t.url, email, path, { expected: EXPECTED_CONSOLE, unexpected: consoleErrors });

  beforeAll(async () => {
    t = await startTestContext('sqlite', { oidc: true, fixture: orgWithWiki() });
    b = await startBrowser();
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await t?.close();
  });

  it('shows the path badges with gaps first, then previews and applies the sync from Okta', async () => {
    const page = await signIn('root@example.com', '/admin/apps');
    const table = page.getByRole('table', { name: 'Apps in the catalog' });
    await expect.poll(() => table.isVisible()).toBe(true);
    const summary = page.getByRole('status').filter({ hasText: 'without a reset path' });
    // The 8 catalog apps and Okta's Wiki: Ghost, Intranet, NoLink, Payroll and Wiki have no path.
    await expect
      .poll(async () => (await summary.textContent()) ?? '')
      .toMatch(/^9 apps, 5 without a reset path\. \d+(\.\d)? % of assigned users/);
    const rowTexts = async () => (await table.locator('tbody tr').allTextContents()).map((s) => s.trim());
    await expect.poll(async () => (await rowTexts()).some((r) => r.includes('Self-service link'))).toBe(true);
    const rows = await rowTexts();
    const gaps = rows.map((r) => r.includes('No reset path'));
    // Ghost (deleted), Intranet (unknown mode), NoLink (no Okta id), Payroll (no reset URL), then the rest.
    expect(gaps).toEqual([true, true, true, true, false, false, false, false]);
    expect(rows.find((r) => r.startsWith('Payroll'))).toContain('No reset URL: add it with Edit.');
    expect(rows.find((r) => r.startsWith('Expensify'))).toContain('Self-service link');
    expect(rows.find((r) => r.startsWith('Salesforce'))).toContain('Okta reset after approval');
    expect(rows.find((r) => r.startsWith('AWS Console'))).toContain('Always escalated');
    expect(await summary.textContent()).toContain('In Okta, not in the catalog: Wiki');
    await expectAccessible(page, 'admin apps (coverage)');

    await page.getByRole('button', { name: 'Sync from Okta' }).click();
    const dialog = page.getByRole('dialog', { name: 'Changes from Okta' });
    await expect.poll(async () => (await dialog.textContent()) ?? '').toContain('Add Wiki (AUTO_LOGIN)');
    expect(await dialog.textContent()).toContain('Flag Ghost: DELETED in Okta');
    // A dry run writes nothing.
    const admin = await t.token('root@example.com', 'admin');
    const names = async () => ((await t.client(admin).GET('/api/v1/apps')).data?.apps ?? []).map((a) => a.name);
    expect(await names()).not.toContain('Wiki');
    await expectAccessible(page, 'sync dry run', '[role="dialog"]');
    await screenshot(page, 'admin-apps-coverage', { fullPage: false });

    await dialog.getByRole('button', { name: 'Apply changes' }).click();
    await expect.poll(async () => (await dialog.textContent()) ?? '').toContain('Synced from Okta: 1 added');
    expect(await names()).toContain('Wiki');
    await dialog.getByRole('button', { name: 'Close', exact: true }).last().click();
    // Wiki is in the catalog now, without a reset URL: a gap the table lists with the others.
    await expect.poll(async () => (await rowTexts()).find((r) => r.startsWith('Wiki')) ?? '').toContain('No reset URL: add it with Edit.');
    await expect.poll(async () => (await summary.textContent()) ?? '').not.toContain('In Okta, not in the catalog');
    expect((await rowTexts()).map((r) => r.includes('No reset path'))).toEqual([true, true, true, true, true, false, false, false, false]);
    await page.close();
    expect(consoleErrors).toEqual([]);
  }, 90_000);
});
