import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signatureHeaders } from '../src/connectors/external-executor/index.js';
import { expectAccessible, screenshot, signedInPage, startBrowser, type TestBrowser } from './helpers/browser.js';
import { type FakeExecutor, startFakeExecutor } from './helpers/fake-executor.js';
import { withSignInGroups } from './helpers/oidc-login.js';
import { startTestContext, type TestContext } from './helpers/test-context.js';
import { testFixture, USERS } from './helpers/test-org.js';

const SECRET = 'web-stores-webhook-secret-0123456789abcdef';
/** /api/v1/me before sign-in (401) and /dev/mailbox on a server that mails through SMTP (404). */
const EXPECTED_CONSOLE = [/status of 401/, /status of 404/];

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Credential stores in the web app, in Chromium: the Connectors page lists them (an LDAP
 * directory that does not answer shows so), an admin puts an app on a store in the catalog, and
 * the requester follows a reset handed to an external executor until its signed callback.
 */
describe('credential stores in the web app', () => {
  let t: TestContext;
  let b: TestBrowser;
  let executor: FakeExecutor;
  const consoleErrors: string[] = [];

  const signIn = (email: string, path: string) =>
    signedInPage(b, t.url, email, path, { expected: EXPECTED_CONSOLE, unexpected: consoleErrors });

  beforeAll(async () => {
    executor = await startFakeExecutor();
    const stores = join(await mkdtemp(join(tmpdir(), 'resetdesk-stores-')), 'stores.yaml');
    const ldap = `ldaps://127.0.0.1:${await closedPort()}`;
    await writeFile(
      stores,
      [
        'stores:',
        '  mainframe:',
        '    type: external',
        `    url: ${executor.url}`,
        `    secret: ${SECRET}`,
        '  corp-ldap:',
        '    type: ldap',
        `    url: ${ldap}`,
        '    bindDN: cn=admin,dc=example,dc=com',
        '    bindPassword: not-a-real-password',
        '    baseDN: dc=example,dc=com',
        '    timeoutMs: 1000',
        '',
      ].join('\n'),
    );
    t = await startTestContext('sqlite', {
      oidc: true,
      fixture: withSignInGroups(testFixture(), { approvers: [USERS.irene], admins: [USERS.root] }),
      env: { STORES_FILE: stores, JOB_SECRET_KEY: 'cd'.repeat(32) },
    });
    b = await startBrowser();
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await t?.close();
    await executor?.close();
  });

  it('the Connectors page lists the stores, with the directory that does not answer', async () => {
    const page = await signIn('root@example.com', '/admin/connectors');
    const card = page.getByRole('region', { name: 'Credential stores' });
    await expect.poll(() => card.isVisible()).toBe(true);
    const items = await page.getByTestId('connectors-stores').locator('li').allTextContents();
    expect(items[0]).toMatch(/^okta · built in/);
    expect(items[1]).toMatch(/^swa-link · built in/);
    expect(items.find((i) => i.startsWith('mainframe'))).toContain(`external executor · ${executor.url}`);
    expect(items.find((i) => i.startsWith('corp-ldap'))).toMatch(/LDAP directory · ldaps:\/\/127\.0\.0\.1:\d+ · Not reachable/);
    expect(await card.textContent()).toContain('Not reachable');
    await expectAccessible(page, 'admin connectors (stores)');
    await page.close();
  }, 60_000);

  it('an admin puts Salesforce on the external store; the requester follows it to the executor and back', async () => {
    const admin = await signIn('root@example.com', '/admin/apps');
    await expect.poll(() => admin.getByRole('table', { name: 'Apps in the catalog' }).isVisible()).toBe(true);
    await admin.getByRole('button', { name: 'Edit Salesforce' }).click();
    const edit = admin.getByRole('dialog', { name: 'Edit Salesforce' });
    await edit
      .getByRole('textbox', { name: 'Credential store' })
      .or(edit.getByRole('combobox', { name: 'Credential store' }))
      .click();
    await admin.getByRole('option', { name: 'mainframe', exact: true }).click();
    await edit.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => edit.isVisible()).toBe(false);
    const row = admin.getByRole('row', { name: /Salesforce/ });
    await expect.poll(async () => (await row.textContent()) ?? '').toContain('Store: mainframe');
    // The closing modal fades out: checked half-transparent, its text would fail the contrast rule.
    await expect.poll(() => admin.getByRole('dialog').count()).toBe(0);
    await expectAccessible(admin, 'admin apps (store)');
    await admin.close();

    const alice = await t.token('alice@example.com');
    const created = await t.create(alice, { app: 'Salesforce', justification: 'forgot it' });
    const id = created.data!.request_id;
    await t.waitForStatus(id, alice, ['PendingExternal']);
    await t.idle();
    expect(executor.deliveries().map((d) => d.body.request_id)).toEqual([id]);

    const page = await signIn('alice@example.com', `/requests/${id}`);
    await expect.poll(() => page.getByText('Pending With External System').first().isVisible()).toBe(true);
    const metadata = page.getByTestId('request-metadata');
    await expect.poll(async () => (await metadata.textContent()) ?? '').toContain('Credential storemainframe');
    await screenshot(page, 'request-external');

    const body = JSON.stringify({ status: 'success', message: 'Reset by the mainframe bot.' });
    const answer = await fetch(`${t.url}/api/v1/requests/${id}/external-result`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signatureHeaders([SECRET], body, Math.floor(Date.now() / 1000)) },
      body,
    });
    expect(answer.status).toBe(200);
    await expect
      .poll(() => page.getByText('Your Salesforce password has been reset by the system that manages it').isVisible(), { timeout: 15_000 })
      .toBe(true);
    await expect.poll(async () => (await metadata.textContent()) ?? '').toContain('Reset by the mainframe bot.');
    await expectAccessible(page, 'request (external, completed)');
    await page.close();
    expect(consoleErrors).toEqual([]);
  }, 90_000);
});
