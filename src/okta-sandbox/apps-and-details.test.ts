import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_FIXTURE_PATH, loadFixtureFile, type OktaSandbox, type SandboxFixture, startOktaSandbox } from './index.js';

let sb: OktaSandbox;
let fixture: SandboxFixture;
const ids: Record<string, string> = {};

beforeAll(async () => {
  fixture = loadFixtureFile(DEMO_FIXTURE_PATH);
  for (const u of fixture.users) ids[u.firstName.toLowerCase()] = u.id;
  for (const a of fixture.apps) ids[a.label] = a.id;
  sb = await startOktaSandbox({ fixture });
});
afterAll(() => sb.close());

async function get(path: string) {
  const res = await fetch(`${sb.url}${path}`, { headers: { Authorization: `SSWS ${sb.apiToken}` } });
  return { res, body: (await res.json()) as any };
}

describe('GET /api/v1/apps', () => {
  it('lists every app by id, paged with limit/after and Link headers like Okta', async () => {
    const all = [...fixture.apps].map((a) => a.id).sort();
    expect(all.length).toBeGreaterThan(2);
    const seen: string[] = [];
    let next: string | undefined = `${sb.url}/api/v1/apps?limit=2`;
    let pages = 0;
    while (next) {
      const res = await fetch(next, { headers: { Authorization: `SSWS ${sb.apiToken}` } });
      expect(res.status).toBe(200);
      const page = (await res.json()) as { id: string; status: string }[];
      expect(page.length).toBeLessThanOrEqual(2);
      seen.push(...page.map((a) => a.id));
      pages++;
      const links = res.headers.get('link') ?? '';
      expect(links).toContain('rel="self"');
      next = /<([^>]+)>;\s*rel="next"/.exec(links)?.[1];
      if (next) expect(new URL(next).searchParams.get('after')).toBe(page.at(-1)?.id);
    }
    expect(pages).toBe(Math.ceil(all.length / 2));
    expect(seen).toEqual(all);
  });

  it("takes limit=-1 (Okta's default) as the largest page, and refuses a bad limit", async () => {
    const { res, body } = await get('/api/v1/apps?limit=-1');
    expect(res.status).toBe(200);
    expect(body).toHaveLength(fixture.apps.length);
    expect((await get('/api/v1/apps?limit=abc')).res.status).toBe(400);
  });
});

describe('GET /api/v1/apps/{appId}', () => {
  it('returns the application with the fields of its sign-on mode', async () => {
    const { res, body } = await get(`/api/v1/apps/${ids.Expensify}`);
    expect(res.status).toBe(200);
    expect(body).toMatchObject({
      id: ids.Expensify,
      name: 'template_swa',
      label: 'Expensify',
      status: 'ACTIVE',
      signOnMode: 'BROWSER_PLUGIN',
      accessibility: { selfService: false },
      visibility: { hide: { iOS: false, web: false } },
      features: [],
    });
    expect(body.settings.app).toMatchObject({
      url: expect.any(String),
      usernameField: expect.any(String),
      passwordField: expect.any(String),
      buttonField: expect.any(String),
    });
    expect(body.credentials.scheme).toBe('EDIT_USERNAME_AND_PASSWORD');
    expect(body._links.users.href).toBe(`${sb.url}/api/v1/apps/${ids.Expensify}/users`);
    expect(typeof body.created).toBe('string');
    expect(typeof body.lastUpdated).toBe('string');
  });

  it('serves every sign-on mode in the demo with its required settings', async () => {
    const expected: Record<string, string> = {
      'Legacy Payroll': 'BASIC_AUTH',
      'Vendor Portal': 'AUTO_LOGIN',
      Salesforce: 'SAML_2_0',
      Slack: 'OPENID_CONNECT',
      'Office 365': 'WS_FEDERATION',
      'AWS Console': 'SAML_2_0',
      Mainframe: 'BOOKMARK',
    };
    for (const [label, mode] of Object.entries(expected)) {
      const { body } = await get(`/api/v1/apps/${ids[label]}`);
      expect(body.signOnMode, label).toBe(mode);
    }
    expect((await get(`/api/v1/apps/${ids.Salesforce}`)).body.settings.signOn).toMatchObject({
      responseSigned: true,
      assertionSigned: true,
    });
    expect((await get(`/api/v1/apps/${ids.Slack}`)).body.settings.oauthClient.grant_types).toContain('authorization_code');
    expect((await get(`/api/v1/apps/${ids['Office 365']}`)).body.settings.app.siteURL).toMatch(/^https:/);
    expect((await get(`/api/v1/apps/${ids.Mainframe}`)).body.settings.app.url).toMatch(/^https:/);
  });

  it('answers 404 E0000007 for an unknown app', async () => {
    const { res, body } = await get('/api/v1/apps/0oanosuchapp00000000');
    expect(res.status).toBe(404);
    expect(body).toMatchObject({
      errorCode: 'E0000007',
      errorSummary: 'Not found: Resource not found: 0oanosuchapp00000000 (AppInstance)',
    });
  });
});

describe('GET /api/v1/apps/{appId}/users/{userId}', () => {
  it('returns the app user when assigned', async () => {
    const { res, body } = await get(`/api/v1/apps/${ids.Expensify}/users/${ids.alice}`);
    expect(res.status).toBe(200);
    expect(body).toMatchObject({
      id: ids.alice,
      scope: 'USER',
      status: 'ACTIVE',
      credentials: { userName: 'alice.nguyen@example.com' },
      profile: {},
      _links: { app: { href: `${sb.url}/api/v1/apps/${ids.Expensify}` }, user: { href: `${sb.url}/api/v1/users/${ids.alice}` } },
    });
  });

  it('answers 404 E0000007 when the user is not assigned', async () => {
    const { res, body } = await get(`/api/v1/apps/${ids['AWS Console']}/users/${ids.bob}`);
    expect(res.status).toBe(404);
    expect(body.errorCode).toBe('E0000007');
    expect(body.errorSummary).toContain('(AppUser)');
  });
});

describe('per-user details', () => {
  it('lists role assignments', async () => {
    const { body } = await get(`/api/v1/users/${ids.carol}/roles`);
    expect(body).toEqual([
      {
        id: expect.stringMatching(/^ra1[A-Za-z0-9]{17}$/),
        label: 'Super Administrator',
        type: 'SUPER_ADMIN',
        status: 'ACTIVE',
        created: expect.any(String),
        lastUpdated: expect.any(String),
        assignmentType: 'USER',
        _links: { assignee: { href: `${sb.url}/api/v1/users/${ids.carol}` } },
      },
    ]);
    expect((await get(`/api/v1/users/${ids.dave}/roles`)).body).toEqual([]);
  });

  it('lists groups with Okta group fields', async () => {
    const { res, body } = await get(`/api/v1/users/${ids.dave}/groups`);
    expect(res.headers.get('link')).toContain('rel="self"');
    const names = body.map((g: any) => g.profile.name).sort();
    expect(names).toEqual(['All Staff', 'IT Admins']);
    expect(body[0]).toMatchObject({ type: 'OKTA_GROUP', objectClass: ['okta:user_group'], lastMembershipUpdated: expect.any(String) });
    expect(body[0].id).toMatch(/^00g/);
  });

  it('paginates groups', async () => {
    const first = await get(`/api/v1/users/${ids.dave}/groups?limit=1`);
    expect(first.body).toHaveLength(1);
    const next = /<([^>]+)>; rel="next"/.exec(first.res.headers.get('link') ?? '')?.[1];
    expect(next).toBeDefined();
    const second = await fetch(next ?? '', { headers: { Authorization: `SSWS ${sb.apiToken}` } });
    const body = (await second.json()) as any[];
    expect(body).toHaveLength(1);
    expect(body[0].id).not.toBe(first.body[0].id);
  });

  it('lists factors with status and links', async () => {
    const { body } = await get(`/api/v1/users/${ids.alice}/factors`);
    expect(body).toHaveLength(1);
    expect(body[0]).toMatchObject({
      factorType: 'push',
      provider: 'OKTA',
      vendorName: 'OKTA',
      status: 'ACTIVE',
      profile: expect.any(Object),
    });
    expect(body[0]._links.self.href).toBe(`${sb.url}/api/v1/users/${ids.alice}/factors/${body[0].id}`);
    const henry = await get(`/api/v1/users/${ids.henry}/factors`);
    expect(henry.body.map((f: any) => f.status)).toEqual(['PENDING_ACTIVATION']);
  });

  it('answers 404 for the lists of an unknown user', async () => {
    for (const what of ['roles', 'groups', 'factors']) {
      const { res, body } = await get(`/api/v1/users/00unosuchuser0000000/${what}`);
      expect(res.status).toBe(404);
      expect(body.errorCode).toBe('E0000007');
    }
  });
});
