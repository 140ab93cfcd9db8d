import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportCommand } from '../src/cli/report.command.js';
import { loadConfig } from '../src/config/config.js';
import type { NewApp } from '../src/db/repositories/app.repository.js';
import type { SandboxFixture } from '../src/okta-sandbox/index.js';
import type { CoverageReport, CoverageRow } from '../src/services/coverage-report.service.js';
import { DIALECTS } from './helpers/databases.js';
import { NO_COOLDOWN, startTestContext, type TestContext } from './helpers/test-context.js';
import { APPS, TEST_CATALOG, testFixture, USERS } from './helpers/test-org.js';

const VAULT_SECRET = 'vault-webhook-secret-0123456789abcdef0123';
/** More users than one page of Okta's app users (500): the count must follow the Link header. */
const BIG_APP_USERS = 501;
const MORE = {
  legacy: '0oacovLEGACY00000001', // INACTIVE in Okta, in the catalog
  wiki: '0oacovWIKI0000000001', // ACTIVE in Okta, not in the catalog
  big: '0oacovBIG00000000001', // alice and 501 more users assigned
  vault: '0oacovVAULT000000001', // reset by an external store
};

function coverageOrg(): SandboxFixture {
  const base = testFixture();
  const extraUsers = Array.from({ length: BIG_APP_USERS }, (_, i) => {
    const n = String(i + 1).padStart(4, '0');
    return {
      id: `00ucovuser${n.padStart(10, '0')}`,
      status: 'ACTIVE' as const,
      login: `bulk${n}@example.com`,
      email: `bulk${n}@example.com`,
      firstName: 'Bulk',
      lastName: n,
      factors: [],
      roles: [],
      groupIds: [],
    };
  });
  // biome-ignore format: one row per line reads as a table
  const extraApps = [
    { id: MORE.legacy, name: 'template_swa', label: 'Legacy CRM', signOnMode: 'AUTO_LOGIN' as const, status: 'INACTIVE' as const, assignedUserIds: [USERS.alice, USERS.bob] },
    { id: MORE.wiki, name: 'template_swa', label: 'Wiki', signOnMode: 'AUTO_LOGIN' as const, status: 'ACTIVE' as const, assignedUserIds: [USERS.alice, USERS.bob, USERS.carol] },
    { id: MORE.big, name: 'template_swa', label: 'Big App', signOnMode: 'BROWSER_PLUGIN' as const, status: 'ACTIVE' as const, assignedUserIds: [USERS.alice, ...extraUsers.map((u) => u.id)] },
    { id: MORE.vault, name: 'bookmark', label: 'Vault', signOnMode: 'BOOKMARK' as const, status: 'ACTIVE' as const, assignedUserIds: [USERS.alice] },
  ];
  return { ...base, users: [...base.users, ...extraUsers], apps: [...base.apps, ...extraApps] } as SandboxFixture;
}

// biome-ignore format: one row per line reads as a table
const CATALOG: NewApp[] = [
  ...TEST_CATALOG.filter((a) => a.name !== 'Mainframe'),
  { name: 'Legacy CRM', oktaAppId: MORE.legacy, resetUrl: 'https://crm.example.com/reset', resetMethod: 'auto', sensitive: false, approverGroup: null },
  { name: 'Big App', oktaAppId: MORE.big, resetUrl: 'https://big.example.com/reset', resetMethod: 'auto', sensitive: false, approverGroup: null },
  { name: 'Vault', oktaAppId: MORE.vault, resetUrl: null, resetMethod: 'auto', sensitive: false, approverGroup: null, store: 'vault' },
];

async function storesFile(): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'resetdesk-stores-')), 'stores.yaml');
  await writeFile(
    path,
    ['stores:', '  vault:', '    type: external', '    url: http://127.0.0.1:9/reset', `    secret: \${VAULT_SECRET}`, ''].join('\n'),
  );
  return path;
}

describe.each(DIALECTS)('coverage report on %s', (dialect) => {
  let t: TestContext;
  let admin: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    env = { STORES_FILE: await storesFile(), VAULT_SECRET, JOB_SECRET_KEY: Buffer.alloc(32, 7).toString('base64') };
    t = await startTestContext(dialect, { fixture: coverageOrg(), catalog: CATALOG, policy: NO_COOLDOWN, env });
    admin = await t.token('root@example.com', 'admin');
    const alice = await t.token('alice@example.com');
    const bob = await t.token('bob@example.com');
    // Expensify: alice's link goes out (Completed); bob is not assigned (Rejected). Payroll: escalated.
    const filed = [
      await t.create(alice, { app: 'Expensify', justification: 'forgot it' }),
      await t.create(bob, { app: 'Expensify', justification: 'forgot it' }),
      await t.create(alice, { app: 'Payroll', justification: 'forgot it' }),
      await t.create(bob, { app: 'Payroll', justification: 'forgot it' }),
    ];
    for (const r of filed) expect(r.status).toBe(201);
    await t.waitForStatus(filed[0]!.data!.request_id, alice, ['Completed']);
    await t.waitForStatus(filed[1]!.data!.request_id, bob, ['Rejected']);
    await t.waitForStatus(filed[2]!.data!.request_id, alice, ['Escalated']);
    await t.waitForStatus(filed[3]!.data!.request_id, bob, ['Escalated']);
    // bob's Payroll request was filed 40 days ago: outside the 30-day window.
    const old = new Date(Date.now() - 40 * 86_400_000).toISOString();
    await t.app.ctx.db.updateTable('password_requests').set({ created_at: old }).where('id', '=', filed[3]!.data!.request_id).execute();
  });
  afterAll(async () => t?.close());

  const report = async (): Promise<CoverageReport> => {
    const res = await t.raw('GET', '/api/v1/reports/coverage', { token: admin });
    expect(res.status).toBe(200);
    return res.body as CoverageReport;
  };
  const row = (r: CoverageReport, name: string): CoverageRow => {
    const found = r.apps.find((a) => a.name === name);
    if (!found) throw new Error(`${name} is not in the report`);
    return found;
  };

  it('lists every catalog and Okta app with its path, reason and action', async () => {
    const r = await report();
    const pick = (name: string) => {
      const a = row(r, name);
      return { path: a.path, reason: a.reason, store: a.store, automatic: a.automatic, action: a.action };
    };
    expect(pick('Expensify')).toEqual({ path: 'self_service_link', reason: null, store: null, automatic: true, action: null });
    expect(pick('Big App')).toMatchObject({ path: 'self_service_link', automatic: true });
    expect(pick('Salesforce')).toEqual({ path: 'okta_reset_after_approval', reason: null, store: null, automatic: false, action: null });
    expect(pick('AWS Console')).toEqual({ path: 'always_escalated', reason: null, store: null, automatic: false, action: null });
    expect(pick('Vault')).toEqual({ path: 'external_store', reason: null, store: 'vault', automatic: true, action: null });
    expect(pick('Payroll')).toEqual({
      path: 'no_path',
      reason: 'swa_no_reset_url',
      store: null,
      automatic: false,
      action: "add the app's reset URL in Admin → Apps",
    });
    expect(pick('Intranet')).toMatchObject({ path: 'no_path', reason: 'unknown_sign_on_mode' });
    expect(pick('NoLink')).toMatchObject({
      path: 'no_path',
      reason: 'not_linked_to_okta',
      action: expect.stringContaining('link the app to its Okta id'),
    });
    expect(pick('Legacy CRM')).toMatchObject({
      path: 'no_path',
      reason: 'okta_inactive',
      action: 'remove it from the catalog or reactivate it in Okta',
    });
    expect(pick('Ghost')).toMatchObject({
      path: 'no_path',
      reason: 'okta_deleted',
      action: 'remove it from the catalog or reactivate it in Okta',
    });
    expect(pick('Wiki')).toMatchObject({
      path: 'no_path',
      reason: 'not_in_catalog',
      action: 'add it to the catalog (resetdesk apps sync)',
    });
    expect(row(r, 'Wiki').catalogAppId).toBeNull();
    expect(row(r, 'Ghost').oktaStatus).toBe('DELETED');
    // Okta's Mainframe is not in this catalog: listed under its label.
    expect(pick('Mainframe')).toMatchObject({ path: 'no_path', reason: 'not_in_catalog' });
    // Gaps first.
    const firstPath = r.apps.findIndex((a) => a.path !== 'no_path');
    expect(r.apps.slice(firstPath).every((a) => a.path !== 'no_path')).toBe(true);
    expect(r.apps.slice(0, firstPath).every((a) => a.path === 'no_path')).toBe(true);
  });

  it('runs the policy in force: its version and the rule behind each path', async () => {
    const r = await report();
    expect(r.policyVersion).toBe(NO_COOLDOWN.version);
    expect(row(r, 'AWS Console').ruleId).toBe('sensitive_app');
    expect(row(r, 'Expensify').ruleId).toBe('swa_self_service');
  });

  it('counts assigned users through every page, and leaves apps Okta lacks uncounted', async () => {
    const r = await report();
    expect(row(r, 'Big App').assignedUsers).toBe(BIG_APP_USERS + 1);
    expect(row(r, 'Expensify').assignedUsers).toBe(Object.keys(USERS).length - 1);
    expect(row(r, 'Wiki').assignedUsers).toBe(3);
    expect(row(r, 'Legacy CRM').assignedUsers).toBe(2);
    expect(row(r, 'Ghost').assignedUsers).toBeNull();
    expect(row(r, 'NoLink').assignedUsers).toBeNull();
    const pages = t.sandbox.calls().filter((c) => c.path === `/api/v1/apps/${MORE.big}/users`);
    expect(pages.length).toBeGreaterThanOrEqual(2);
  });

  it('counts the last 30 days of requests by outcome', async () => {
    const r = await report();
    expect(row(r, 'Expensify').requests).toEqual({ total: 2, byOutcome: { Completed: 1, Rejected: 1 } });
    expect(row(r, 'Payroll').requests).toEqual({ total: 1, byOutcome: { Escalated: 1 } });
    expect(row(r, 'Salesforce').requests).toEqual({ total: 0, byOutcome: {} });
  });

  it('sums paths and the share of assigned users served without a human', async () => {
    const r = await report();
    const byPath = Object.fromEntries(Object.entries(r.summary.byPath).filter(([, n]) => n > 0));
    expect(byPath).toEqual({ self_service_link: 2, okta_reset_after_approval: 1, external_store: 1, always_escalated: 1, no_path: 7 });
    expect(r.summary.apps).toBe(r.apps.length);
    const counted = r.apps.reduce((n, a) => n + (a.assignedUsers ?? 0), 0);
    const automatic = r.apps.filter((a) => a.automatic).reduce((n, a) => n + (a.assignedUsers ?? 0), 0);
    // Expensify 12 + Big App 502 + Vault 1.
    expect(automatic).toBe(12 + BIG_APP_USERS + 1 + 1);
    expect(r.summary).toMatchObject({ assignedUsers: counted, automaticUsers: automatic });
    expect(r.summary.automaticShare).toBe(Math.round((automatic / counted) * 10_000) / 10_000);
  });

  it('serves CSV with one row per app', async () => {
    const res = await t.raw('GET', '/api/v1/reports/coverage.csv', { token: admin });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    const lines = String(res.body).trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'app,path,reason,store,automatic,assignedUsers,requests30d,requestsByOutcome,action,oktaAppId,oktaStatus,signOnMode,ruleId',
    );
    expect(lines).toHaveLength((await report()).apps.length + 1);
    expect(lines).toContain(
      `Expensify,self_service_link,,,true,12,2,Completed=1; Rejected=1,,${APPS.expensify},ACTIVE,AUTO_LOGIN,swa_self_service`,
    );
  });

  it('is for admins only', async () => {
    const requester = await t.token('alice@example.com');
    expect((await t.raw('GET', '/api/v1/reports/coverage', { token: requester })).status).toBe(403);
    expect((await t.raw('GET', '/api/v1/reports/coverage')).status).toBe(401);
  });

  it('the CLI prints the table, JSON and CSV', async () => {
    const config = loadConfig({
      DATABASE_URL: t.database.url,
      OKTA_ORG_URL: t.sandbox.url,
      OKTA_API_TOKEN: t.sandbox.apiToken,
      LOG_LEVEL: 'silent',
      ...env,
    });
    const run = async (args: string[]) => {
      let text = '';
      const code = await reportCommand(config, args, (s) => (text += `${s}\n`));
      return { code, text };
    };
    const table = await run(['coverage']);
    expect(table.code).toBe(0);
    const lines = table.text.split('\n');
    expect(lines[0]).toMatch(
      /^Coverage under policy test-no-cooldown: 12 apps \(.*\); \d+\.\d% of assigned users \(\d+ of \d+\) resolve without a human$/,
    );
    expect(lines[2]).toMatch(/^APP\s+PATH\s+REASON \/ STORE\s+USERS\s+REQ 30D\s+ACTION$/);
    expect(lines.find((l) => l.startsWith('Payroll '))).toMatch(
      /no_path\s+swa_no_reset_url\s+13\s+1 \(Escalated=1\)\s+add the app's reset URL/,
    );
    const json = await run(['coverage', '--json']);
    expect((JSON.parse(json.text) as CoverageReport).apps.map((a) => a.name)).toEqual((await report()).apps.map((a) => a.name));
    const csv = await run(['coverage', '--csv']);
    expect(csv.text.split('\r\n')[0]).toMatch(/^app,path,reason,/);
    await expect(run(['coverage', '--json', '--csv'])).rejects.toThrow(/exclude each other/);
    await expect(run(['nothing'])).rejects.toThrow(/Usage: resetdesk report coverage/);
  });
});
