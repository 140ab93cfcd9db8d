import { generateKeyPairSync, type KeyObject, randomUUID, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestFixture, testUserId } from '../../test/helpers/sandbox-test-fixture.js';
import { type OktaSandbox, startOktaSandbox } from './index.js';

const CLIENT_ID = '0oatestservice000001';
const READ_ONLY_CLIENT_ID = '0oatestreadonly00001';
let sb: OktaSandbox;
let privateKey: KeyObject;
let otherKey: KeyObject;

beforeAll(async () => {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  privateKey = pair.privateKey;
  otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const jwk = pair.publicKey.export({ format: 'jwk' });
  const publicJwk = { kty: 'RSA' as const, kid: 'test-key-1', n: jwk.n ?? '', e: jwk.e ?? '' };
  sb = await startOktaSandbox({
    fixture: buildTestFixture(2, {
      oauthClients: [
        { clientId: CLIENT_ID, publicJwk, scopes: ['okta.users.read', 'okta.users.manage', 'okta.apps.read', 'okta.roles.read'] },
        { clientId: READ_ONLY_CLIENT_ID, publicJwk, scopes: ['okta.apps.read'] },
      ],
    }),
  });
});
afterAll(() => sb.close());

function assertion(claims: Record<string, unknown> = {}, key: KeyObject = privateKey, kid = 'test-key-1'): string {
  const now = Math.floor(Date.now() / 1000);
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const body = { iss: CLIENT_ID, sub: CLIENT_ID, aud: `${sb.url}/oauth2/v1/token`, iat: now, exp: now + 300, jti: randomUUID(), ...claims };
  const input = `${enc({ alg: 'RS256', typ: 'JWT', kid })}.${enc(body)}`;
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}

async function token(clientAssertion: string, scope = 'okta.users.read okta.apps.read') {
  const res = await fetch(`${sb.url}/oauth2/v1/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      scope,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: clientAssertion,
    }),
  });
  return { res, body: (await res.json()) as any };
}

const getUser = (authorization?: string) =>
  fetch(`${sb.url}/api/v1/users/${testUserId(1)}`, { headers: authorization ? { Authorization: authorization } : {} });

describe('API token authentication', () => {
  it('accepts the SSWS token', async () => {
    expect((await getUser(`SSWS ${sb.apiToken}`)).status).toBe(200);
  });

  it('answers 401 E0000011 without a token or with a wrong one', async () => {
    for (const auth of [undefined, 'SSWS wrong-token', `Basic ${sb.apiToken}`, sb.apiToken]) {
      const res = await getUser(auth);
      expect(res.status, String(auth)).toBe(401);
      expect(res.headers.get('content-type')).toBe('application/json');
      const body = (await res.json()) as any;
      expect(body).toEqual({
        errorCode: 'E0000011',
        errorSummary: 'Invalid token provided',
        errorLink: 'E0000011',
        errorId: expect.any(String),
        errorCauses: [],
      });
    }
  });
});

describe('OAuth 2.0 client credentials with private_key_jwt', () => {
  it('issues a bearer token that the Management API accepts', async () => {
    const { res, body } = await token(assertion());
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(body).toEqual({
      token_type: 'Bearer',
      expires_in: 3600,
      access_token: expect.any(String),
      scope: 'okta.users.read okta.apps.read',
    });
    expect((await getUser(`Bearer ${body.access_token}`)).status).toBe(200);
  });

  it('refuses a token without the scope an operation needs (403 E0000006)', async () => {
    const { body } = await token(assertion(), 'okta.apps.read');
    const res = await getUser(`Bearer ${body.access_token}`);
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    expect(((await res.json()) as any).errorCode).toBe('E0000006');
  });

  it('answers 401 E0000011 for an unknown bearer token', async () => {
    const res = await getUser('Bearer not-a-token');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(((await res.json()) as any).errorCode).toBe('E0000011');
  });

  it('rejects a bad signature', async () => {
    const { res, body } = await token(assertion({}, otherKey));
    expect(res.status).toBe(401);
    expect(body).toEqual({ error: 'invalid_client', error_description: 'The client_assertion signature is invalid.' });
  });

  it('rejects a replayed jti', async () => {
    const jwt = assertion({ jti: 'once-only' });
    expect((await token(jwt)).res.status).toBe(200);
    const replay = await token(jwt);
    expect(replay.res.status).toBe(401);
    expect(replay.body.error).toBe('invalid_client');
    expect(replay.body.error_description).toMatch(/already been used/);
  });

  it('rejects a wrong audience, an expired assertion, a mismatched iss and an unknown client', async () => {
    const now = Math.floor(Date.now() / 1000);
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ aud: 'https://elsewhere.example.com/oauth2/v1/token' }, /audience/],
      [{ exp: now - 10 }, /expired/],
      [{ exp: now + 7200 }, /too far into the future/],
      [{ iss: 'someone-else' }, /'iss' and 'sub'/],
      [{ iss: '0oanosuchclient00001', sub: '0oanosuchclient00001' }, /client_id/],
      [{ jti: undefined }, /jti/],
    ];
    for (const [claims, message] of cases) {
      const { res, body } = await token(assertion(claims));
      expect(res.status, JSON.stringify(claims)).toBe(401);
      expect(body.error).toBe('invalid_client');
      expect(body.error_description).toMatch(message);
    }
  });

  it('rejects scopes the client was not granted, and other grant types', async () => {
    const scoped = await token(assertion({ iss: READ_ONLY_CLIENT_ID, sub: READ_ONLY_CLIENT_ID }), 'okta.users.manage');
    expect(scoped.res.status).toBe(400);
    expect(scoped.body.error).toBe('invalid_scope');
    const res = await fetch(`${sb.url}/oauth2/v1/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=password&username=a&password=b',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error).toBe('unsupported_grant_type');
  });
});
