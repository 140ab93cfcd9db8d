import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/databases.js';
import { errorOf, startTestContext, type TestContext } from './helpers/test-context.js';

describe.each(DIALECTS)('HTTP API on %s', (dialect) => {
  let t: TestContext;
  let alice: string;
  let bob: string;
  let approver: string;
  let admin: string;
  let intake: string;

  beforeAll(async () => {
    t = await startTestContext(dialect);
    alice = await t.token('alice@example.com');
    bob = await t.token('bob@example.com');
    approver = await t.token('irene@example.com', 'approver');
    admin = await t.token('root@example.com', 'admin');
    intake = await t.token('slack-bot@example.com', 'intake');
  });
  afterAll(async () => t?.close());

  const countRequests = async () =>
    (await t.client(admin).GET('/api/v1/requests', { params: { query: { limit: 200 } } })).data!.requests.length;

  describe('authentication', () => {
    it.each([
      ['no header', {}],
      ['wrong scheme', { authorization: 'Basic abc' }],
      ['unknown token', { authorization: 'Bearer rd_nope' }],
    ])('401 with %s', async (_name, headers) => {
      const res = await t.client().GET('/api/v1/requests', { headers });
      expect(res.response.status).toBe(401);
      expect(res.error?.error.code).toBe('UNAUTHENTICATED');
    });

    it('403 for a wrong role, naming the roles', async () => {
      const res = await t.client(alice).POST('/api/v1/apps', { body: { name: 'X', resetMethod: 'auto', sensitive: false } });
      expect(res.response.status).toBe(403);
      expect(res.error?.error.message).toContain('admin');
    });
  });

  describe('bad bodies never store anything', () => {
    // Bodies of the right shape that the server must still refuse: through the typed client.
    it.each([
      ['empty app', { app: '   ', justification: 'x' }, 'app'],
      ['bad targetUser', { app: 'Expensify', justification: 'x', targetUser: 'not-an-email' }, 'targetUser'],
      ['too long justification', { app: 'Expensify', justification: 'x'.repeat(2001) }, 'justification'],
    ])('400 for %s, naming the field', async (_name, body, field) => {
      const before = await countRequests();
      const res = await t.create(alice, body);
      expect(res.status).toBe(400);
      expect(res.error?.error.code).toBe('VALIDATION_FAILED');
      expect(res.error?.error.message).toContain(field);
      expect(await countRequests()).toBe(before);
    });

    // Bodies the generated types refuse (missing, mistyped or unknown fields): raw.
    it.each([
      ['missing app', { justification: 'x' }, 'app'],
      ['missing justification', { app: 'Expensify' }, 'justification'],
      ['app not a string', { app: 42, justification: 'x' }, 'app'],
      ['unknown field', { app: 'Expensify', justification: 'x', status: 'Completed' }, 'status'],
    ])('400 for %s, naming the field', async (_name, body, field) => {
      const before = await countRequests();
      const res = await t.raw('POST', '/api/v1/requests', { token: alice, body });
      expect(res.status).toBe(400);
      expect(errorOf(res)?.code).toBe('VALIDATION_FAILED');
      expect(errorOf(res)?.message).toContain(field);
      expect(await countRequests()).toBe(before);
    });

    it('400 for invalid JSON', async () => {
      const res = await t.raw('POST', '/api/v1/requests', {
        token: alice,
        rawBody: '{"app":',
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status).toBe(400);
      expect(errorOf(res)?.code).toBe('INVALID_JSON');
    });

    it('400 for a JSON body that is not an object', async () => {
      const res = await t.raw('POST', '/api/v1/requests', {
        token: alice,
        rawBody: '[1,2]',
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status).toBe(400);
      expect(errorOf(res)?.message).toContain('body');
    });

    it('415 for a non-JSON content type', async () => {
      const res = await t.raw('POST', '/api/v1/requests', {
        token: alice,
        rawBody: 'app=Expensify',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(res.status).toBe(415);
    });

    it('413 for an oversized body', async () => {
      const res = await t.create(alice, { app: 'Expensify', justification: 'x'.repeat(100 * 1024) });
      expect(res.status).toBe(413);
      expect(res.error?.error.code).toBe('BODY_TOO_LARGE');
    });

    it('400 for a bad list query', async () => {
      // A status outside the enum is not expressible with the typed client.
      expect((await t.raw('GET', '/api/v1/requests?status=Bogus', { token: admin })).status).toBe(400);
      expect((await t.client(admin).GET('/api/v1/requests', { params: { query: { limit: 0 } } })).response.status).toBe(400);
    });

    it('404 with a JSON error for unknown routes', async () => {
      const res = await t.raw('GET', '/api/v1/nope', { token: alice });
      expect(res.status).toBe(404);
      expect(errorOf(res)?.code).toBe('ROUTE_NOT_FOUND');
    });
  });

  describe('identity comes from the token', () => {
    it('a requester cannot name another requester', async () => {
      const res = await t.create(alice, { app: 'Expensify', justification: 'x', requester: 'bob@example.com' });
      expect(res.status).toBe(403);
    });

    it('an intake channel submits for the person it authenticated, and must name them', async () => {
      const missing = await t.create(intake, { app: 'Expensify', justification: 'x' });
      expect(missing.status).toBe(400);
      expect(missing.error?.error.message).toContain('requester');

      const res = await t.create(intake, { app: 'Expensify', justification: 'x', requester: 'Alice@Example.com' });
      expect(res.status).toBe(201);
      await t.idle();
      const id = res.data!.request_id;
      const r = await t.request(id, alice);
      expect(r).toMatchObject({ requester: 'alice@example.com', channel: 'intake', ruleId: 'swa_self_service' });
      // The intake channel can follow what it submitted.
      expect((await t.client(intake).GET('/api/v1/requests/{id}', { params: { path: { id } } })).response.status).toBe(200);
    });

    it('requesters see only their own requests', async () => {
      const res = await t.create(alice, { app: 'Expensify', justification: 'x' });
      const id = res.data!.request_id;
      const asBob = t.client(bob);
      expect((await asBob.GET('/api/v1/requests/{id}', { params: { path: { id } } })).response.status).toBe(404);
      expect((await asBob.GET('/api/v1/requests/{id}/events', { params: { path: { id } } })).response.status).toBe(404);
      expect((await t.client(approver).GET('/api/v1/requests/{id}', { params: { path: { id } } })).response.status).toBe(200);
      const list = (await asBob.GET('/api/v1/requests')).data!.requests;
      expect(list.every((r) => r.requester === 'bob@example.com')).toBe(true);
      expect((await t.client(admin).GET('/api/v1/requests/{id}', { params: { path: { id: 'req_unknown' } } })).response.status).toBe(404);
    });
  });

  it('filters the list by status', async () => {
    await t.create(alice, { app: 'Salesforce', justification: 'x' });
    await t.idle();
    const list = (await t.client(approver).GET('/api/v1/requests', { params: { query: { status: 'Escalated' } } })).data!.requests;
    expect(list.length).toBeGreaterThan(0);
    expect(list.every((r) => r.status === 'Escalated')).toBe(true);
  });

  describe('apps', () => {
    it('lists the catalog and lets admins add apps', async () => {
      // Raw on purpose: the generated CreateApp type makes the fields with a server default
      // (resetMethod, sensitive) required, and this checks that default (resetMethod 'auto').
      const created = await t.raw('POST', '/api/v1/apps', {
        token: admin,
        body: { name: 'Jira', url: 'https://jira.example.com/reset', oktaAppId: '0oaJIRA00000000000001', sensitive: true },
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ name: 'Jira', sensitive: true, resetMethod: 'auto' });
      const asAdmin = t.client(admin);
      const dup = await asAdmin.POST('/api/v1/apps', { body: { name: ' jira ', resetMethod: 'auto', sensitive: false } });
      expect(dup.response.status).toBe(409);
      const bad = await asAdmin.POST('/api/v1/apps', {
        body: { name: 'Bad', url: 'javascript:alert(1)', resetMethod: 'auto', sensitive: false },
      });
      expect(bad.response.status).toBe(400);
      expect(bad.error?.error.message).toContain('url');
      const list = (await t.client(alice).GET('/api/v1/apps')).data!.apps;
      expect(list.map((a) => a.name)).toContain('Jira');
    });
  });

  describe('service endpoints', () => {
    it('serves health, readiness and the OpenAPI document', async () => {
      const anonymous = t.client();
      expect((await anonymous.GET('/healthz')).data).toEqual({ status: 'ok' });
      const ready = await anonymous.GET('/readyz');
      expect(ready.response.status).toBe(200);
      expect(ready.data).toEqual({ status: 'ready' }); // which check failed, and why, is for admins
      expect((await t.client(alice).GET('/readyz')).data).toEqual({ status: 'ready' });
      expect((await t.client(admin).GET('/readyz')).data!.checks).toEqual({ database: 'ok', okta: 'ok' });
      const doc = (await anonymous.GET('/api/openapi.json')).data!;
      expect(doc.openapi).toBe('3.1.0');
      expect(Object.keys(doc.paths ?? {})).toEqual(
        expect.arrayContaining(['/api/v1/requests', '/api/v1/requests/{id}/approve', '/api/v1/apps']),
      );
      // An array in toMatchObject must match element for element: as strict as toEqual on `required`.
      expect(doc).toMatchObject({ components: { schemas: { CreateRequest: { required: ['app', 'justification'] } } } });
    });

    it('readiness asks Okta at most once per 30 s (probes must not eat the rate limit)', async () => {
      t.sandbox.clearCalls();
      for (let i = 0; i < 3; i++) expect((await t.client().GET('/readyz')).response.status).toBe(200);
      expect(t.sandbox.calls().length).toBeLessThanOrEqual(1);
    });

    it('the dev mailbox is not exposed when SMTP is configured', async () => {
      // Not an API route: the generated types do not know it.
      expect((await t.raw('GET', '/dev/mailbox')).status).toBe(404);
    });
  });
});

describe('readiness when Okta is down', () => {
  it('answers 503 naming Okta, and ready again once Okta answers', async () => {
    const t = await startTestContext('sqlite', { readinessCacheMs: 0 });
    try {
      expect((await t.client().GET('/readyz')).response.status).toBe(200);
      t.sandbox.failNext(1, { pathPrefix: '/api/v1/users' });
      const started = Date.now();
      const admin = await t.token('root@example.com', 'admin');
      const down = await t.client(admin).GET('/readyz');
      expect(down.response.status).toBe(503);
      expect(down.error).toMatchObject({ status: 'not ready', checks: { database: 'ok', okta: expect.stringContaining('error') } });
      expect(Date.now() - started).toBeLessThan(1000); // one attempt: a probe must answer quickly
      expect((await t.client().GET('/readyz')).response.status).toBe(200);
    } finally {
      await t.close();
    }
  });
});
