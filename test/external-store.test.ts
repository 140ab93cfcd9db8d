import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { externalJobSchema, signatureHeaders, verifySignature } from '../src/connectors/external-executor/index.js';
import { listJobs } from '../src/db/repositories/job.repository.js';
import { nowMs, setClock, type TestClock, testClock } from '../src/time.js';
import { DIALECTS } from './helpers/databases.js';
import { type FakeExecutor, startFakeExecutor } from './helpers/fake-executor.js';
import { type ReferenceExecutor, startReferenceExecutor } from './helpers/reference-executor.js';
import { errorOf, NO_COOLDOWN, startTestContext, type TestContext } from './helpers/test-context.js';
import { APPS, TEST_CATALOG } from './helpers/test-org.js';

/** Each store's secret: at least 32 characters, and different, so one store cannot sign for another. */
const SECRETS = {
  mainframe: 'mainframe-webhook-secret-0123456789abcdef',
  legacy: 'legacy-erp-webhook-secret-0123456789abcdef',
  vault: 'vault-webhook-secret-0123456789abcdef0123',
  manual: 'manual-webhook-secret-0123456789abcdef012',
  manualNext: 'manual-webhook-next-secret-0123456789abcd',
  slow: 'slow-webhook-secret-0123456789abcdef012345',
};
/** "IT Approvers", the group of apps without their own (Intranet, Payroll, Mainframe). */
const IT_APPROVERS = ['irene@example.com', 'lena.mail@example.com', 'carol@example.com'];

/**
 * The catalog, with each app on a store: Mainframe on `mainframe` (the reference executor,
 * answering success), Intranet on `legacy` (reference, failure), Payroll on `vault` (reference,
 * with a generated password), Salesforce and AWS Console (sensitive: approval first) on `manual`,
 * an executor the tests play by hand, and Expensify on `slow` (the same, with a one-minute timeout).
 */
const CATALOG = TEST_CATALOG.map((app) => {
  const stores: Record<string, string> = {
    Mainframe: 'mainframe',
    Intranet: 'legacy',
    Payroll: 'vault',
    Salesforce: 'manual',
    'AWS Console': 'manual',
    Expensify: 'slow',
  };
  const store = stores[app.name];
  return store ? { ...app, store } : app;
}).concat([
  // A store STORES_FILE no longer declares (the catalog took it while it did).
  {
    name: 'Retired Tool',
    oktaAppId: APPS.intranet,
    resetUrl: null,
    resetMethod: 'auto',
    sensitive: false,
    approverGroup: null,
    store: 'retired',
  },
]);

async function storesFile(urls: Record<'mainframe' | 'legacy' | 'vault' | 'manual', string>): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'resetdesk-stores-')), 'stores.yaml');
  await writeFile(
    path,
    [
      'stores:',
      '  mainframe:',
      '    type: external',
      `    url: ${urls.mainframe}`,
      `    secret: \${MAINFRAME_SECRET}`,
      '  legacy:',
      '    type: external',
      `    url: ${urls.legacy}`,
      `    secret: \${LEGACY_SECRET}`,
      '  vault:',
      '    type: external',
      `    url: ${urls.vault}`,
      `    secret: \${VAULT_SECRET}`,
      '    generatesPassword: true',
      '  manual:',
      '    type: external',
      `    url: ${urls.manual}`,
      `    secret: \${MANUAL_SECRET}`,
      `    nextSecret: \${MANUAL_NEXT_SECRET:-}`,
      '  slow:',
      '    type: external',
      `    url: ${urls.manual}`,
      `    secret: \${SLOW_SECRET}`,
      `    nextSecret: \${SLOW_NEXT_SECRET:-}`,
      '    timeout: 1m',
      '',
    ].join('\n'),
  );
  return path;
}

describe.each(DIALECTS)('external credential stores on %s', (dialect) => {
  let t: TestContext;
  let clock: TestClock;
  let fake: FakeExecutor;
  const executors: ReferenceExecutor[] = [];
  let alice: string;
  let bob: string;
  let approver: string;

  beforeAll(async () => {
    clock = testClock();
    setClock(clock);
    fake = await startFakeExecutor();
    const [mainframe, legacy, vault] = await Promise.all([
      startReferenceExecutor({ EXECUTOR_SECRET: SECRETS.mainframe, RESULT: 'success', FAIL_FIRST: '2' }),
      startReferenceExecutor({ EXECUTOR_SECRET: SECRETS.legacy, RESULT: 'failure' }),
      startReferenceExecutor({ EXECUTOR_SECRET: SECRETS.vault, RESULT: 'generate' }),
    ]);
    executors.push(mainframe!, legacy!, vault!);
    t = await startTestContext(dialect, {
      catalog: CATALOG,
      policy: NO_COOLDOWN,
      env: {
        STORES_FILE: await storesFile({ mainframe: mainframe!.url, legacy: legacy!.url, vault: vault!.url, manual: fake.url }),
        JOB_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
        MAINFRAME_SECRET: SECRETS.mainframe,
        LEGACY_SECRET: SECRETS.legacy,
        VAULT_SECRET: SECRETS.vault,
        MANUAL_SECRET: SECRETS.manual,
        MANUAL_NEXT_SECRET: SECRETS.manualNext,
        SLOW_SECRET: SECRETS.slow,
        DUPLICATE_REQUESTS: 'allow',
      },
    });
    alice = await t.token('alice@example.com');
    bob = await t.token('bob@example.com');
    approver = await t.token('irene@example.com', 'approver');
  });
  afterAll(async () => {
    await t?.close();
    for (const executor of executors) await executor.stop();
    await fake?.close();
    setClock(null);
  });
  beforeEach(async () => {
    await t.idle();
    t.mailbox.clear();
    fake.clear();
  });

  async function file(token: string, app: string): Promise<string> {
    const created = await t.create(token, { app, justification: 'forgot it' });
    expect(created.status, JSON.stringify(created.error)).toBe(201);
    return created.data!.request_id;
  }

  /** The signed callback as the manual store's executor sends it; `at` in Unix seconds. */
  function callback(id: string, body: unknown, opts: { secret?: string; at?: number; headers?: Record<string, string> } = {}) {
    const raw = JSON.stringify(body);
    const signed = signatureHeaders([opts.secret ?? SECRETS.manual], raw, opts.at ?? Math.floor(nowMs() / 1000));
    return t.raw('POST', `/api/v1/requests/${id}/external-result`, {
      rawBody: raw,
      headers: { 'content-type': 'application/json', ...signed, ...opts.headers },
    });
  }

  /** Files a Salesforce request (store `manual`) and waits until its job reached the fake executor. */
  async function pendingOnManual(token = alice): Promise<string> {
    const id = await file(token, 'Salesforce');
    await t.idle();
    expect((await t.request(id, token)).status).toBe('PendingExternal');
    return id;
  }

  it('the reference executor round trip: retried through an outage, then Completed With Success', async () => {
    const id = await file(alice, 'Mainframe');
    const done = await t.waitForStatus(id, alice, ['Completed', 'Closed']);
    expect(done).toMatchObject({ store: 'mainframe', resetMethod: 'external', ruleId: 'external_store' });
    expect(done.externalResult?.message).toBe('Password reset for alice@example.com in Mainframe.');
    await t.idle();
    expect(t.mailTo('alice@example.com').map((m) => m.subject)).toEqual([
      'Mainframe password reset: in progress',
      'Mainframe password reset: completed',
    ]);
    // The executor answered 503 twice (FAIL_FIRST=2): three deliveries, each a Tool Call with its outcome.
    const events = await t.events(id, alice);
    const dispatches = events.filter((e) => e.eventType === 'Tool Call' && e.details.tool === 'external.dispatch');
    expect(dispatches.map((e) => e.details.ok)).toEqual([false, false, true]);
    expect(dispatches[0]!.details.error).toMatchObject({ code: 'EXECUTOR_UNAVAILABLE' });
    expect(dispatches[2]!.details.result).toEqual({ httpStatus: 202 });
    expect(typeof dispatches[2]!.details.durationMs).toBe('number');
    const received = executors[0]!.events().filter((e) => e.event === 'received' && e.request_id === id);
    expect(received).toHaveLength(1);
    expect(received[0]!.idempotencyKey).toBe(`external:${id}`);
    expect(events.find((e) => e.details.kind === 'external_result')).toMatchObject({ actor: 'external:mainframe' });
    expect((await t.request(id, alice)).statusLabel).toBe('Closed');
  });

  it('a failure callback: Completed With Failure, the requester told why, the approvers asked to take over', async () => {
    const id = await file(bob, 'Intranet');
    const failed = await t.waitForStatus(id, bob, ['Failed', 'Closed']);
    expect(failed.rationale).toBe(
      'The external system could not reset the Intranet password: The store refused the reset (simulated failure).',
    );
    await t.idle();
    const [mail] = t.mailTo('bob@example.com').filter((m) => /could not be completed/.test(m.subject));
    expect(mail?.text).toContain('The store refused the reset (simulated failure).');
    for (const address of IT_APPROVERS) {
      expect(t.mailTo(address).map((m) => m.subject)).toEqual([
        'Intranet password reset for bob@example.com: the external system did not complete it',
      ]);
    }
    const escalation = (await t.events(id, bob)).find((e) => e.eventType === 'Escalation');
    expect(escalation?.details).toMatchObject({ kind: 'external_failed', store: 'legacy', nextOwner: 'IT Approvers' });
    const view = await t.request(id, bob);
    expect([view.status, view.resolution]).toEqual(['Closed', 'Failed']);
  });

  it('success with a generated password: emailed once, and no copy in the jobs, the audit log or the API', async () => {
    const id = await file(alice, 'Payroll');
    await t.waitForStatus(id, alice, ['Completed', 'Closed']);
    await t.idle();
    const mails = t.mailTo('alice@example.com').filter((m) => /new password/.test(m.subject));
    expect(mails).toHaveLength(1);
    const password = /New password: (\S+)/.exec(mails[0]!.text)?.[1];
    expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    const jobs = await listJobs(t.app.ctx.db);
    expect(jobs.some((j) => j.payload_json.includes(password!))).toBe(false);
    const emailJob = jobs.find((j) => j.idempotency_key === `email:${id}:new_password`);
    expect(emailJob?.status).toBe('done');
    expect(JSON.parse(emailJob!.payload_json)).not.toHaveProperty('sealedPassword');
    expect(JSON.stringify(await t.events(id, alice))).not.toContain(password);
    expect(JSON.stringify(await t.request(id, alice))).not.toContain(password);
    expect((await t.events(id, alice)).find((e) => e.details.kind === 'external_result')?.details).toMatchObject({
      passwordDelivered: true,
    });
  });

  it('the job is signed (with both secrets during a rotation), names the request, and matches the published schema', async () => {
    const id = await pendingOnManual();
    const [delivery] = fake.deliveries();
    expect(delivery).toBeDefined();
    const { headers, rawBody, body } = delivery!;
    const verify = (secrets: string[]) =>
      verifySignature({
        secrets,
        timestamp: headers['x-resetdesk-timestamp'] as string,
        signature: headers['x-resetdesk-signature'] as string,
        rawBody,
        nowSeconds: Math.floor(nowMs() / 1000),
      });
    expect(verify([SECRETS.manual])).toEqual({ ok: true });
    expect(verify([SECRETS.manualNext])).toEqual({ ok: true });
    expect(verify([SECRETS.mainframe])).toEqual({ ok: false, reason: 'mismatch' });
    expect(headers['idempotency-key']).toBe(`external:${id}`);
    expect(externalJobSchema.parse(body)).toEqual({
      request_id: id,
      user: { login: 'alice@example.com', email: 'alice@example.com', oktaUserId: expect.any(String) },
      app: { name: 'Salesforce', oktaAppId: expect.any(String) },
      generatePassword: false,
      callbackUrl: `${t.url}/api/v1/requests/${id}/external-result`,
    });
  });

  it('refuses forged, unsigned and stale callbacks with 401, changing nothing', async () => {
    const id = await pendingOnManual();
    const body = { status: 'success' };
    const forged = await callback(id, body, { secret: SECRETS.mainframe });
    expect([forged.status, errorOf(forged)?.code]).toEqual([401, 'SIGNATURE_INVALID']);
    expect(errorOf(forged)?.details).toEqual({ reason: 'mismatch' });
    const unsigned = await t.raw('POST', `/api/v1/requests/${id}/external-result`, { body });
    expect([unsigned.status, errorOf(unsigned)?.details]).toEqual([401, { reason: 'missing' }]);
    const now = Math.floor(nowMs() / 1000);
    for (const at of [now - 301, now + 301]) {
      const stale = await callback(id, body, { at });
      expect([stale.status, errorOf(stale)?.details]).toEqual([401, { reason: 'stale' }]);
    }
    // Tampered after signing: the signature covers the exact bytes.
    const raw = JSON.stringify({ status: 'failure' });
    const signed = signatureHeaders([SECRETS.manual], raw, now);
    const tampered = await t.raw('POST', `/api/v1/requests/${id}/external-result`, {
      rawBody: JSON.stringify({ status: 'success' }),
      headers: { 'content-type': 'application/json', ...signed },
    });
    expect(tampered.status).toBe(401);
    // An unsigned malformed body learns nothing about the body's rules: 401, not 400.
    const junk = await t.raw('POST', `/api/v1/requests/${id}/external-result`, { body: { nope: 1 } });
    expect(junk.status).toBe(401);
    expect((await t.request(id, alice)).status).toBe('PendingExternal');
    expect(t.mailTo('alice@example.com').map((m) => m.subject)).toEqual(['Salesforce password reset: in progress']);
  });

  it('a signed callback with the next secret is accepted; its replay and a second callback are 409 and change nothing', async () => {
    const id = await pendingOnManual();
    const at = Math.floor(nowMs() / 1000);
    const body = { status: 'success', message: 'Reset in Salesforce by the bot.' };
    const first = await callback(id, body, { secret: SECRETS.manualNext, at });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ request_id: id, status: 'Completed', statusLabel: 'Completed' });
    const replay = await callback(id, body, { secret: SECRETS.manualNext, at });
    expect([replay.status, errorOf(replay)?.code]).toEqual([409, 'NOT_PENDING_EXTERNAL']);
    const second = await callback(id, { status: 'failure', message: 'changed my mind' });
    expect(second.status).toBe(409);
    await t.idle();
    const view = await t.request(id, alice);
    expect([view.status, view.resolution, view.externalResult?.message]).toEqual([
      'Closed',
      'Completed',
      'Reset in Salesforce by the bot.',
    ]);
    expect(t.mailTo('alice@example.com').filter((m) => /completed/.test(m.subject))).toHaveLength(1);
    const results = (await t.events(id, alice)).filter((e) => e.details.kind === 'external_result');
    expect(results).toHaveLength(1);
  });

  it('a signed but malformed result is 400 naming the problem, and changes nothing', async () => {
    const id = await pendingOnManual();
    const bad = await callback(id, { status: 'done' });
    expect([bad.status, errorOf(bad)?.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(errorOf(bad)?.message).toContain('status');
    const passwordOnFailure = await callback(id, { status: 'failure', password: 'x1' });
    expect(passwordOnFailure.status).toBe(400);
    const extra = await callback(id, { status: 'success', requester: 'mallory@example.com' });
    expect(extra.status).toBe(400);
    expect((await t.request(id, alice)).status).toBe('PendingExternal');
  });

  it('an unknown request is 404 only to a caller holding a store secret; others get 401', async () => {
    const signed = await callback('req_nosuchrequest00000000000', { status: 'success' });
    expect([signed.status, errorOf(signed)?.code]).toEqual([404, 'REQUEST_NOT_FOUND']);
    const forged = await callback('req_nosuchrequest00000000000', { status: 'success' }, { secret: 'x'.repeat(40) });
    expect(forged.status).toBe(401);
  });

  it('a malformed id is refused like any other unsigned or unknown callback, never a 5xx', async () => {
    for (const id of ['req_nosuchrequest00000000000%00', '..%2F..%2Fetc%2Fpasswd', 'x'.repeat(300)]) {
      const res = await callback(id, { status: 'success' });
      expect(res.status, id).toBeLessThan(500);
      expect([400, 401, 404]).toContain(res.status);
    }
  });

  it("a request on one store cannot be settled with another store's secret", async () => {
    const id = await pendingOnManual();
    const res = await callback(id, { status: 'success' }, { secret: SECRETS.vault });
    expect(res.status).toBe(401);
    expect((await t.request(id, alice)).status).toBe('PendingExternal');
  });

  it('a permanent refusal of the job (4xx) fails the request visibly, once', async () => {
    fake.answerWith(400);
    const id = await file(alice, 'Salesforce');
    await t.idle();
    const view = await t.request(id, alice);
    expect([view.status, view.resolution]).toEqual(['Closed', 'Failed']);
    expect(view.rationale).toMatch(/^The external system did not take the reset job: .*400/);
    expect(fake.deliveries()).toHaveLength(1);
    expect(t.mailTo('alice@example.com').map((m) => m.subject)).toEqual([
      'Salesforce password reset: in progress',
      'Salesforce password reset: could not be completed',
    ]);
    // Salesforce's approver group is crm-owners (irene and lena).
    expect(t.mailTo('irene@example.com').map((m) => m.subject)).toEqual([
      'Salesforce password reset for alice@example.com: the external system did not complete it',
    ]);
  });

  it('after approval: a sensitive app is escalated first, and the approval hands it to the executor', async () => {
    const id = await file(alice, 'AWS Console');
    await t.idle();
    expect((await t.request(id, alice)).status).toBe('Escalated');
    expect(fake.deliveries()).toHaveLength(0);
    const approved = await t.decide(id, approver, 'approve', { comment: 'ok' });
    expect(approved.status).toBe(200);
    expect(approved.data?.status).toBe('PendingExternal');
    await t.idle();
    expect(fake.deliveries().map((d) => d.body.request_id)).toEqual([id]);
    expect((await callback(id, { status: 'success' })).status).toBe(200);
    expect((await t.waitForStatus(id, alice, ['Closed'])).resolution).toBe('Completed');
  });

  it('an app on a store that is no longer configured goes to a human', async () => {
    const id = await file(alice, 'Retired Tool');
    await t.idle();
    const view = await t.request(id, alice);
    expect(view).toMatchObject({ status: 'Escalated', ruleId: 'store_not_configured', store: 'retired', priority: 'Medium' });
    expect(view.rationale).toContain('not configured');
    expect(fake.deliveries()).toHaveLength(0);
  });

  it('the catalog takes only configured stores, in the API and the CSV', async () => {
    const admin = await t.token('root@example.com', 'admin');
    const bad = await t.raw('POST', '/api/v1/apps', { token: admin, body: { name: 'Zeta', store: 'nope' } });
    expect([bad.status, errorOf(bad)?.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(errorOf(bad)?.message).toContain('okta, swa-link, legacy, mainframe, manual, slow, vault');
    const good = await t.raw('POST', '/api/v1/apps', { token: admin, body: { name: 'Zeta', store: 'vault' } });
    expect([good.status, (good.body as { store?: string }).store]).toEqual([201, 'vault']);
    const csv = 'App,URL,oktaID,store\nYotta,,,nope\nXi,,,mainframe\n';
    const imported = await t.raw('POST', '/api/v1/apps/import', { token: admin, rawBody: csv, headers: { 'content-type': 'text/csv' } });
    expect([imported.status, errorOf(imported)?.details]).toEqual([
      400,
      { lines: [{ line: 2, message: 'store "nope" is not a configured store (okta, swa-link, legacy, mainframe, manual, slow, vault)' }] },
    ]);
    const exported = await t.raw('GET', '/api/v1/apps/export.csv', { token: admin });
    expect(String(exported.body)).toContain('App,URL,oktaID,sensitive,approverGroup,resetMethod,store');
    expect(String(exported.body)).toMatch(/Zeta,,,false,,auto,vault/);
  });

  // Last: it moves the clock forward for good (later callbacks would be stale for the reference executors).
  it('no callback within the store timeout: Failed and escalated with the reason; a late callback is 409', async () => {
    const id = await file(alice, 'Expensify');
    await t.idle();
    expect((await t.request(id, alice)).status).toBe('PendingExternal');
    clock.advance(59_000);
    t.app.worker.wake();
    await t.idle();
    expect((await t.request(id, alice)).status).toBe('PendingExternal');
    clock.advance(2_000);
    t.app.worker.wake();
    await t.idle();
    const view = await t.request(id, alice);
    expect([view.status, view.resolution]).toEqual(['Closed', 'Failed']);
    expect(view.rationale).toBe('The external system did not report a result within 1 minute.');
    expect(t.mailTo('irene@example.com').map((m) => m.subject)).toEqual([
      'Expensify password reset for alice@example.com: the external system did not complete it',
    ]);
    const late = await callback(id, { status: 'success' }, { secret: SECRETS.slow });
    expect([late.status, errorOf(late)?.code]).toEqual([409, 'NOT_PENDING_EXTERNAL']);
  });
});
