import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/databases.js';
import { errorOf, startTestContext, type TestContext } from './helpers/test-context.js';

/** The admin API: editing the catalog, its CSV round trip, API tokens and connector status. */
describe.each(DIALECTS)('admin API on %s', (dialect) => {
  let t: TestContext;
  let admin: string;
  let alice: string;

  beforeAll(async () => {
    t = await startTestContext(dialect);
    admin = await t.token('root@example.com', 'admin');
    alice = await t.token('alice@example.com');
  });
  afterAll(async () => t?.close());

  const catalog = async () => (await t.client(admin).GET('/api/v1/apps')).data!.apps;
  const csvImport = (csv: string, token = admin) =>
    t.raw('POST', '/api/v1/apps/import', { token, rawBody: csv, headers: { 'content-type': 'text/csv' } });

  describe('apps', () => {
    it('edits only the fields sent, and null clears one', async () => {
      const created = await t.client(admin).POST('/api/v1/apps', {
        body: { name: 'Edit Me', url: 'https://edit.example.com', sensitive: false, resetMethod: 'auto' },
      });
      expect(created.response.status).toBe(201);
      const id = created.data!.id;
      const res = await t.client(admin).PATCH('/api/v1/apps/{id}', {
        params: { path: { id } },
        body: { name: ' Edited ', sensitive: true, approverGroup: 'Finance Owners', url: null, store: 'okta' },
      });
      expect(res.response.status).toBe(200);
      expect(res.data).toEqual({
        id,
        name: 'Edited',
        oktaAppId: null,
        resetUrl: null,
        resetMethod: 'auto',
        sensitive: true,
        approverGroup: 'Finance Owners',
        store: 'okta',
        aliases: [],
        okta: null,
      });
      expect((await catalog()).find((a) => a.id === id)).toEqual(res.data);
      // No STORES_FILE here: only the built-ins; null clears the store.
      const unknown = await t.client(admin).PATCH('/api/v1/apps/{id}', { params: { path: { id } }, body: { store: 'mainframe' } });
      expect([unknown.response.status, unknown.error?.error.message]).toEqual([
        400,
        'store: "mainframe" is not a configured store (okta, swa-link).',
      ]);
      const cleared = await t.client(admin).PATCH('/api/v1/apps/{id}', { params: { path: { id } }, body: { store: null } });
      expect(cleared.data?.store).toBeNull();
    });

    it('validates an edit like a create, and a name clash is APP_ALREADY_EXISTS', async () => {
      const { data } = await t.client(admin).POST('/api/v1/apps', { body: { name: 'Clash One', sensitive: false, resetMethod: 'auto' } });
      const id = data!.id;
      const bad = await t.client(admin).PATCH('/api/v1/apps/{id}', { params: { path: { id } }, body: { url: 'ftp://x' } });
      expect(bad.response.status).toBe(400);
      expect(bad.error?.error.code).toBe('VALIDATION_FAILED');
      const clash = await t.client(admin).PATCH('/api/v1/apps/{id}', { params: { path: { id } }, body: { name: 'expensify' } });
      expect(clash.response.status).toBe(409);
      expect(clash.error?.error.code).toBe('APP_ALREADY_EXISTS');
      // Its own name in another case is no clash.
      const same = await t.client(admin).PATCH('/api/v1/apps/{id}', { params: { path: { id } }, body: { name: 'CLASH ONE' } });
      expect(same.data?.name).toBe('CLASH ONE');
    });

    it('deletes an app; an unknown or malformed id is APP_NOT_FOUND', async () => {
      const { data } = await t.client(admin).POST('/api/v1/apps', { body: { name: 'Delete Me', sensitive: false, resetMethod: 'auto' } });
      const id = data!.id;
      const res = await t.raw('DELETE', `/api/v1/apps/${id}`, { token: admin });
      expect(res.status).toBe(204);
      expect((await catalog()).some((a) => a.id === id)).toBe(false);
      for (const path of [`/api/v1/apps/${id}`, '/api/v1/apps/not-an-id']) {
        const again = await t.raw('DELETE', path, { token: admin });
        expect(again.status, path).toBe(404);
        expect(errorOf(again)?.code).toBe('APP_NOT_FOUND');
      }
      const patch = await t.raw('PATCH', '/api/v1/apps/req_0000000000', { token: admin, body: {} });
      expect(errorOf(patch)?.code).toBe('APP_NOT_FOUND');
    });

    it('exports CSV that imports back unchanged', async () => {
      await t.client(admin).POST('/api/v1/apps', {
        body: {
          name: 'Quote, "Comma" App',
          url: 'https://q.example.com',
          sensitive: true,
          approverGroup: 'Owners',
          resetMethod: 'external',
          store: 'swa-link',
        },
      });
      const before = await catalog();
      expect(before.some((a) => a.store === 'swa-link')).toBe(true);
      const exported = await t.raw('GET', '/api/v1/apps/export.csv', { token: admin });
      expect(exported.status).toBe(200);
      expect(exported.headers.get('content-type')).toMatch(/^text\/csv/);
      const csv = exported.body as string;
      expect(csv.split('\r\n')[0]).toBe('App,URL,oktaID,sensitive,approverGroup,resetMethod,store,aliases');
      const res = await csvImport(csv);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ created: 0, updated: before.length });
      expect(await catalog()).toEqual(before);
    });

    it('imports new and known names', async () => {
      const res = await csvImport(
        'App,URL,oktaID\nImported One,https://one.example.com,\nExpensify,https://expensify.example.com,0oaEXP\n',
      );
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ created: 1, updated: 1 });
      expect((await catalog()).map((a) => a.name)).toContain('Imported One');
    });

    it('a bad CSV names each bad line in details.lines and stores nothing', async () => {
      const before = await catalog();
      const res = await csvImport('App,URL,oktaID\nGood New App,https://good.example.com,\n,https://x.example.com,\nBad Url,ftp://x,\n');
      expect(res.status).toBe(400);
      const error = errorOf(res)!;
      expect(error.code).toBe('CSV_INVALID');
      const lines = (error.details as { lines: { line: number; message: string }[] }).lines;
      expect(lines.map((l) => l.line)).toEqual([3, 4]);
      expect(lines[1]!.message).toContain('URL');
      expect(await catalog()).toEqual(before);
    });

    it('refuses CSV in another charset, and CSV on a JSON route', async () => {
      const wrongCharset = await t.raw('POST', '/api/v1/apps/import', {
        token: admin,
        rawBody: 'App,URL,oktaID\nY,,\n',
        headers: { 'content-type': 'text/csv; charset=latin1' },
      });
      expect(wrongCharset.status).toBe(415);
      const elsewhere = await t.raw('POST', '/api/v1/apps', { token: admin, rawBody: 'App\nZ\n', headers: { 'content-type': 'text/csv' } });
      expect(elsewhere.status).toBe(415);
    });
  });

  describe('API tokens', () => {
    it('creates a token shown once, lists it without its text, and a revoked token is 401', async () => {
      const created = await t
        .client(admin)
        .POST('/api/v1/tokens', { body: { email: ' Bot@Example.com ', role: 'intake', label: 'Slack' } });
      expect(created.response.status).toBe(201);
      const { id, token } = created.data!;
      expect(token).toMatch(/^rd_/);
      expect((await t.client(token).GET('/api/v1/me')).data).toMatchObject({ email: 'bot@example.com', role: 'intake' });

      const list = await t.client(admin).GET('/api/v1/tokens');
      const listed = list.data!.tokens.find((x) => x.id === id);
      expect(listed).toMatchObject({ email: 'bot@example.com', role: 'intake', label: 'Slack', revokedAt: null });
      // The call above used it: admins see when a token was last used (to the minute).
      expect(Date.parse(listed!.lastUsedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(listed!.createdAt));
      const unused = await t.client(admin).POST('/api/v1/tokens', { body: { email: 'idle@example.com', role: 'requester' } });
      const listedUnused = (await t.client(admin).GET('/api/v1/tokens')).data!.tokens.find((x) => x.id === unused.data!.id);
      expect(listedUnused?.lastUsedAt).toBeNull();
      expect(JSON.stringify(list.data)).not.toContain(token);
      expect(JSON.stringify(list.data)).not.toMatch(/hash/i);

      const revoked = await t.client(admin).POST('/api/v1/tokens/{id}/revoke', { params: { path: { id } } });
      expect(revoked.response.status).toBe(200);
      expect(revoked.data?.revokedAt).toEqual(expect.any(String));
      const me = await t.client(token).GET('/api/v1/me');
      expect(me.response.status).toBe(401);
      // Again: the same answer, nothing changes.
      const again = await t.client(admin).POST('/api/v1/tokens/{id}/revoke', { params: { path: { id } } });
      expect(again.data?.revokedAt).toBe(revoked.data?.revokedAt);
    });

    it('an unknown token id is 404, a bad role 400', async () => {
      const unknown = await t.raw('POST', '/api/v1/tokens/tok_0000000000nope/revoke', { token: admin });
      expect(unknown.status).toBe(404);
      const bad = await t.raw('POST', '/api/v1/tokens', { token: admin, body: { email: 'x@example.com', role: 'root' } });
      expect(bad.status).toBe(400);
    });
  });

  it('connector status: Okta and SMTP reachability, rate limits, dev mailbox, the policy source', async () => {
    const res = await t.client(admin).GET('/api/v1/admin/connectors');
    expect(res.response.status).toBe(200);
    expect(res.data).toMatchObject({
      okta: { reachable: true, error: null, rateLimits: expect.any(Array) },
      smtp: { reachable: true, error: null, devMailbox: expect.any(Boolean) },
      // No CONFLUENCE_*: the file (or the built-in default), read at start-up.
      policy: {
        confluence: null,
        source: expect.stringMatching(/^(file|default)$/),
        version: t.app.ctx.policy.version,
        lastSync: { ok: true, trigger: 'startup', errorCode: null, error: null, at: expect.any(String) },
        lastSuccessfulSyncAt: expect.any(String),
      },
    });
    for (const budget of res.data!.okta.rateLimits) expect(budget).toMatchObject({ bucket: expect.any(String) });
  });

  it('requesters get 403 on every admin route', async () => {
    const calls: [string, string, unknown?][] = [
      ['GET', '/api/v1/tokens'],
      ['POST', '/api/v1/tokens', { email: 'x@example.com', role: 'admin' }],
      ['GET', '/api/v1/admin/connectors'],
      ['GET', '/api/v1/apps/export.csv'],
      ['PATCH', '/api/v1/apps/app_0000000000abcd', {}],
      ['DELETE', '/api/v1/apps/app_0000000000abcd'],
    ];
    for (const [method, path, body] of calls) {
      const res = await t.raw(method, path, { token: alice, ...(body !== undefined ? { body } : {}) });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(errorOf(res)?.code).toBe('FORBIDDEN');
    }
    const csv = await csvImport('App,URL,oktaID\nNope,,\n', alice);
    expect(csv.status).toBe(403);
  });
  describe('decision log', () => {
    it('lists a decided request newest first and exports it as quoted CSV', async () => {
      const approver = await t.token('irene@example.com', 'approver');
      const created = await t.create(alice, { app: 'Salesforce', justification: 'decision log' });
      const id = created.data!.request_id;
      await t.waitForStatus(id, alice, ['Escalated']);
      const comment = 'Not now, "later" maybe';
      expect((await t.decide(id, approver, 'deny', { comment })).status).toBe(200);

      const list = await t.client(admin).GET('/api/v1/decisions', { params: { query: { limit: 10 } } });
      expect(list.response.status).toBe(200);
      const mine = list.data!.decisions.filter((d) => d.requestId === id);
      expect(mine.map((d) => d.source)).toEqual(['human', 'engine']);
      expect(mine[0]).toMatchObject({
        outcome: 'Denied',
        app: 'Salesforce',
        requester: 'alice@example.com',
        decidedBy: 'irene@example.com',
      });
      expect(mine[0]!.rationale).toContain(comment);
      expect(mine[1]).toMatchObject({ outcome: 'Escalated', decidedBy: 'resetdesk' });
      expect(mine[1]!.ruleId).toBeTruthy();
      const dates = list.data!.decisions.map((d) => d.date);
      expect(dates).toEqual([...dates].sort().reverse());

      const exported = await t.raw('GET', '/api/v1/decisions/export.csv', { token: admin });
      expect(exported.status).toBe(200);
      expect(exported.headers.get('content-type')).toMatch(/^text\/csv/);
      const csv = exported.body as string;
      expect(csv.split('\r\n')[0]).toBe('requestId,date,source,outcome,ruleId,app,requester,rationale,decidedBy');
      const human = csv.split('\r\n').find((l) => l.startsWith(`${id},`) && l.includes(',human,'))!;
      expect(human).toContain(`"${mine[0]!.rationale.replace(/"/g, '""')}"`);
      expect(human).toContain('Not now, ""later"" maybe');
      expect(human.endsWith(',irene@example.com')).toBe(true);
      expect(csv).toMatch(new RegExp(`^${id},[^,]+,engine,Escalated,`, 'm'));

      expect((await t.raw('GET', '/api/v1/decisions', { token: alice })).status).toBe(403);
    });
  });
});
