import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestFixture, testUserId } from '../../test/helpers/sandbox-test-fixture.js';
import { DEMO_FIXTURE_PATH, loadFixtureFile, type OktaSandbox, startOktaSandbox } from './index.js';

let demo: OktaSandbox;
let small: OktaSandbox;

beforeAll(async () => {
  demo = await startOktaSandbox({ fixture: loadFixtureFile(DEMO_FIXTURE_PATH) });
  small = await startOktaSandbox({ fixture: buildTestFixture(5) });
});
afterAll(async () => {
  await demo.close();
  await small.close();
});

async function get(sb: OktaSandbox, pathAndQuery: string) {
  const res = await fetch(`${sb.url}${pathAndQuery}`, { headers: { Authorization: `SSWS ${sb.apiToken}`, Accept: 'application/json' } });
  return { res, body: (await res.json()) as any };
}

const users = (filter: string) => `/api/v1/users?filter=${encodeURIComponent(filter)}`;

/** Parses `<url>; rel="x"` values, whether sent as separate lines or joined by fetch with ", ". */
function links(res: Response): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of (res.headers.get('link') ?? '').matchAll(/<([^>]+)>;\s*rel="([^"]+)"/g)) out[m[2] ?? ''] = m[1] ?? '';
  return out;
}

describe('GET /api/v1/users lookup', () => {
  it('finds a user by profile.login, ignoring case', async () => {
    const { res, body } = await get(demo, users('profile.login eq "ALICE.Nguyen@Example.com"'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(body).toHaveLength(1);
    expect(body[0].profile.login).toBe('alice.nguyen@example.com');
  });

  it('finds a user by profile.email with filter and with search', async () => {
    const byFilter = await get(demo, users('profile.email eq "grace.park@example.com"'));
    expect(byFilter.body.map((u: any) => u.status)).toEqual(['LOCKED_OUT']);
    const bySearch = await get(demo, `/api/v1/users?search=${encodeURIComponent('profile.email eq "Grace.Park@example.com"')}`);
    expect(bySearch.body.map((u: any) => u.profile.email)).toEqual(['grace.park@example.com']);
  });

  it('returns an empty list when nobody matches', async () => {
    const { res, body } = await get(demo, users('profile.login eq "nobody@example.com"'));
    expect(res.status).toBe(200);
    expect(body).toEqual([]);
  });

  it('includes DEPROVISIONED users in filter results but not in the plain list', async () => {
    const filtered = await get(demo, users('profile.login eq "frank.li@example.com"'));
    expect(filtered.body.map((u: any) => u.status)).toEqual(['DEPROVISIONED']);
    const all = await get(demo, '/api/v1/users');
    expect(all.body.some((u: any) => u.status === 'DEPROVISIONED')).toBe(false);
  });

  it('supports and/or/parentheses and q= prefix matching', async () => {
    const both = await get(demo, users('(status eq "SUSPENDED" or status eq "LOCKED_OUT") and profile.lastName eq "Park"'));
    expect(both.body.map((u: any) => u.profile.firstName)).toEqual(['Grace']);
    const q = await get(demo, '/api/v1/users?q=ali');
    expect(q.body.map((u: any) => u.profile.login)).toEqual(['alice.nguyen@example.com']);
    const sw = await get(demo, `/api/v1/users?search=${encodeURIComponent('profile.firstName sw "ir"')}`);
    expect(sw.body.map((u: any) => u.profile.firstName)).toEqual(['Irene']);
  });

  it('answers 400 E0000031 for an invalid filter', async () => {
    for (const bad of [
      'profile.login = "x"',
      'profile.login eq "x',
      'profile.title eq "CEO"',
      'profile.login sw "a"',
      'not status eq "ACTIVE"',
    ]) {
      const { res, body } = await get(demo, users(bad));
      expect(res.status, bad).toBe(400);
      expect(body).toMatchObject({ errorCode: 'E0000031', errorSummary: 'Invalid search criteria.', errorLink: 'E0000031' });
      expect(typeof body.errorId).toBe('string');
      expect(Array.isArray(body.errorCauses)).toBe(true);
    }
  });

  it('returns users in Okta JSON shape', async () => {
    const { body } = await get(demo, users('profile.login eq "alice.nguyen@example.com"'));
    const u = body[0];
    expect(Object.keys(u)).toEqual(
      expect.arrayContaining([
        'id',
        'status',
        'created',
        'activated',
        'statusChanged',
        'lastLogin',
        'lastUpdated',
        'passwordChanged',
        'type',
        'profile',
        'credentials',
        '_links',
      ]),
    );
    expect(u.id).toMatch(/^00u[A-Za-z0-9]{17}$/);
    expect(u.type.id).toMatch(/^oty/);
    expect(u.profile).toMatchObject({ firstName: 'Alice', lastName: 'Nguyen', email: 'alice.nguyen@example.com' });
    expect(u.credentials.provider).toEqual({ type: 'OKTA', name: 'OKTA' });
    expect(u._links).toEqual({ self: { href: `${demo.url}/api/v1/users/${u.id}` } });
  });
});

describe('pagination', () => {
  it('walks every page by following the Link header', async () => {
    const seen: string[] = [];
    let next: string | undefined = `${small.url}/api/v1/users?limit=2`;
    let pages = 0;
    while (next) {
      const res = await fetch(next, { headers: { Authorization: `SSWS ${small.apiToken}` } });
      const page = (await res.json()) as { id: string }[];
      seen.push(...page.map((u) => u.id));
      const l = links(res);
      if (pages === 0) expect(l.self).toBe(`${small.url}/api/v1/users?limit=2`);
      next = l.next;
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual([1, 2, 3, 4, 5].map(testUserId));
  });

  it('formats the next link like Okta, keeping the filter', async () => {
    const filter = encodeURIComponent('status eq "ACTIVE"');
    const res = await fetch(`${small.url}/api/v1/users?filter=${filter}&limit=2`, { headers: { Authorization: `SSWS ${small.apiToken}` } });
    const raw = res.headers.get('link') ?? '';
    expect(raw).toContain(`<${small.url}/api/v1/users?filter=${filter}&limit=2>; rel="self"`);
    expect(raw).toContain(`<${small.url}/api/v1/users?filter=${filter}&limit=2&after=${testUserId(2)}>; rel="next"`);
  });

  it('omits rel="next" on the last page', async () => {
    const { res } = await get(small, `/api/v1/users?limit=2&after=${testUserId(4)}`);
    expect(Object.keys(links(res))).toEqual(['self']);
  });

  it('rejects a non-numeric limit with E0000001', async () => {
    const { res, body } = await get(small, '/api/v1/users?limit=lots');
    expect(res.status).toBe(400);
    expect(body.errorCode).toBe('E0000001');
  });
});

describe('GET /api/v1/users/{idOrLogin}', () => {
  it('finds a user by id and by login', async () => {
    const byLogin = await get(demo, `/api/v1/users/${encodeURIComponent('Carol.Smith@example.com')}`);
    expect(byLogin.res.status).toBe(200);
    const byId = await get(demo, `/api/v1/users/${byLogin.body.id}`);
    expect(byId.body.profile.login).toBe('carol.smith@example.com');
    expect(byId.body._links.resetPassword.href).toBe(`${demo.url}/api/v1/users/${byId.body.id}/lifecycle/reset_password`);
  });

  it('answers 404 E0000007 for an unknown user', async () => {
    const { res, body } = await get(demo, '/api/v1/users/00unosuchuser0000000');
    expect(res.status).toBe(404);
    expect(body).toMatchObject({
      errorCode: 'E0000007',
      errorSummary: 'Not found: Resource not found: 00unosuchuser0000000 (User)',
      errorLink: 'E0000007',
      errorCauses: [],
    });
  });
});
