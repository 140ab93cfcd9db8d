import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeOkta, oktaErrorBody, oktaUserJson, startFakeOkta } from '../../../test/helpers/fake-okta-server.js';
import { createOktaConnector, type OktaConnectorOptions, oktaFilterLiteral } from './index.js';

let okta: FakeOkta;
const TOKEN = 'ssws-00aBcDeFgHiJkLmNoPqRsTuVwXyZ';

beforeEach(async () => {
  okta = await startFakeOkta();
});
afterEach(async () => {
  await okta.close();
});

function connector(extra: Record<string, unknown> = {}, opts: OktaConnectorOptions = {}) {
  return createOktaConnector(
    { orgUrl: `${okta.url}/`, auth: { kind: 'ssws', token: TOKEN }, ...extra },
    { sleep: async () => {}, ...opts },
  );
}

/** Serves GET /api/v1/users?filter=… from a small directory, like Okta's exact-match filter. */
function serveUsers(users: { id: string; login: string; email: string }[]): void {
  okta.on('GET', '/api/v1/users', (req) => {
    const filter = req.query.get('filter') ?? '';
    const match = /^profile\.(login|email) eq "((?:[^"\\]|\\.)*)"$/.exec(filter);
    if (!match) return { status: 400, json: oktaErrorBody('E0000031', 'Invalid search criteria.') };
    const value = (match[2] ?? '').replace(/\\(.)/g, '$1');
    const limit = Number(req.query.get('limit') ?? '200');
    const hits = users.filter((u) => (match[1] === 'login' ? u.login : u.email) === value);
    return { json: hits.slice(0, limit).map((u) => oktaUserJson(u.id, u.login, u.email)) };
  });
}

describe('findUser', () => {
  it('finds by login first, sending the SSWS token, Accept and User-Agent', async () => {
    serveUsers([{ id: '00u1', login: 'ana@corp.test', email: 'ana@corp.test' }]);
    const result = await connector().findUser('ana@corp.test');
    expect(result).toEqual({
      kind: 'found',
      user: { id: '00u1', status: 'ACTIVE', login: 'ana@corp.test', email: 'ana@corp.test', firstName: 'Test', lastName: '00u1' },
    });
    expect(okta.requests).toHaveLength(1);
    const [req] = okta.requests;
    expect(req?.query.get('filter')).toBe('profile.login eq "ana@corp.test"');
    expect(req?.query.get('limit')).toBe('2');
    expect(req?.rawUrl).toContain('%20eq%20');
    expect(req?.headers.authorization).toBe(`SSWS ${TOKEN}`);
    expect(req?.headers.accept).toBe('application/json');
    expect(req?.headers['user-agent']).toMatch(/^resetdesk\/\d+\.\d+\.\d+/);
  });

  it('falls back to email when no login matches', async () => {
    serveUsers([{ id: '00u2', login: 'bob', email: 'bob@corp.test' }]);
    const result = await connector().findUser('bob@corp.test');
    expect(result).toMatchObject({ kind: 'found', user: { id: '00u2', login: 'bob' } });
    expect(okta.requests.map((r) => r.query.get('filter'))).toEqual([
      'profile.login eq "bob@corp.test"',
      'profile.email eq "bob@corp.test"',
    ]);
  });

  it('reports not_found and ambiguous', async () => {
    serveUsers([
      { id: '00u3', login: 'c1', email: 'shared@corp.test' },
      { id: '00u4', login: 'c2', email: 'shared@corp.test' },
      { id: '00u5', login: 'c3', email: 'shared@corp.test' },
    ]);
    const c = connector();
    expect(await c.findUser('nobody@corp.test')).toEqual({ kind: 'not_found' });
    expect(await c.findUser('shared@corp.test')).toEqual({ kind: 'ambiguous', count: 2 });
    expect(await c.findUser('  ')).toEqual({ kind: 'not_found' });
  });

  it('escapes quotes and backslashes so the value cannot change the filter', async () => {
    const tricky = 'x" or profile.login sw "a\\';
    serveUsers([{ id: '00u6', login: tricky, email: 'y@corp.test' }]);
    const result = await connector().findUser(tricky);
    expect(result).toMatchObject({ kind: 'found', user: { id: '00u6' } });
    expect(okta.requests[0]?.query.get('filter')).toBe('profile.login eq "x\\" or profile.login sw \\"a\\\\"');
    expect(oktaFilterLiteral('a"b\\c')).toBe('"a\\"b\\\\c"');
  });
});

describe('users, apps and assignments', () => {
  it('getUser returns null on 404', async () => {
    okta.on('GET', '/api/v1/users/:id', (req) =>
      req.params.id === '00u7'
        ? { json: oktaUserJson('00u7', 'd@corp.test') }
        : { status: 404, json: oktaErrorBody('E0000007', 'Not found') },
    );
    const c = connector();
    expect(await c.getUser('00u7')).toMatchObject({ id: '00u7', email: 'd@corp.test' });
    expect(await c.getUser('00uMissing')).toBeNull();
  });

  it('getApp maps 404 to null and caches answers for appCacheTtlMs', async () => {
    let clock = 1_000_000;
    okta.on('GET', '/api/v1/apps/:appId', (req) =>
      req.params.appId === '0oa1'
        ? { json: { id: '0oa1', name: 'template_swa', label: 'Payroll', signOnMode: 'BROWSER_PLUGIN', status: 'ACTIVE', settings: {} } }
        : { status: 404, json: oktaErrorBody('E0000007', 'Not found: Resource not found: 0oaX (AppInstance)') },
    );
    const c = connector({ appCacheTtlMs: 60_000 }, { now: () => clock });
    expect(await c.getApp('0oa1')).toEqual({
      id: '0oa1',
      name: 'template_swa',
      label: 'Payroll',
      signOnMode: 'BROWSER_PLUGIN',
      status: 'ACTIVE',
    });
    expect(await c.getApp('0oaX')).toBeNull();
    expect(okta.requests).toHaveLength(2);
    clock += 59_000;
    await c.getApp('0oa1');
    await c.getApp('0oaX');
    expect(okta.requests).toHaveLength(2);
    clock += 2_000;
    await c.getApp('0oa1');
    expect(okta.requests).toHaveLength(3);
  });

  it('concurrent getApp callers share one request', async () => {
    okta.on('GET', '/api/v1/apps/:appId', () => ({
      delayMs: 50,
      json: { id: '0oa2', name: 'okta_org2org', label: 'Org', signOnMode: 'SAML_2_0', status: 'ACTIVE' },
    }));
    const c = connector();
    const results = await Promise.all([c.getApp('0oa2'), c.getApp('0oa2'), c.getApp('0oa2')]);
    expect(results.every((r) => r?.signOnMode === 'SAML_2_0')).toBe(true);
    expect(okta.requests).toHaveLength(1);
  });

  it('isAssigned: 200 → true, 404 → false', async () => {
    okta.on('GET', '/api/v1/apps/:appId/users/:userId', (req) =>
      req.params.userId === '00u8'
        ? { json: { id: '00u8', scope: 'USER', status: 'ACTIVE' } }
        : { status: 404, json: oktaErrorBody('E0000007', 'Not found') },
    );
    const c = connector();
    expect(await c.isAssigned('0oa1', '00u8')).toBe(true);
    expect(await c.isAssigned('0oa1', '00u9')).toBe(false);
  });
});

describe('lists', () => {
  it('follows Link rel="next" across three pages of groups', async () => {
    okta.on('GET', '/api/v1/users/:id/groups', (req) => {
      const after = req.query.get('after');
      const page = after === null ? 1 : Number(after);
      const next = `<${okta.url}/api/v1/users/${req.params.id}/groups?after=${page + 1}&limit=1>; rel="next"`;
      const self = `<${okta.url}${req.rawUrl}>; rel="self"`;
      return {
        json: [{ id: `00g${page}`, type: 'OKTA_GROUP', profile: { name: `Group ${page}`, description: null } }],
        headers: { link: page < 3 ? `${self}, ${next}` : self },
      };
    });
    const groups = await connector().listGroups('00u1');
    expect(groups).toEqual([
      { id: '00g1', name: 'Group 1' },
      { id: '00g2', name: 'Group 2' },
      { id: '00g3', name: 'Group 3' },
    ]);
    expect(okta.requests.map((r) => r.query.get('after'))).toEqual([null, '2', '3']);
    expect(okta.requests.every((r) => r.headers.authorization === `SSWS ${TOKEN}`)).toBe(true);
  });

  it('does not follow a next link to another origin (and fails closed)', async () => {
    const elsewhere = await startFakeOkta();
    try {
      okta.on('GET', '/api/v1/users/:id/groups', () => ({
        json: [{ id: '00g1', profile: { name: 'G' } }],
        headers: { link: `<${elsewhere.url}/api/v1/users/00u1/groups?after=x>; rel="next"` },
      }));
      const err = await connector()
        .listGroups('00u1')
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'OKTA_ERROR' });
      expect(String((err as Error).message)).not.toContain(TOKEN);
      expect(elsewhere.requests).toHaveLength(0);
    } finally {
      await elsewhere.close();
    }
  });

  it('maps roles and factors', async () => {
    okta.on('GET', '/api/v1/users/:userId/roles', () => ({
      json: [{ id: 'ra1', label: 'Help Desk Administrator', type: 'HELP_DESK_ADMIN', status: 'ACTIVE', assignmentType: 'USER' }],
    }));
    okta.on('GET', '/api/v1/users/:userId/factors', () => ({
      json: [{ id: 'ufs1', factorType: 'token:software:totp', provider: 'OKTA', vendorName: 'OKTA', status: 'ACTIVE' }],
    }));
    const c = connector();
    expect(await c.listAdminRoles('00u1')).toEqual([{ type: 'HELP_DESK_ADMIN', label: 'Help Desk Administrator', status: 'ACTIVE' }]);
    expect(await c.listFactors('00u1')).toEqual([{ id: 'ufs1', factorType: 'token:software:totp', provider: 'OKTA', status: 'ACTIVE' }]);
  });
});

describe('getDetails, resetPassword, ping', () => {
  it('runs the five checks in parallel', async () => {
    const slow =
      <T>(json: T) =>
      () => ({ delayMs: 80, json });
    okta.on('GET', '/api/v1/apps/:appId', slow({ id: '0oa1', name: 'x', label: 'X', signOnMode: 'SAML_2_0', status: 'ACTIVE' }));
    okta.on('GET', '/api/v1/apps/:appId/users/:userId', slow({ id: '00u1' }));
    okta.on('GET', '/api/v1/users/:userId/roles', slow([]));
    okta.on('GET', '/api/v1/users/:id/groups', slow([{ id: '00g1', profile: { name: 'Everyone' } }]));
    okta.on('GET', '/api/v1/users/:userId/factors', slow([]));
    const details = await connector().getDetails('0oa1', '00u1');
    expect(details).toEqual({
      app: { id: '0oa1', name: 'x', label: 'X', signOnMode: 'SAML_2_0', status: 'ACTIVE' },
      assigned: true,
      roles: [],
      groups: [{ id: '00g1', name: 'Everyone' }],
      factors: [],
    });
    expect(okta.requests).toHaveLength(5);
    expect(okta.maxConcurrency).toBe(5);
  });

  it('resetPassword POSTs lifecycle/reset_password?sendEmail=true', async () => {
    okta.on('POST', '/api/v1/users/:id/lifecycle/reset_password', () => ({ json: {} }));
    await connector().resetPassword('00u1');
    expect(okta.requests).toHaveLength(1);
    expect(okta.requests[0]).toMatchObject({ method: 'POST', path: '/api/v1/users/00u1/lifecycle/reset_password' });
    expect(okta.requests[0]?.query.get('sendEmail')).toBe('true');
    expect(okta.requests[0]?.headers['content-type']).toBe('application/json');
  });

  it('ping succeeds on 200 and throws OKTA_AUTH_FAILED on 401', async () => {
    okta.on('GET', '/api/v1/users', (req) =>
      req.headers.authorization === `SSWS ${TOKEN}`
        ? { json: [] }
        : { status: 401, json: oktaErrorBody('E0000011', 'Invalid token provided') },
    );
    await expect(connector().ping()).resolves.toBeUndefined();
    expect(okta.requests[0]?.query.get('limit')).toBe('1');
    const bad = createOktaConnector({ orgUrl: okta.url, auth: { kind: 'ssws', token: 'wrong-token-123456' } });
    await expect(bad.ping()).rejects.toMatchObject({ code: 'OKTA_AUTH_FAILED', httpStatus: 401, oktaErrorCode: 'E0000011' });
  });

  it('ping throws OKTA_UNAVAILABLE when nothing listens', async () => {
    const url = okta.url;
    await okta.close();
    okta = await startFakeOkta(); // keep afterEach happy
    const c = createOktaConnector({ orgUrl: url, auth: { kind: 'ssws', token: TOKEN }, maxRetries: 1 }, { sleep: async () => {} });
    await expect(c.ping()).rejects.toMatchObject({ code: 'OKTA_UNAVAILABLE' });
  });
});
