import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, InvalidCredentialsError } from 'ldapts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listJobs } from '../src/db/repositories/job.repository.js';
import { DIALECTS } from './helpers/databases.js';
import { type Slapd, startSlapd } from './helpers/slapd.js';
import { NO_COOLDOWN, startTestContext, type TestContext } from './helpers/test-context.js';
import { TEST_CATALOG } from './helpers/test-org.js';

/** Intranet and AWS Console (sensitive: approval first) reset in the directory; Payroll's directory is down. */
const CATALOG = TEST_CATALOG.map((app) => {
  const stores: Record<string, string> = { Intranet: 'corp-ldap', 'AWS Console': 'corp-ldap', Payroll: 'ldap-down' };
  const store = stores[app.name];
  return store ? { ...app, store } : app;
});

/** A loopback port nothing listens on (taken, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Whether `password` opens `dn` on the directory now. */
async function binds(slapd: Slapd, dn: string, password: string): Promise<boolean> {
  const client = new Client({ url: slapd.url, tlsOptions: { ca: readFileSync(slapd.caFile) }, connectTimeout: 5000 });
  try {
    await client.bind(dn, password);
    return true;
  } catch (err) {
    if (err instanceof InvalidCredentialsError) return false;
    throw err;
  } finally {
    await client.unbind();
  }
}

describe.each(DIALECTS)('LDAP credential stores on %s', (dialect) => {
  let slapd: Slapd;
  let t: TestContext;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    // bob has no directory account: his resets find nobody.
    slapd = await startSlapd({
      users: [
        { uid: 'alice', mail: 'alice@example.com', password: 'Alice-old-pass-1' },
        { uid: 'carol', mail: 'carol@example.com', password: 'Carol-old-pass-1' },
      ],
    });
    const stores = join(await mkdtemp(join(tmpdir(), 'resetdesk-stores-')), 'stores.yaml');
    const settings = (url: string) => [
      '    type: ldap',
      `    url: ${url}`,
      `    caFile: ${slapd.caFile}`,
      `    bindDN: ${slapd.bindDN}`,
      `    bindPassword: \${LDAP_BIND_PASSWORD}`,
      `    baseDN: ${slapd.usersDN}`,
      "    userFilter: '(mail={login})'",
      '    timeoutMs: 2000',
    ];
    const down = `ldaps://127.0.0.1:${await closedPort()}`;
    await writeFile(stores, ['stores:', '  corp-ldap:', ...settings(slapd.url), '  ldap-down:', ...settings(down), ''].join('\n'));
    t = await startTestContext(dialect, {
      catalog: CATALOG,
      policy: NO_COOLDOWN,
      env: {
        STORES_FILE: stores,
        JOB_SECRET_KEY: 'ab'.repeat(32),
        LDAP_BIND_PASSWORD: slapd.bindPassword,
        DUPLICATE_REQUESTS: 'allow',
      },
    });
    alice = await t.token('alice@example.com');
    bob = await t.token('bob@example.com');
  });
  afterAll(async () => {
    await t?.close();
    await slapd?.stop();
  });
  beforeEach(async () => {
    await t.idle();
    t.mailbox.clear();
  });

  async function file(token: string, app: string): Promise<string> {
    const created = await t.create(token, { app, justification: 'forgot it' });
    expect(created.status, JSON.stringify(created.error)).toBe(201);
    await t.idle();
    return created.data!.request_id;
  }

  /** The password in the one "your new password" email to `address`. */
  function emailedPassword(address: string): string {
    const mails = t.mailTo(address).filter((m) => /your new password/.test(m.subject));
    expect(mails).toHaveLength(1);
    const password = /New password: (\S+)/.exec(mails[0]!.text)?.[1];
    expect(password).toBeDefined();
    return password!;
  }

  it('resets the password in the directory, emails it once, and keeps no copy', async () => {
    const id = await file(alice, 'Intranet');
    const view = await t.waitForStatus(id, alice, ['Closed']);
    expect(view).toMatchObject({ resolution: 'Completed', store: 'corp-ldap', resetMethod: 'directory', ruleId: 'directory_store' });
    const password = emailedPassword('alice@example.com');
    expect(password.length).toBe(20);
    const mail = t.mailTo('alice@example.com').find((m) => /your new password/.test(m.subject))!;
    expect(mail.text).toContain('You will be asked to choose a password of your own when you next sign in.');
    // The directory: the new password opens the account, the old one no longer does.
    const dn = slapd.userDn('alice');
    expect(await binds(slapd, dn, password)).toBe(true);
    expect(await binds(slapd, dn, 'Alice-old-pass-1')).toBe(false);
    // Recorded without the password: the Tool Call names the entry and the forced change.
    const events = await t.events(id, alice);
    const call = events.find((e) => e.eventType === 'Tool Call' && e.details.tool === 'ldap.resetPassword');
    expect(call?.details).toMatchObject({
      ok: true,
      args: { store: 'corp-ldap', login: 'alice@example.com' },
      result: { userDn: dn, mustChange: true },
    });
    expect(JSON.stringify(events)).not.toContain(password);
    const jobs = await listJobs(t.app.ctx.db);
    expect(jobs.some((j) => j.payload_json.includes(password))).toBe(false);
    expect(JSON.parse(jobs.find((j) => j.idempotency_key === `email:${id}:new_password`)!.payload_json)).not.toHaveProperty(
      'sealedPassword',
    );
  });

  it('an approval resets a sensitive app in the directory', async () => {
    const id = await file(alice, 'AWS Console');
    expect((await t.request(id, alice)).status).toBe('Escalated');
    const approver = await t.token('irene@example.com', 'approver');
    const approved = await t.decide(id, approver, 'approve');
    expect(approved.status).toBe(200);
    await t.idle();
    expect((await t.waitForStatus(id, alice, ['Closed'])).resolution).toBe('Completed');
    expect(await binds(slapd, slapd.userDn('alice'), emailedPassword('alice@example.com'))).toBe(true);
  });

  it('a requester with no directory account goes to a human, with the reason', async () => {
    const id = await file(bob, 'Intranet');
    const view = await t.request(id, bob);
    expect(view).toMatchObject({ status: 'Escalated', ruleId: 'store_reset_failed', priority: 'High' });
    expect(view.rationale).toContain('could not be reset in its directory');
    const call = (await t.events(id, bob)).find((e) => e.details.tool === 'ldap.resetPassword');
    expect(call?.details).toMatchObject({ ok: false, error: { code: 'LDAP_USER_NOT_FOUND' } });
    expect(t.mailTo('bob@example.com').map((m) => m.subject)).toEqual(['Intranet password reset: waiting for approval']);
  });

  it('a directory that stays down is retried, then the request goes to a human', async () => {
    const id = await file(alice, 'Payroll');
    const view = await t.request(id, alice);
    expect(view).toMatchObject({ status: 'Escalated', ruleId: 'store_reset_failed' });
    const calls = (await t.events(id, alice)).filter((e) => e.details.tool === 'ldap.resetPassword');
    expect(calls.length).toBeGreaterThan(1);
    for (const call of calls) expect(call.details).toMatchObject({ ok: false, error: { code: 'LDAP_UNAVAILABLE' } });
  });
});
