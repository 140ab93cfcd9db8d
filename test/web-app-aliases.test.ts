import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAccessible, signedInPage, startBrowser, type TestBrowser } from './helpers/browser.js';
import { withSignInGroups } from './helpers/oidc-login.js';
import { startTestContext, type TestContext } from './helpers/test-context.js';
import { testFixture, USERS } from './helpers/test-org.js';

/** /api/v1/me before sign-in (401) and /dev/mailbox on a server that mails through SMTP (404). */
const EXPECTED_CONSOLE = [/status of 401/, /status of 404/];

/** The admin Apps page shows and edits an app's aliases, in Chromium. */
describe('app aliases in the web app', () => {
  let t: TestContext;
  let b: TestBrowser;
  const consoleErrors: string[] = [];

  const signIn = (email: string, path: string) =>
    signedInPage(b, t.url, email, path, { expected: EXPECTED_CONSOLE, unexpected: consoleErrors });

  beforeAll(async () => {
    t = await startTestContext('sqlite', { oidc: true, fixture: withSignInGroups(testFixture(), { approvers: [], admins: [USERS.root] }) });
    b = await startBrowser();
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await t?.close();
  });

  it('an admin adds aliases to Expensify; the table shows them and a clash is refused with both names', async () => {
    const admin = await signIn('root@example.com', '/admin/apps');
    await expect.poll(() => admin.getByRole('table', { name: 'Apps in the catalog' }).isVisible()).toBe(true);
    await admin.getByRole('button', { name: 'Edit Expensify' }).click();
    const edit = admin.getByRole('dialog', { name: 'Edit Expensify' });
    const aliases = edit.getByLabel('Aliases');
    await aliases.fill('expenses');
    await aliases.press('Enter');
    await aliases.fill('receipts');
    await aliases.press('Enter');
    await edit.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => edit.isVisible()).toBe(false);
    const row = admin.getByRole('row', { name: /Expensify/ });
    await expect.poll(async () => (await row.textContent()) ?? '').toContain('Also: expenses, receipts');
    const adminToken = await t.token('root@example.com', 'admin');
    const apps = (await t.client(adminToken).GET('/api/v1/apps')).data!.apps;
    expect(apps.find((a) => a.name === 'Expensify')?.aliases).toEqual(['expenses', 'receipts']);
    await expect.poll(() => admin.getByRole('dialog').count()).toBe(0);
    await expectAccessible(admin, 'admin apps (aliases)');

    // Another app may not take one of them: the form says which app has it.
    await admin.getByRole('button', { name: 'Edit Salesforce' }).click();
    const other = admin.getByRole('dialog', { name: 'Edit Salesforce' });
    const otherAliases = other.getByLabel('Aliases');
    await otherAliases.fill('Expenses');
    await otherAliases.press('Enter');
    await other.getByRole('button', { name: 'Save' }).click();
    await expect
      .poll(async () => (await other.getByRole('alert').textContent()) ?? '')
      .toContain('"Expenses" of "Salesforce" is already a name or alias of "Expensify"');
    await admin.close();
    expect(consoleErrors.filter((e) => !/status of 400/.test(e))).toEqual([]);
  }, 90_000);
});
