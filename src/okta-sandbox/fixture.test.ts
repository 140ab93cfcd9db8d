import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildTestFixture } from '../../test/helpers/sandbox-test-fixture.js';
import { DEMO_FIXTURE_PATH, DEMO_OAUTH_KEY_PATH, loadFixture, loadFixtureFile } from './index.js';

const validJson = () => JSON.parse(JSON.stringify(buildTestFixture(1))) as Record<string, any>;

function errorOf(mutate: (f: Record<string, any>) => void): string {
  const f = validJson();
  mutate(f);
  try {
    loadFixture(JSON.stringify(f));
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected the fixture to be rejected');
}

describe('fixture validation', () => {
  it('accepts the test fixture and applies defaults', () => {
    const f = validJson();
    delete f.rateLimit;
    delete f.oauthClients;
    const parsed = loadFixture(JSON.stringify(f));
    expect(parsed.rateLimit).toEqual({ limit: 600, windowSeconds: 60 });
    expect(parsed.oauthClients).toEqual([]);
  });

  it('names the field path of a bad value', () => {
    expect(errorOf((f) => (f.users[0].email = 'not-an-email'))).toContain('users[0].email');
    expect(errorOf((f) => (f.users[0].status = 'HAPPY'))).toContain('users[0].status');
    expect(errorOf((f) => (f.users[0].id = '00u123'))).toMatch(/users\[0\]\.id: must be an Okta user id/);
    expect(errorOf((f) => (f.users[0].factors[0].factorType = 'carrier-pigeon'))).toContain('users[0].factors[0].factorType');
    expect(errorOf((f) => (f.rateLimit = { limit: 0, windowSeconds: 60 }))).toContain('rateLimit.limit');
  });

  it('rejects unknown keys, naming them', () => {
    expect(errorOf((f) => (f.users[0].nickname = 'Bobby'))).toContain('users[0].nickname: unknown field');
    expect(errorOf((f) => (f.extra = true))).toContain('extra: unknown field');
  });

  it('checks cross-references and uniqueness', () => {
    expect(errorOf((f) => (f.users[0].groupIds = ['00gnosuchgroup000000']))).toContain(
      'users[0].groupIds[0]: unknown group id "00gnosuchgroup000000"',
    );
    expect(errorOf((f) => (f.apps[0].assignedUserIds = ['00unosuchuser0000000']))).toContain('apps[0].assignedUserIds[0]');
    expect(
      errorOf((f) => {
        f.users.push({ ...f.users[0], id: '00uanotheruser000001', login: 'USER01@example.com', factors: [] });
      }),
    ).toContain('users[1].login: duplicate login');
  });

  it('requires the app name the spec fixes for a sign-on mode', () => {
    expect(errorOf((f) => (f.apps[0].name = 'expensify'))).toContain('apps[0].name: must be "template_swa" or "template_swa3field"');
  });

  it('rejects an OAuth client whose JWK is not an RSA public key', () => {
    const msg = errorOf((f) => {
      f.oauthClients = [{ clientId: '0oaclient00000000001', publicJwk: { kty: 'RSA', kid: 'k', n: 'AQAB', e: 'AQAB' }, scopes: [] }];
    });
    expect(msg).toContain('oauthClients[0].publicJwk');
  });

  it('reports invalid JSON', () => {
    expect(() => loadFixture('{ nope')).toThrow(/not valid JSON/);
  });
});

describe('demo fixture', () => {
  it('loads from DEMO_FIXTURE_PATH', () => {
    expect(existsSync(DEMO_FIXTURE_PATH)).toBe(true);
    const demo = loadFixtureFile(DEMO_FIXTURE_PATH);
    expect(demo.users.length).toBeGreaterThanOrEqual(10);
    expect(demo.apps.length).toBeGreaterThanOrEqual(8);
  });

  it('ships a private key that matches the demo OAuth client', () => {
    const demo = loadFixtureFile(DEMO_FIXTURE_PATH);
    const client = demo.oauthClients[0];
    if (!client) throw new Error('demo fixture has no OAuth client');
    const privateKey = createPrivateKey(readFileSync(DEMO_OAUTH_KEY_PATH, 'utf8'));
    const { kty, n, e } = client.publicJwk;
    const signature = sign('sha256', Buffer.from('demo'), privateKey);
    expect(verify('sha256', Buffer.from('demo'), createPublicKey({ key: { kty, n, e }, format: 'jwk' }), signature)).toBe(true);
  });

  it('has an app catalog CSV whose Okta ids all exist in the demo org', () => {
    const demo = loadFixtureFile(DEMO_FIXTURE_PATH);
    const lines = readFileSync(new URL('../../fixtures/demo-apps.csv', import.meta.url), 'utf8')
      .trim()
      .split('\n');
    expect(lines[0]).toBe('App,URL,oktaID,sensitive,approverGroup,resetMethod');
    const rows = lines.slice(1).map((l) => l.split(','));
    const appIds = new Set(demo.apps.map((a) => a.id));
    for (const row of rows) expect(appIds.has(row[2] ?? '')).toBe(true);
    expect(new Set(rows.map((r) => r[2]))).toEqual(appIds);
    // Each row's approver group is a group of the demo org (its members approve the app's requests).
    const groupNames = new Set(demo.groups.map((g) => g.name));
    for (const row of rows) expect(groupNames.has(row[4] ?? ''), row[0]).toBe(true);
  });

  it('covers the scenarios fixtures/README.md promises', () => {
    const demo = loadFixtureFile(DEMO_FIXTURE_PATH);
    const user = (first: string) => {
      const u = demo.users.find((x) => x.firstName === first);
      if (!u) throw new Error(`no ${first}`);
      return u;
    };
    const app = (label: string) => demo.apps.find((a) => a.label === label);
    const groupName = (id: string) => demo.groups.find((g) => g.id === id)?.name;
    const activeMfa = (first: string) => user(first).factors.some((f) => f.status === 'ACTIVE');
    expect(demo.apps.every((a) => a.assignedUserIds.includes(user('Alice').id))).toBe(true);
    expect(user('Carol').roles.map((r) => r.type)).toEqual(['SUPER_ADMIN']);
    expect(user('Dave').roles).toEqual([]);
    expect(user('Dave').groupIds.map(groupName)).toContain('IT Admins');
    expect(['Erin', 'Frank', 'Grace', 'Irene', 'Jack', 'Kate'].map((n) => user(n).status)).toEqual([
      'SUSPENDED',
      'DEPROVISIONED',
      'LOCKED_OUT',
      'PASSWORD_EXPIRED',
      'RECOVERY',
      'STAGED',
    ]);
    expect(activeMfa('Henry')).toBe(false);
    expect(activeMfa('Alice') && activeMfa('Bob') && activeMfa('Grace')).toBe(true);
    expect(app('Legacy Payroll')?.assignedUserIds).not.toContain(user('Bob').id);
    expect(app('AWS Console')?.assignedUserIds).not.toContain(user('Bob').id);
    const modes = demo.apps.map((a) => a.signOnMode);
    expect(
      modes.filter((m) => ['AUTO_LOGIN', 'BROWSER_PLUGIN', 'BASIC_AUTH', 'SECURE_PASSWORD_STORE'].includes(m)).length,
    ).toBeGreaterThanOrEqual(3);
    expect(modes.filter((m) => ['SAML_2_0', 'OPENID_CONNECT', 'WS_FEDERATION'].includes(m)).length).toBeGreaterThanOrEqual(3);
    expect(app('Mainframe')?.signOnMode).toBe('BOOKMARK');
  });
});
