import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FixtureApp } from '../src/okta-sandbox/fixture.js';
import { syncCatalogFromOkta } from '../src/services/app-sync.service.js';
import { setClock, testClock } from '../src/time.js';
import { DIALECTS } from './helpers/databases.js';
import { errorOf, startTestContext, type TestContext } from './helpers/test-context.js';
import { APPS, testFixture } from './helpers/test-org.js';

/** The CLI as installed: bin/resetdesk.js over the compiled dist/ (`npm test` builds first). */
const BIN = new URL('../bin/resetdesk.js', import.meta.url).pathname;

/** The test org plus 39 more apps (one INACTIVE): 45 apps, three pages of 20. */
function bigOrg() {
  const base = testFixture();
  const extra: FixtureApp[] = Array.from({ length: 39 }, (_, i) => ({
    id: `0oasync${String(i + 1).padStart(13, '0')}`,
    name: 'template_swa',
    label: `Synced App ${String(i + 1).padStart(2, '0')}`,
    signOnMode: 'BROWSER_PLUGIN',
    status: i === 0 ? 'INACTIVE' : 'ACTIVE',
    assignedUserIds: [],
  }));
  return { ...base, apps: [...base.apps, ...extra] };
}

/** Runs the CLI without blocking this process: the sandbox it talks to lives here. */
function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill(), 30_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe.each(DIALECTS)('app catalog sync from Okta on %s', (dialect) => {
  let t: TestContext;
  let admin: string;

  beforeAll(async () => {
    t = await startTestContext(dialect, { fixture: bigOrg() });
    admin = await t.token('root@example.com', 'admin');
  });
  afterAll(async () => t?.close());

  const catalog = async () => (await t.client(admin).GET('/api/v1/apps')).data!.apps;
  const sync = (dryRun: boolean) => t.client(admin).POST('/api/v1/apps/sync', { params: { query: { dryRun: dryRun ? 'true' : 'false' } } });
  const runs = () => t.app.ctx.db.selectFrom('app_sync_runs').selectAll().orderBy('at').execute();
  const byName = async (name: string) => (await catalog()).find((a) => a.name === name);

  it('the CLI prints the diff of a dry run and writes nothing', async () => {
    const before = await catalog();
    const r = await runCli(['apps', 'sync', '--dry-run'], {
      DATABASE_URL: t.database.url,
      OKTA_ORG_URL: t.sandbox.url,
      OKTA_API_TOKEN: 'test-ssws-token-0123456789',
      LOG_LEVEL: 'silent',
    });
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain('+ Synced App 01\t0oasync0000000000001\tBROWSER_PLUGIN\tINACTIVE');
    expect(r.stdout).toContain('~ Expensify\t');
    expect(r.stdout).toContain('okta.signOnMode: - → AUTO_LOGIN');
    expect(r.stdout).toContain(`! Ghost\t${APPS.ghost}\tDELETED`);
    expect(r.stdout).toContain('Dry run: 39 added, 6 updated, 1 flagged, 0 unchanged (45 read from Okta); nothing was written.');
    expect(await catalog()).toEqual(before);
    expect(await runs()).toEqual([]);
  });

  it('a dry run writes nothing and reports exactly what the real run then does', async () => {
    // Admin fields that a sync must keep: aliases, reset URL, sensitive, approver group, reset method.
    const expensify = (await byName('Expensify'))!;
    await t.client(admin).PATCH('/api/v1/apps/{id}', { params: { path: { id: expensify.id } }, body: { aliases: ['expenses'] } });
    const before = await catalog();

    const dry = await sync(true);
    expect(dry.response.status).toBe(200);
    const plan = dry.data!;
    expect(plan.dryRun).toBe(true);
    expect(plan.read).toBe(45);
    expect(plan.added).toHaveLength(39);
    expect(plan.added[0]).toEqual({
      name: 'Synced App 01',
      oktaAppId: '0oasync0000000000001',
      signOnMode: 'BROWSER_PLUGIN',
      status: 'INACTIVE',
    });
    expect(plan.updated.map((u) => u.name).sort()).toEqual(['AWS Console', 'Expensify', 'Intranet', 'Mainframe', 'Payroll', 'Salesforce']);
    expect(plan.updated.find((u) => u.name === 'Salesforce')!.changes).toEqual([
      { field: 'okta.label', before: null, after: 'Salesforce' },
      { field: 'okta.signOnMode', before: null, after: 'SAML_2_0' },
      { field: 'okta.status', before: null, after: 'ACTIVE' },
    ]);
    expect(plan.flagged).toEqual([{ name: 'Ghost', oktaAppId: APPS.ghost, status: 'DELETED' }]);
    expect(plan.unchanged).toBe(0);
    expect(await catalog()).toEqual(before);
    expect(await runs()).toEqual([]);

    const real = await sync(false);
    expect(real.response.status).toBe(200);
    expect({ ...real.data!, dryRun: true }).toEqual(plan);

    const after = await catalog();
    expect(after).toHaveLength(before.length + 39);
    for (const app of before) {
      const now = after.find((a) => a.id === app.id)!;
      // Everything an admin set is as it was; only Okta's view changed.
      expect({ ...now, okta: null }).toEqual({ ...app, okta: null });
    }
    expect(after.find((a) => a.name === 'Expensify')).toMatchObject({
      aliases: ['expenses'],
      resetUrl: 'https://expensify.example.com/reset',
      okta: { label: 'Expensify', signOnMode: 'AUTO_LOGIN', status: 'ACTIVE' },
    });
    expect(after.find((a) => a.name === 'AWS Console')).toMatchObject({ sensitive: true, approverGroup: 'cloud-owners' });
    expect(after.find((a) => a.name === 'Ghost')?.okta).toMatchObject({ status: 'DELETED', label: null });
    expect(after.find((a) => a.name === 'Synced App 02')).toMatchObject({
      oktaAppId: '0oasync0000000000002',
      resetUrl: null,
      resetMethod: 'auto',
      sensitive: false,
      aliases: [],
      okta: { signOnMode: 'BROWSER_PLUGIN', status: 'ACTIVE' },
    });

    // The run is recorded once, by whom, with its changes.
    const recorded = await runs();
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({ trigger: 'api', actor: 'root@example.com', added: 39, updated: 6, flagged: 1, unchanged: 0 });
    expect(JSON.parse(recorded[0]!.changes_json).flagged).toEqual(plan.flagged);
  });

  it('a second sync changes nothing and records nothing', async () => {
    const before = await catalog();
    const again = await sync(false);
    expect(again.data).toMatchObject({ added: [], updated: [], flagged: [], unchanged: 46 });
    expect(await catalog()).toEqual(before);
    expect(await runs()).toHaveLength(1);
  });

  it('flags apps deactivated or deleted in Okta, never removes them, and keeps the catalog name', async () => {
    const okta = t.sandbox.state.apps;
    okta.get(APPS.salesforce)!.status = 'INACTIVE';
    okta.get(APPS.intranet)!.label = 'Intranet Portal';
    okta.delete(APPS.payroll);
    const res = await sync(false);
    expect(res.data).toMatchObject({
      added: [],
      updated: [
        { name: 'Intranet', oktaAppId: APPS.intranet, changes: [{ field: 'okta.label', before: 'Intranet', after: 'Intranet Portal' }] },
      ],
      unchanged: 43,
    });
    expect(res.data!.flagged).toEqual([
      { name: 'Salesforce', oktaAppId: APPS.salesforce, status: 'INACTIVE' },
      { name: 'Payroll', oktaAppId: APPS.payroll, status: 'DELETED' },
    ]);
    const after = await catalog();
    expect(after.find((a) => a.name === 'Payroll')?.okta?.status).toBe('DELETED');
    expect(after.find((a) => a.name === 'Salesforce')).toMatchObject({ approverGroup: 'crm-owners', okta: { status: 'INACTIVE' } });
    expect(after.find((a) => a.oktaAppId === APPS.intranet)?.name).toBe('Intranet');
    expect(await runs()).toHaveLength(2);
  });

  it('follows the Link headers across pages of 20', async () => {
    t.sandbox.state.apps.get(APPS.salesforce)!.status = 'ACTIVE';
    const from = t.sandbox.calls().length;
    const result = await syncCatalogFromOkta(t.app.ctx, { dryRun: true, actor: 'test', trigger: 'cli', pageSize: 20 });
    expect(result.read).toBe(44);
    const pages = t.sandbox
      .calls()
      .slice(from)
      .filter((c) => c.path === '/api/v1/apps');
    expect(pages.map((c) => [c.status, c.query.limit, c.query.after ?? null])).toEqual([
      [200, '20', null],
      [200, '20', expect.stringMatching(/^0oa/)],
      [200, '20', expect.stringMatching(/^0oa/)],
    ]);
    expect(result.flagged).toEqual([]);
    expect(result.updated.map((u) => u.name)).toEqual(['Salesforce']);
  });

  it('is for admins only, and a bad dryRun is a 400 naming it', async () => {
    const alice = await t.token('alice@example.com');
    const approver = await t.token('approver@example.com', 'approver');
    for (const token of [alice, approver]) {
      const res = await t.raw('POST', '/api/v1/apps/sync', { token });
      expect(res.status).toBe(403);
    }
    expect((await t.raw('POST', '/api/v1/apps/sync')).status).toBe(401);
    const bad = await t.raw('POST', '/api/v1/apps/sync?dryRun=maybe', { token: admin });
    expect(bad.status).toBe(400);
    expect(errorOf(bad)?.code).toBe('VALIDATION_FAILED');
    expect(errorOf(bad)?.message).toContain('dryRun');
  });
});

describe('app catalog sync under Okta rate limits', () => {
  let t: TestContext;
  afterAll(async () => t?.close());

  it('waits for the next window instead of failing', async () => {
    t = await startTestContext('sqlite', { fixture: bigOrg(), sandboxRateLimit: { limit: 1, windowSeconds: 1 } });
    const result = await syncCatalogFromOkta(t.app.ctx, { dryRun: false, actor: 'test', trigger: 'cli', pageSize: 20 });
    expect(result.read).toBe(45);
    expect(result.added).toHaveLength(39);
    const pages = t.sandbox.calls().filter((c) => c.path === '/api/v1/apps');
    const served = pages.filter((c) => c.status === 200);
    expect(served).toHaveLength(3);
    // One page per 1-second window: the budget is unknown only before the first answer.
    expect(pages.filter((c) => c.status === 429).length).toBeLessThanOrEqual(1);
    expect(Date.parse(served[2]!.at) - Date.parse(served[0]!.at)).toBeGreaterThanOrEqual(1000);
  }, 30_000);
});

describe.each(DIALECTS)('scheduled app catalog sync on %s', (dialect) => {
  let t: TestContext;
  const clock = testClock();

  beforeAll(async () => {
    setClock(clock);
    t = await startTestContext(dialect, { fixture: bigOrg(), env: { OKTA_APPS_SYNC_MINUTES: '30' } });
  });
  afterAll(async () => {
    await t?.close();
    setClock(null);
  });

  const syncJobs = () =>
    t.app.ctx.db
      .selectFrom('jobs')
      .select(['idempotency_key', 'run_at', 'status'])
      .where('kind', '=', 'okta-apps-sync')
      .orderBy('run_at')
      .execute();

  it('one durable job per due time however many instances, which syncs and schedules the next', async () => {
    const second = await t.startInstance();
    const [first, ...others] = await syncJobs();
    expect(others).toEqual([]);
    expect(first).toMatchObject({ status: 'pending' });
    const due = Date.parse(first!.run_at);
    expect(due % (30 * 60_000)).toBe(0);
    expect(due).toBeGreaterThan(clock());

    clock.advance(due - clock() + 1_000);
    t.app.worker.wake();
    second.worker.wake();
    await t.idle(20_000);
    await second.worker.idle(20_000);

    const runs = await t.app.ctx.db.selectFrom('app_sync_runs').selectAll().execute();
    expect(runs.map((r) => [r.trigger, r.actor, r.added])).toEqual([['schedule', 'schedule', 39]]);
    const jobs = await syncJobs();
    expect(jobs.map((j) => j.status)).toEqual(['done', 'pending']);
    expect(Date.parse(jobs[1]!.run_at) - due).toBe(30 * 60_000);
  }, 60_000);
});

describe.each(DIALECTS)('concurrent app catalog syncs on %s', (dialect) => {
  let t: TestContext;
  afterAll(async () => t?.close());

  it('three syncs at once add each Okta app once, and all succeed', async () => {
    t = await startTestContext(dialect, { fixture: bigOrg() });
    const admin = await t.token('root@example.com', 'admin');
    const results = await Promise.all([1, 2, 3].map(() => t.client(admin).POST('/api/v1/apps/sync', { params: { query: {} } })));
    expect(results.map((r) => r.response.status)).toEqual([200, 200, 200]);
    const apps = (await t.client(admin).GET('/api/v1/apps')).data!.apps;
    const synced = apps.filter((a) => a.name.startsWith('Synced App'));
    expect(synced).toHaveLength(39);
    expect(new Set(synced.map((a) => a.oktaAppId)).size).toBe(39);
    expect(results.reduce((n, r) => n + r.data!.added.length, 0)).toBe(39);
  });
});
