import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startResetdesk } from '../src/app.js';
import { loadConfig } from '../src/config/config.js';
import { createConfluenceClient } from '../src/connectors/confluence/index.js';
import { findActivePolicy } from '../src/db/repositories/policy.repository.js';
import { type PolicyService, readFilePolicySource, startPolicyService } from '../src/services/policy.service.js';
import { DIALECTS, useMigratedDatabase } from './helpers/databases.js';
import { type FakeConfluence, policyPageStorage, startFakeConfluence } from './helpers/fake-confluence.js';
import { errorOf, startTestContext, type TestContext } from './helpers/test-context.js';

const PAGE_ID = '1638401';
const GOOD = 'version: "page-1"\nthirdParty: escalate\n';
// Two problems: line 2 (an unknown thirdParty value) and line 4 (not a boolean).
const BAD = 'version: "page-2"\nthirdParty: maybe\nmfa:\n  required: perhaps\n';
const silent = pino({ level: 'silent' });

type PolicyBody = {
  version: string;
  source: string;
  sourceRef: string;
  yaml: string;
  referenceText: string | null;
  policy: { thirdParty: string };
  lastSync: {
    ok: boolean;
    error: string | null;
    errorCode: string | null;
    errors: { line: number; path: string }[];
    trigger: string;
  } | null;
  lastSuccessfulSyncAt: string | null;
  history: { version: string; source: string; sourceRef: string }[];
};

const confluenceEnv = (c: FakeConfluence): Record<string, string> => ({
  CONFLUENCE_BASE_URL: c.url,
  CONFLUENCE_EMAIL: c.email,
  CONFLUENCE_API_TOKEN: c.apiToken,
  CONFLUENCE_POLICY_PAGE_ID: PAGE_ID,
});

describe.each(DIALECTS)('the policy from a Confluence page on %s', (dialect) => {
  let t: TestContext;
  let confluence: FakeConfluence;
  let admin: string;
  let approver: string;
  let alice: string;

  beforeAll(async () => {
    confluence = await startFakeConfluence();
    confluence.setPage(PAGE_ID, policyPageStorage(GOOD), 'Password reset policy');
    t = await startTestContext(dialect, { env: confluenceEnv(confluence) });
    admin = await t.token('root@example.com', 'admin');
    approver = await t.token('irene@example.com', 'approver');
    alice = await t.token('alice@example.com');
  });
  afterAll(async () => {
    await t?.close();
    await confluence?.close();
  });

  const getPolicy = async (token = approver) => {
    const res = await t.raw('GET', '/api/v1/policy', { token });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as PolicyBody;
  };
  const sync = () => t.raw('POST', '/api/v1/policy/sync', { token: admin, body: {} });
  /** A request for someone else's account: the default policy rejects it, a thirdParty: escalate policy escalates it. */
  let targets = 0;
  const thirdPartyRequest = async () => {
    // A new target each time: an identical open request would be answered instead of filed again.
    const created = await t.create(alice, {
      app: 'Expensify',
      justification: 'for a colleague',
      targetUser: `colleague${++targets}@example.com`,
    });
    expect(created.status).toBe(201);
    await t.idle();
    return t.request(created.data!.request_id, alice);
  };

  it('a good page: its policy is in force at start-up, shown with its page version and reference text', async () => {
    const view = await getPolicy();
    expect(view).toMatchObject({
      version: 'page-1',
      source: 'confluence',
      sourceRef: `page ${PAGE_ID} version 1: Password reset policy`,
      yaml: GOOD,
      policy: { thirdParty: 'escalate' },
      lastSync: { ok: true, trigger: 'startup', error: null },
    });
    expect(view.referenceText).toContain(
      "Approvers: read this before deciding. Resets for someone else\u2019s account need the manager's OK & a ticket.",
    );
    expect(view.referenceText).toContain('- Escalations: reply within 24 h.');
    expect(view.referenceText).not.toContain('thirdParty');
    // Read as the v2 API wants: Basic credentials, storage format.
    expect(confluence.calls()).toContainEqual({
      method: 'GET',
      path: `/wiki/api/v2/pages/${PAGE_ID}?body-format=storage`,
      authorized: true,
    });
    expect(confluence.calls().every((c) => c.authorized)).toBe(true);

    const r = await thirdPartyRequest();
    expect(r).toMatchObject({ status: 'Escalated', ruleId: 'third_party', policyVersion: 'page-1' });
  });

  it('a bad page: the last good policy stays, and the failure names every line', async () => {
    confluence.setPage(PAGE_ID, policyPageStorage(BAD));
    const res = await sync();
    expect(res.status).toBe(502);
    const error = errorOf(res);
    expect(error?.code).toBe('POLICY_SOURCE_INVALID');
    expect(error?.message).toContain('line 2: thirdParty');
    expect(error?.details).toMatchObject({
      pageVersion: 2,
      errors: [
        { line: 2, path: 'thirdParty' },
        { line: 4, path: 'mfa.required' },
      ],
    });

    const view = await getPolicy();
    expect(view).toMatchObject({ version: 'page-1', source: 'confluence', sourceRef: expect.stringContaining('version 1') });
    expect(view.lastSync).toMatchObject({ ok: false, trigger: 'manual', errorCode: 'POLICY_SOURCE_INVALID' });
    expect(view.lastSync?.error).toMatch(/version 2.*\n.*line 2: thirdParty.*\nline 4: mfa\.required/s);
    expect(view.lastSync?.errors.map((e) => e.line)).toEqual([2, 4]);
    expect(view.lastSuccessfulSyncAt).not.toBeNull();
    expect(t.app.ctx.policy.version).toBe('page-1');
    expect((await thirdPartyRequest()).status).toBe('Escalated');
  });

  it('a page without a code block is refused the same way', async () => {
    confluence.setPage(PAGE_ID, '<p>version: "page-x"</p>');
    const res = await sync();
    expect(errorOf(res)?.code).toBe('POLICY_SOURCE_INVALID');
    expect(errorOf(res)?.message).toContain('has no code block');
    expect((await getPolicy()).version).toBe('page-1');
  });

  it('the page gone (404): kept, with an alert saying so', async () => {
    confluence.deletePage(PAGE_ID);
    const res = await sync();
    expect(res.status).toBe(502);
    expect(errorOf(res)?.code).toBe('CONFLUENCE_PAGE_NOT_FOUND');
    const view = await getPolicy();
    expect(view.version).toBe('page-1');
    expect(view.lastSync).toMatchObject({ ok: false, errorCode: 'CONFLUENCE_PAGE_NOT_FOUND' });
    expect(view.lastSync?.error).toContain('404');
  });

  it('Confluence down (503): kept; CONFLUENCE_UNAVAILABLE, retryable', async () => {
    confluence.failWith(503);
    const res = await sync();
    expect(res.status).toBe(503);
    expect(errorOf(res)?.code).toBe('CONFLUENCE_UNAVAILABLE');
    confluence.failWith(null);
    expect((await getPolicy()).version).toBe('page-1');
  });

  it('a fixed page is taken by the next sync; the same page again changes nothing', async () => {
    confluence.setPage(PAGE_ID, policyPageStorage('version: "page-3"\nthirdParty: deny\n'));
    const res = await sync();
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true, changed: true, version: 'page-3', policy: { version: 'page-3', source: 'confluence' } });
    expect(t.app.ctx.policy.version).toBe('page-3');
    expect((await thirdPartyRequest()).resolution).toBe('Rejected');
    // The same page again changes nothing.
    expect((await sync()).body).toMatchObject({ ok: true, changed: false });
  });

  it("an admin's PUT: validated (400 with the lines, nothing changed), recorded with their email, in force at once", async () => {
    const bad = await t.raw('PUT', '/api/v1/policy', { token: admin, body: { yaml: BAD } });
    expect(bad.status).toBe(400);
    expect(errorOf(bad)?.code).toBe('POLICY_INVALID');
    expect(errorOf(bad)?.details).toMatchObject({
      errors: [
        { line: 2, path: 'thirdParty' },
        { line: 4, path: 'mfa.required' },
      ],
    });
    expect((await getPolicy()).version).toBe('page-3');

    for (const token of [approver, alice]) {
      const res = await t.raw('PUT', '/api/v1/policy', { token, body: { yaml: GOOD } });
      expect(res.status).toBe(403);
    }
    expect((await t.raw('GET', '/api/v1/policy', { token: alice })).status).toBe(403);

    const put = await t.raw('PUT', '/api/v1/policy', { token: admin, body: { yaml: 'version: "admin-1"\nthirdParty: escalate\n' } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ version: 'admin-1', source: 'admin', sourceRef: 'root@example.com' });
    expect(t.app.ctx.policy.version).toBe('admin-1');
    const view = await getPolicy();
    expect(view.history[0]).toMatchObject({ version: 'admin-1', source: 'admin', sourceRef: 'root@example.com' });
    expect(view.history[1]).toMatchObject({ version: 'page-3', source: 'confluence' });
    expect((await thirdPartyRequest()).status).toBe('Escalated');
  });

  it("precedence: a scheduled sync of an unchanged page keeps the admin's policy; a changed page wins", async () => {
    await t.app.ctx.policies.sync('schedule');
    expect(t.app.ctx.policy.version).toBe('admin-1');
    confluence.setPage(PAGE_ID, policyPageStorage('version: "page-4"\n'));
    expect(await t.app.ctx.policies.sync('schedule')).toMatchObject({ changed: true, version: 'page-4' });
    expect((await getPolicy()).source).toBe('confluence');
  });

  it('a second instance on the same database uses the same policy, and picks up a PUT made on the first', async () => {
    const second = await startResetdesk(t.app.ctx.config, { listen: false, worker: false, logger: silent });
    try {
      expect(second.ctx.policy.version).toBe('page-4'); // its start-up sync found the page unchanged
      await t.raw('PUT', '/api/v1/policy', { token: admin, body: { yaml: 'version: "admin-2"\n' } });
      expect(await second.ctx.policies.reload()).toBe(true);
      expect(second.ctx.policy.version).toBe('admin-2');
      expect(second.ctx.policies.current).toMatchObject({ source: 'admin', sourceRef: 'root@example.com' });
    } finally {
      await second.stop();
    }
  });
});

describe.each(DIALECTS)('without Confluence on %s', (dialect) => {
  let t: TestContext;
  beforeAll(async () => {
    t = await startTestContext(dialect);
  });
  afterAll(async () => t?.close());

  it('GET shows the built-in default; POST /policy/sync is a clear 409', async () => {
    const admin = await t.token('root@example.com', 'admin');
    const view = await t.raw('GET', '/api/v1/policy', { token: admin });
    expect(view.body).toMatchObject({
      source: 'default',
      sourceRef: 'built-in',
      confluence: null,
      lastSync: { ok: true, source: 'default' },
    });
    const res = await t.raw('POST', '/api/v1/policy/sync', { token: admin, body: {} });
    expect(res.status).toBe(409);
    expect(errorOf(res)?.code).toBe('POLICY_SOURCE_NOT_CONFIGURED');
    expect(errorOf(res)?.message).toContain('CONFLUENCE_');
  });
});

describe.each(DIALECTS)('which source wins at start-up, on %s', (dialect) => {
  const db = useMigratedDatabase(dialect);
  const dir = mkdtempSync(join(tmpdir(), 'rd-policy-'));
  const file = (name: string, text: string) => {
    const path = join(dir, `${dialect}-${name}`);
    writeFileSync(path, text);
    return path;
  };
  const services: PolicyService[] = [];
  const start = async (opts: { policyFile?: string; confluence?: FakeConfluence }) => {
    const config = loadConfig({
      DATABASE_URL: 'sqlite::memory:',
      ...(opts.policyFile ? { POLICY_FILE: opts.policyFile } : {}),
      ...(opts.confluence ? confluenceEnv(opts.confluence) : {}),
    });
    const service = await startPolicyService({
      db: db(),
      logger: silent,
      config,
      file: readFilePolicySource(config.policyFile),
      timers: false,
    });
    services.push(service);
    return service;
  };
  afterAll(async () => {
    for (const s of services) await s.stop();
  });

  it('the file at first start; an admin PUT survives a restart with the same file; a changed file wins', async () => {
    const path = file('policy.yaml', 'version: "file-1"\n');
    expect((await start({ policyFile: path })).current).toMatchObject({ version: 'file-1', source: 'file', sourceRef: path });
    await (await start({ policyFile: path })).replace('version: "admin-1"\n', 'root@example.com');
    expect((await start({ policyFile: path })).current).toMatchObject({ version: 'admin-1', source: 'admin' });
    writeFileSync(path, 'version: "file-2"\n');
    expect((await start({ policyFile: path })).current).toMatchObject({ version: 'file-2', source: 'file' });
  });

  it('Confluence unreachable at a first start: the file until the page can be read; then the page; then kept through outages', async () => {
    await db().withTables<{ policy_versions: { id: string } }>().deleteFrom('policy_versions').execute();
    const confluence = await startFakeConfluence();
    try {
      confluence.failWith(503);
      const path = file('fallback.yaml', 'version: "fallback"\n');
      const first = await start({ policyFile: path, confluence });
      expect(first.current).toMatchObject({ version: 'fallback', source: 'file' });
      const view = await first.view();
      expect(view.lastSync).toMatchObject({ ok: false, trigger: 'startup', errorCode: 'CONFLUENCE_UNAVAILABLE' });

      confluence.failWith(null);
      confluence.setPage(PAGE_ID, policyPageStorage('version: "page-1"\n'));
      expect(await first.sync('schedule')).toMatchObject({ changed: true, version: 'page-1' });

      confluence.deletePage(PAGE_ID);
      const restarted = await start({ policyFile: path, confluence });
      expect(restarted.current).toMatchObject({ version: 'page-1', source: 'confluence' });
      expect((await findActivePolicy(db()))?.version).toBe('page-1');
    } finally {
      await confluence.close();
    }
  });

  it('Confluence removed from the configuration: the file (or default) takes over from the page', async () => {
    expect((await findActivePolicy(db()))?.source).toBe('confluence');
    expect((await start({})).current).toMatchObject({ source: 'default', version: '2026-11-23.1' });
  });
});

describe('the Confluence connector against the fake', () => {
  let confluence: FakeConfluence;
  beforeAll(async () => {
    confluence = await startFakeConfluence();
    confluence.setPage(PAGE_ID, policyPageStorage(GOOD));
  });
  afterAll(async () => confluence?.close());
  const client = (over: { apiToken?: string; timeoutMs?: number; baseUrl?: string } = {}) =>
    createConfluenceClient({
      baseUrl: `${confluence.url}/wiki/`,
      email: confluence.email,
      apiToken: confluence.apiToken,
      pageId: PAGE_ID,
      ...over,
    });

  it('reads the page (a base URL ending in /wiki/ works too)', async () => {
    expect(await client().fetchPage()).toMatchObject({
      id: PAGE_ID,
      status: 'current',
      version: 1,
      storage: expect.stringContaining('CDATA'),
    });
  });

  it('wrong credentials: CONFLUENCE_AUTH_FAILED, and the token never in the message', async () => {
    const err = await client({ apiToken: 'wrong-secret-token' })
      .fetchPage()
      .then(
        () => ({ code: 'none', message: 'the call succeeded' }),
        (e: unknown) => e as { code: string; message: string },
      );
    expect(err).toMatchObject({ code: 'CONFLUENCE_AUTH_FAILED' });
    expect(err.message).toContain('401');
    expect(err.message).not.toContain('wrong-secret-token');
  });

  it('no answer in time: CONFLUENCE_UNAVAILABLE naming the timeout', async () => {
    const silentServer = createServer(() => undefined); // takes the request, never answers
    await new Promise<void>((r) => silentServer.listen(0, '127.0.0.1', r));
    try {
      const { port } = silentServer.address() as AddressInfo;
      const err = await client({ baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 300 })
        .fetchPage()
        .then(
          () => ({ code: 'none', message: 'the call succeeded' }),
          (e: unknown) => e as { code: string; message: string },
        );
      expect(err).toMatchObject({ code: 'CONFLUENCE_UNAVAILABLE', message: expect.stringContaining('no answer within 300 ms') });
    } finally {
      silentServer.closeAllConnections();
      await new Promise((r) => silentServer.close(r));
    }
  });

  it('unreachable: CONFLUENCE_UNAVAILABLE', async () => {
    const err = await client({ baseUrl: 'http://127.0.0.1:1', timeoutMs: 2000 })
      .fetchPage()
      .catch((e: unknown) => e as { code: string });
    expect(err).toMatchObject({ code: 'CONFLUENCE_UNAVAILABLE' });
  });

  it('configuration: all four variables or none, naming each missing one; https only off loopback', () => {
    expect(() => loadConfig({ CONFLUENCE_BASE_URL: 'https://example.atlassian.net', CONFLUENCE_EMAIL: 'a@example.com' })).toThrow(
      /CONFLUENCE_API_TOKEN: is required[\s\S]*CONFLUENCE_POLICY_PAGE_ID: is required/,
    );
    expect(() =>
      loadConfig({
        CONFLUENCE_BASE_URL: 'http://example.atlassian.net',
        CONFLUENCE_EMAIL: 'a@example.com',
        CONFLUENCE_API_TOKEN: 'secret-x',
        CONFLUENCE_POLICY_PAGE_ID: '1',
      }),
    ).toThrow(/CONFLUENCE_BASE_URL: must be an https:\/\/ URL/);
    expect(() =>
      loadConfig({
        CONFLUENCE_BASE_URL: 'https://example.atlassian.net',
        CONFLUENCE_EMAIL: 'a@example.com',
        CONFLUENCE_API_TOKEN: 'secret-x',
        CONFLUENCE_POLICY_PAGE_ID: 'Policy',
      }),
    ).toThrow(/CONFLUENCE_POLICY_PAGE_ID: must be the numeric page id/);
    const config = loadConfig({
      CONFLUENCE_BASE_URL: 'https://example.atlassian.net/wiki',
      CONFLUENCE_EMAIL: 'a@example.com',
      CONFLUENCE_API_TOKEN: 'secret-x',
      CONFLUENCE_POLICY_PAGE_ID: '123',
    });
    expect(config.confluence).toMatchObject({ baseUrl: 'https://example.atlassian.net', pageId: '123', syncMinutes: 15 });
  });
});
