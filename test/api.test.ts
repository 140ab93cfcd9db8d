import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/databases.js';
import { startTestContext, type TestContext } from './helpers/test-context.js';

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

  const countRequests = async () => (await t.api('GET', '/api/v1/requests?limit=200', { token: admin })).body.requests.length;

  describe('authentication', () => {
    it.each([
      ['no header', {}],
      ['wrong scheme', { authorization: 'Basic abc' }],
      ['unknown token', { authorization: 'Bearer rd_nope' }],
    ])('401 with %s', async (_name, headers) => {
      const res = await t.api('GET', '/api/v1/requests', { headers });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('UNAUTHENTICATED');
    });

    it('403 for a wrong role, naming the roles', async () => {
      const res = await t.api('POST', '/api/v1/apps', { token: alice, body: { name: 'X' } });
      expect(res.status).toBe(403);
      expect(res.body.error.message).toContain('admin');
    });
  });

  describe('bad bodies never store anything', () => {
    it.each([
      ['missing app', { justification: 'x' }, 'app'],
      ['missing justification', { app: 'Expensify' }, 'justification'],
      ['empty app', { app: '   ', justification: 'x' }, 'app'],
      ['app not a string', { app: 42, justification: 'x' }, 'app'],
      ['bad targetUser', { app: 'Expensify', justification: 'x', targetUser: 'not-an-email' }, 'targetUser'],
      ['unknown field', { app: 'Expensify', justification: 'x', status: 'Completed' }, 'status'],
      ['too long justification', { app: 'Expensify', justification: 'x'.repeat(2001) }, 'justification'],
    ])('400 for %s, naming the field', async (_name, body, field) => {
      const before = await countRequests();
      const res = await t.api('POST', '/api/v1/requests', { token: alice, body });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(res.body.error.message).toContain(field);
      expect(await countRequests()).toBe(before);
    });

    it('400 for invalid JSON', async () => {
      const res = await t.api('POST', '/api/v1/requests', {
        token: alice,
        rawBody: '{"app":',
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('INVALID_JSON');
    });

    it('400 for a JSON body that is not an object', async () => {
      const res = await t.api('POST', '/api/v1/requests', {
        token: alice,
        rawBody: '[1,2]',
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toContain('body');
    });

    it('415 for a non-JSON content type', async () => {
      const res = await t.api('POST', '/api/v1/requests', {
        token: alice,
        rawBody: 'app=Expensify',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(res.status).toBe(415);
    });

    it('413 for an oversized body', async () => {
      const res = await t.api('POST', '/api/v1/requests', {
        token: alice,
        body: { app: 'Expensify', justification: 'x'.repeat(100 * 1024) },
      });
      expect(res.status).toBe(413);
      expect(res.body.error.code).toBe('BODY_TOO_LARGE');
    });

    it('400 for a bad list query', async () => {
      expect((await t.api('GET', '/api/v1/requests?status=Bogus', { token: admin })).status).toBe(400);
      expect((await t.api('GET', '/api/v1/requests?limit=0', { token: admin })).status).toBe(400);
    });

    it('404 with a JSON error for unknown routes', async () => {
      const res = await t.api('GET', '/api/v1/nope', { token: alice });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('ROUTE_NOT_FOUND');
    });
  });

  describe('identity comes from the token', () => {
    it('a requester cannot name another requester', async () => {
      const res = await t.api('POST', '/api/v1/requests', {
        token: alice,
        body: { app: 'Expensify', justification: 'x', requester: 'bob@example.com' },
      });
      expect(res.status).toBe(403);
    });

    it('an intake channel submits for the person it authenticated, and must name them', async () => {
      const missing = await t.api('POST', '/api/v1/requests', { token: intake, body: { app: 'Expensify', justification: 'x' } });
      expect(missing.status).toBe(400);
      expect(missing.body.error.message).toContain('requester');

      const res = await t.api('POST', '/api/v1/requests', {
        token: intake,
        body: { app: 'Expensify', justification: 'x', requester: 'Alice@Example.com' },
      });
      expect(res.status).toBe(201);
      await t.idle();
      const r = (await t.api('GET', `/api/v1/requests/${res.body.request_id}`, { token: alice })).body;
      expect(r).toMatchObject({ requester: 'alice@example.com', channel: 'intake', ruleId: 'swa_self_service' });
      // The intake channel can follow what it submitted.
      expect((await t.api('GET', `/api/v1/requests/${res.body.request_id}`, { token: intake })).status).toBe(200);
    });

    it('requesters see only their own requests', async () => {
      const res = await t.api('POST', '/api/v1/requests', { token: alice, body: { app: 'Expensify', justification: 'x' } });
      const id = res.body.request_id;
      expect((await t.api('GET', `/api/v1/requests/${id}`, { token: bob })).status).toBe(404);
      expect((await t.api('GET', `/api/v1/requests/${id}/events`, { token: bob })).status).toBe(404);
      expect((await t.api('GET', `/api/v1/requests/${id}`, { token: approver })).status).toBe(200);
      const list = (await t.api('GET', '/api/v1/requests', { token: bob })).body.requests;
      expect(list.every((r: { requester: string }) => r.requester === 'bob@example.com')).toBe(true);
      expect((await t.api('GET', '/api/v1/requests/req_unknown', { token: admin })).status).toBe(404);
    });
  });

  it('filters the list by status', async () => {
    await t.api('POST', '/api/v1/requests', { token: alice, body: { app: 'Salesforce', justification: 'x' } });
    await t.idle();
    const list = (await t.api('GET', '/api/v1/requests?status=Escalated', { token: approver })).body.requests;
    expect(list.length).toBeGreaterThan(0);
    expect(list.every((r: { status: string }) => r.status === 'Escalated')).toBe(true);
  });

  describe('apps', () => {
    it('lists the catalog and lets admins add apps', async () => {
      const created = await t.api('POST', '/api/v1/apps', {
        token: admin,
        body: { name: 'Jira', url: 'https://jira.example.com/reset', oktaAppId: '0oaJIRA00000000000001', sensitive: true },
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ name: 'Jira', sensitive: true, resetMethod: 'auto' });
      const dup = await t.api('POST', '/api/v1/apps', { token: admin, body: { name: ' jira ' } });
      expect(dup.status).toBe(409);
      const bad = await t.api('POST', '/api/v1/apps', { token: admin, body: { name: 'Bad', url: 'javascript:alert(1)' } });
      expect(bad.status).toBe(400);
      expect(bad.body.error.message).toContain('url');
      const list = (await t.api('GET', '/api/v1/apps', { token: alice })).body.apps;
      expect(list.map((a: { name: string }) => a.name)).toContain('Jira');
    });
  });

  describe('service endpoints', () => {
    it('serves health, readiness and the OpenAPI document', async () => {
      expect((await t.api('GET', '/healthz')).body).toEqual({ status: 'ok' });
      const ready = await t.api('GET', '/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body).toEqual({ status: 'ready' }); // which check failed, and why, is for admins
      expect((await t.api('GET', '/readyz', { token: alice })).body).toEqual({ status: 'ready' });
      expect((await t.api('GET', '/readyz', { token: admin })).body.checks).toEqual({ database: 'ok', okta: 'ok' });
      const doc = (await t.api('GET', '/api/openapi.json')).body;
      expect(doc.openapi).toBe('3.1.0');
      expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/requests', '/api/v1/requests/{id}/approve', '/api/v1/apps']));
      expect(doc.components.schemas.CreateRequest.required).toEqual(['app', 'justification']);
    });

    it('readiness asks Okta at most once per 30 s (probes must not eat the rate limit)', async () => {
      t.sandbox.clearCalls();
      for (let i = 0; i < 3; i++) expect((await t.api('GET', '/readyz')).status).toBe(200);
      expect(t.sandbox.calls().length).toBeLessThanOrEqual(1);
    });

    it('the dev mailbox is not exposed when SMTP is configured', async () => {
      expect((await t.api('GET', '/dev/mailbox')).status).toBe(404);
    });
  });
});

describe('readiness when Okta is down', () => {
  it('answers 503 naming Okta, and ready again once Okta answers', async () => {
    const t = await startTestContext('sqlite', { readinessCacheMs: 0 });
    try {
      expect((await t.api('GET', '/readyz')).status).toBe(200);
      t.sandbox.failNext(1, { pathPrefix: '/api/v1/users' });
      const started = Date.now();
      const admin = await t.token('root@example.com', 'admin');
      const down = await t.api('GET', '/readyz', { token: admin });
      expect(down.status).toBe(503);
      expect(down.body).toMatchObject({ status: 'not ready', checks: { database: 'ok', okta: expect.stringContaining('error') } });
      expect(Date.now() - started).toBeLessThan(1000); // one attempt: a probe must answer quickly
      expect((await t.api('GET', '/readyz')).status).toBe(200);
    } finally {
      await t.close();
    }
  });
});
