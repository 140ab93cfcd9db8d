import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken, revokeApiToken } from '../src/db/repositories/token.repository.js';
import type { RegisteredRoute } from '../src/http/server.js';
import { DIALECTS } from './helpers/databases.js';
import { callAs, newBrowser, signedInBrowser, withSignInGroups } from './helpers/oidc-login.js';
import { errorOf, NO_COOLDOWN, startTestContext, type TestContext } from './helpers/test-context.js';
import { LENA, testFixture, USERS } from './helpers/test-org.js';

/**
 * The authorization matrix: every registered route × every kind of caller, with the status
 * each must get. The route list comes from the server itself, so a new route without a row
 * here fails the suite until someone decides who may call it. A browser signed in through the
 * identity provider (sending its CSRF token) must get what a token of the same role gets.
 */
const SESSIONS = ['requesterSession', 'approverSession', 'adminSession'] as const;
const CALLERS = ['none', 'bad', 'revoked', 'requester', 'otherRequester', 'approver', 'admin', 'intake', ...SESSIONS] as const;
type Caller = (typeof CALLERS)[number];
type Row = { [K in Caller]: number };

/** Who each signed-in browser is: the token holders of the same role (the fixture's groups give them that role). */
const SESSION_EMAILS: Record<(typeof SESSIONS)[number], string> = {
  requesterSession: 'alice@example.com',
  approverSession: 'irene@example.com',
  adminSession: 'root@example.com',
};

const row = (anonymous: number, requester: number, other: number, approver: number, admin: number, intake: number): Row => ({
  none: anonymous,
  bad: anonymous,
  revoked: anonymous,
  requester,
  otherRequester: other,
  approver,
  admin,
  intake,
  requesterSession: requester,
  approverSession: approver,
  adminSession: admin,
});
const PUBLIC = row(200, 200, 200, 200, 200, 200);

/**
 * Expected statuses by route. The request the :id routes use belongs to the requester and waits
 * for a decision. Others' requests are a 404 (not 403) to requesters, so ids cannot be probed.
 * An intake token must name the person it files for, so its bare create is a 400.
 */
const MATRIX: Record<string, Row> = {
  'GET /healthz': PUBLIC,
  'GET /readyz': PUBLIC,
  'GET /api/openapi.json': PUBLIC,
  'GET /api/v1/requests': row(401, 200, 200, 200, 200, 200),
  'POST /api/v1/requests': row(401, 201, 201, 201, 201, 400),
  'GET /api/v1/requests/:id': row(401, 200, 404, 200, 200, 404),
  'GET /api/v1/requests/:id/events': row(401, 200, 404, 200, 200, 404),
  'GET /api/v1/requests/:id/conversation': row(401, 200, 404, 200, 200, 404),
  'GET /api/v1/requests/:id/stream': row(401, 200, 404, 200, 200, 404),
  'POST /api/v1/requests/:id/approve': row(401, 403, 403, 200, 200, 403),
  'POST /api/v1/requests/:id/deny': row(401, 403, 403, 200, 200, 403),
  'POST /api/v1/requests/:id/return': row(401, 403, 403, 200, 200, 403),
  // Only the requester answers (the request waits for no answer here: a 409 past authorization);
  // approvers and admins, who may read it, are told they cannot answer for someone.
  'POST /api/v1/requests/:id/reply': row(401, 409, 404, 403, 403, 404),
  'POST /api/v1/requests/:id/cancel': row(401, 200, 404, 403, 200, 404),
  // Only the requester proves who they are (the request is not Verifying here: a 409 past authorization).
  'POST /api/v1/requests/:id/verify': row(401, 409, 404, 403, 403, 404),
  // The request is Escalated, not PendingExternal: a 409 past authorization.
  'POST /api/v1/requests/:id/resolve-external': row(401, 403, 403, 409, 409, 403),
  // An external executor's callback: only the store's signature authenticates it; no token or session does.
  'POST /api/v1/requests/:id/external-result': row(401, 401, 401, 401, 401, 401),
  // Slack signs its own requests; on a server without Slack the endpoint is not there for anyone.
  'POST /slack/events': row(404, 404, 404, 404, 404, 404),
  // Teams signs its own activities (a Bot Framework JWT); on a server without Teams the endpoint is not there for anyone.
  'POST /api/messages': row(404, 404, 404, 404, 404, 404),
  'GET /api/v1/apps': row(401, 200, 200, 200, 200, 200),
  'POST /api/v1/apps': row(401, 403, 403, 403, 201, 403),
  // Browser navigations: to the identity provider; back from it (400 here: no sign-in under way).
  'GET /auth/login': row(302, 302, 302, 302, 302, 302),
  'GET /auth/callback': row(400, 400, 400, 400, 400, 400),
  // Without a session there is nothing to end: it only clears the cookie.
  'POST /auth/logout': PUBLIC,
  'GET /api/v1/me': row(401, 200, 200, 200, 200, 200),
  // Admin pages: the catalog's edits and CSV, API tokens, connector status.
  'GET /api/v1/apps/export.csv': row(401, 403, 403, 403, 200, 403),
  'POST /api/v1/apps/import': row(401, 403, 403, 403, 200, 403),
  'POST /api/v1/apps/sync': row(401, 403, 403, 403, 200, 403),
  'GET /api/v1/reports/coverage': row(401, 403, 403, 403, 200, 403),
  'GET /api/v1/reports/coverage.csv': row(401, 403, 403, 403, 200, 403),
  'PATCH /api/v1/apps/:id': row(401, 403, 403, 403, 200, 403),
  'DELETE /api/v1/apps/:id': row(401, 403, 403, 403, 204, 403),
  'GET /api/v1/tokens': row(401, 403, 403, 403, 200, 403),
  'POST /api/v1/tokens': row(401, 403, 403, 403, 201, 403),
  'POST /api/v1/tokens/:id/revoke': row(401, 403, 403, 403, 200, 403),
  'GET /api/v1/admin/connectors': row(401, 403, 403, 403, 200, 403),
  'GET /api/v1/decisions': row(401, 403, 403, 403, 200, 403),
  'GET /api/v1/decisions/export.csv': row(401, 403, 403, 403, 200, 403),
  'GET /api/v1/stats': row(401, 403, 403, 200, 200, 403),
  // The policy: approvers read it; admins replace it (the matrix sends a PUT no body: a 400 past
  // authorization, and the policy unchanged) or re-sync it (no Confluence here: a 409).
  'GET /api/v1/policy': row(401, 403, 403, 200, 200, 403),
  'PUT /api/v1/policy': row(401, 403, 403, 403, 400, 403),
  'POST /api/v1/policy/sync': row(401, 403, 403, 403, 409, 403),
  // Prometheus scrapes with METRICS_TOKEN (test/metrics.test.ts); of the API's callers, admins only.
  'GET /metrics': row(401, 403, 403, 403, 200, 403),
};

/** Valid bodies for the lifecycle routes, so what answers is authorization, not validation. */
const LIFECYCLE_BODIES: Record<string, unknown> = {
  '/api/v1/requests/:id/return': { question: 'matrix' },
  '/api/v1/requests/:id/reply': { message: 'matrix' },
  '/api/v1/requests/:id/resolve-external': { outcome: 'Completed' },
  '/api/v1/requests/:id/external-result': { status: 'success' },
};

describe.each(DIALECTS)('authorization on %s', (dialect) => {
  let t: TestContext;
  const tokens = {} as Record<Caller, string | undefined>;
  let routes: RegisteredRoute[];

  beforeAll(async () => {
    // The matrix files many requests for one person, and polls each with one token: the
    // per-person and per-token limits are tested elsewhere (security-limits.test.ts).
    t = await startTestContext(dialect, {
      env: { OPEN_REQUESTS_PER_PERSON: '0', REQUESTS_PER_PERSON_PER_HOUR: '0', RATE_LIMIT_PER_TOKEN: '0', DUPLICATE_REQUESTS: 'allow' },
      policy: NO_COOLDOWN,
      oidc: true,
      fixture: withSignInGroups(testFixture(), { approvers: [USERS.irene], admins: [USERS.root] }),
    });
    const revoked = await createApiToken(t.app.ctx.db, { email: 'alice@example.com', role: 'requester' });
    await revokeApiToken(t.app.ctx.db, revoked.id);
    Object.assign(tokens, {
      none: undefined,
      bad: 'rd_not-a-token',
      revoked: revoked.token,
      requester: await t.token('alice@example.com'),
      otherRequester: await t.token('bob@example.com'),
      approver: await t.token('irene@example.com', 'approver'),
      admin: await t.token('root@example.com', 'admin'),
      intake: await t.token('slack-intake@example.com', 'intake'),
    });
    routes = t.app.server.routeList;
  });
  afterAll(async () => t?.close());

  /** A call as `caller`, redirects not followed: with its token, or as a freshly signed-in browser with its CSRF token. */
  async function call(caller: Caller, method: string, path: string, body: unknown, contentType?: string) {
    const type = contentType ? { contentType } : {};
    if (caller === 'requesterSession' || caller === 'approverSession' || caller === 'adminSession') {
      const { browser, csrfToken } = await signedInBrowser(t.url, SESSION_EMAILS[caller]);
      return callAs(browser, t.url, method, path, { body, ...type, ...(method === 'GET' ? {} : { csrfToken }) });
    }
    const token = tokens[caller];
    return callAs(newBrowser(), t.url, method, path, {
      body,
      ...type,
      ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
    });
  }

  /** The id a :id route takes: a fresh app, a fresh token, or an escalated request of alice's. */
  async function idFor(url: string): Promise<string> {
    if (url.startsWith('/api/v1/apps/')) {
      const { data } = await t.client(tokens.admin).POST('/api/v1/apps', {
        body: { name: `Matrix Target ${dialect} ${Math.random().toString(36).slice(2)}`, sensitive: false, resetMethod: 'auto' },
      });
      return data!.id;
    }
    if (url.startsWith('/api/v1/tokens/'))
      return (await createApiToken(t.app.ctx.db, { email: 'matrix@example.com', role: 'requester' })).id;
    return escalatedRequest();
  }

  /** A fresh request of alice's that waits for an approver (Salesforce is federated SSO). */
  async function escalatedRequest(): Promise<string> {
    const res = await t.create(tokens.requester!, { app: 'Salesforce', justification: 'matrix' });
    expect(res.status).toBe(201);
    await t.waitForStatus(res.data!.request_id, tokens.requester!, ['Escalated']);
    return res.data!.request_id;
  }

  it('every route has a row in the matrix, and every row a route', () => {
    const keys = routes.map((r) => `${r.method} ${r.url}`);
    expect(
      keys.filter((k) => !(k in MATRIX)),
      'routes nobody decided who may call',
    ).toEqual([]);
    expect(
      Object.keys(MATRIX).filter((k) => !keys.includes(k)),
      'rows for routes that do not exist',
    ).toEqual([]);
  });

  it('every route answers every caller as the matrix says', async () => {
    const failures: string[] = [];
    let appCounter = 0;
    for (const route of routes) {
      const expected = MATRIX[`${route.method} ${route.url}`];
      if (!expected) continue;
      for (const caller of CALLERS) {
        const id = route.url.includes(':id') ? await idFor(route.url) : '';
        const path = route.url.replace(':id', id);
        const csv = route.url === '/api/v1/apps/import';
        const body =
          route.method !== 'POST' && route.method !== 'PATCH'
            ? undefined
            : route.url === '/api/v1/apps'
              ? { name: `Matrix App ${dialect} ${++appCounter}` }
              : route.url === '/api/v1/requests'
                ? { app: 'Expensify', justification: 'matrix' }
                : csv
                  ? `App,URL,oktaID\nMatrix Import ${dialect},,\n`
                  : route.url === '/api/v1/tokens'
                    ? { email: 'matrix@example.com', role: 'requester' }
                    : (LIFECYCLE_BODIES[route.url] ?? {});
        const res = await call(caller, route.method, path, body, csv ? 'text/csv' : undefined);
        if (res.status !== expected[caller])
          failures.push(
            `${route.method} ${route.url} as ${caller}: ${res.status} (expected ${expected[caller]}) ${JSON.stringify(res.body).slice(0, 200)}`,
          );
        if (res.status >= 400 && errorOf(res) === undefined)
          failures.push(`${route.method} ${route.url} as ${caller}: error body not in the { error: { code, message } } shape`);
      }
    }
    expect(failures).toEqual([]);
  }, 120_000);

  describe('separation of duties compares Okta users, not addresses', () => {
    it('an approver cannot approve their own request filed under their email while signed in with their login', async () => {
      // lena's Okta login and email differ: one person, one Okta user, two addresses.
      const asEmail = await t.token(LENA.email);
      const asLoginApprover = await t.token(LENA.login, 'approver');
      const created = await t.create(asEmail, { app: 'Salesforce', justification: 'mine' });
      const r = await t.waitForStatus(created.data!.request_id, asEmail, ['Escalated']);
      expect(r.oktaUserId).toBe(USERS.lena);
      t.sandbox.clearCalls();
      for (const action of ['approve', 'deny'] as const) {
        const res = await t.decide(r.request_id, asLoginApprover, action);
        expect(res.status, action).toBe(403);
        expect(res.error?.error.code).toBe('SELF_DECISION');
      }
      expect(t.sandbox.calls().filter((c) => c.path.endsWith('/reset_password'))).toEqual([]);
      expect(await t.request(r.request_id, asEmail)).toMatchObject({
        status: 'Escalated',
        manualDecision: null,
      });
    });

    it('nor the reverse: filed under the login, decided with a token carrying the email', async () => {
      const asLogin = await t.token(LENA.login);
      const asEmailAdmin = await t.token(LENA.email, 'admin');
      const created = await t.create(asLogin, { app: 'Salesforce', justification: 'mine' });
      const r = await t.waitForStatus(created.data!.request_id, asLogin, ['Escalated']);
      const res = await t.decide(r.request_id, asEmailAdmin, 'approve');
      expect(res.status).toBe(403);
      expect(res.error?.error.code).toBe('SELF_DECISION');
    });

    it('another approver may decide it', async () => {
      const asEmail = await t.token(LENA.email);
      const created = await t.create(asEmail, { app: 'Salesforce', justification: 'mine' });
      const r = await t.waitForStatus(created.data!.request_id, asEmail, ['Escalated']);
      expect((await t.decide(r.request_id, tokens.approver!, 'approve')).status).toBe(200);
    });

    it('an approver who is no Okta user may not decide at all', async () => {
      const id = await escalatedRequest();
      const stranger = await t.token('not-in-okta@example.com', 'approver');
      const res = await t.decide(id, stranger, 'approve');
      expect(res.status).toBe(403);
      expect(res.error?.error.code).toBe('APPROVER_UNVERIFIED');
    });
  });
});

describe.each(DIALECTS)('an approver who is the target of an escalated request on %s', (dialect) => {
  let t: TestContext;
  beforeAll(async () => {
    // A policy that escalates requests for someone else's account instead of denying them.
    const policy = join(tmpdir(), `resetdesk-third-party-${process.pid}-${dialect}.yaml`);
    writeFileSync(policy, 'version: "test-third-party"\nthirdParty: escalate\n');
    t = await startTestContext(dialect, { env: { POLICY_FILE: policy } });
  });
  afterAll(async () => t?.close());

  it('cannot decide it, under either of their addresses', async () => {
    const alice = await t.token('alice@example.com');
    const created = await t.create(alice, { app: 'Salesforce', justification: 'for lena', targetUser: LENA.email });
    const r = await t.waitForStatus(created.data!.request_id, alice, ['Escalated']);
    expect(r.ruleId).toBe('third_party');
    for (const address of [LENA.login, LENA.email]) {
      const res = await t.decide(r.request_id, await t.token(address, 'approver'), 'approve');
      expect(res.status, address).toBe(403);
      expect(res.error?.error.code).toBe('SELF_DECISION');
    }
    expect((await t.decide(r.request_id, await t.token('irene@example.com', 'approver'), 'deny')).status).toBe(200);
  });
});
