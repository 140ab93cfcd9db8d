import { generateKeyPairSync, type KeyObject, verify } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeOkta, oktaErrorBody, type RecordedRequest, startFakeOkta } from '../../../test/helpers/fake-okta-server.js';
import { createOktaConnector } from './index.js';
import { CLIENT_ASSERTION_TYPE } from './okta-auth.js';
import { DEFAULT_OKTA_SCOPES } from './types.js';

const CLIENT_ID = '0oaServiceApp123';
const KID = 'key-2024';

function rsaPair() {
  return generateKeyPairSync('rsa', { modulusLength: 2048 });
}
const registered = rsaPair();
const registeredPem = registered.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

let okta: FakeOkta;
let issued: string[];
let usedJtis: Set<string>;
let clock: number;

function decodePart(part: string | undefined): Record<string, unknown> {
  return JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** Okta's token endpoint: verifies the client assertion like Okta does, or answers an OAuth error. */
function tokenEndpoint(publicKey: KeyObject, expiresIn = 3600) {
  return (req: RecordedRequest) => {
    const form = new URLSearchParams(req.body);
    const fail = (description: string) => ({ status: 401, json: { error: 'invalid_client', error_description: description } });
    if (req.headers['content-type'] !== 'application/x-www-form-urlencoded') return fail('bad content type');
    if (form.get('grant_type') !== 'client_credentials')
      return { status: 400, json: { error: 'unsupported_grant_type', error_description: 'grant' } };
    if (form.get('client_assertion_type') !== CLIENT_ASSERTION_TYPE) return fail('bad assertion type');
    const [h, p, s] = (form.get('client_assertion') ?? '').split('.');
    const signed = verify('sha256', Buffer.from(`${h}.${p}`), publicKey, Buffer.from(s ?? '', 'base64url'));
    if (!signed) return fail('The client_assertion signature is invalid.');
    const header = decodePart(h);
    const claims = decodePart(p);
    const nowS = Math.floor(clock / 1000);
    const ok =
      header.alg === 'RS256' &&
      header.kid === KID &&
      claims.iss === CLIENT_ID &&
      claims.sub === CLIENT_ID &&
      claims.aud === `${okta.url}/oauth2/v1/token` &&
      claims.iat === nowS &&
      claims.exp === nowS + 300 &&
      typeof claims.jti === 'string' &&
      !usedJtis.has(claims.jti);
    if (!ok) return fail(`bad claims ${JSON.stringify({ header, claims })}`);
    usedJtis.add(claims.jti as string);
    const token = `eyJraWQiOi.access-token-${issued.length + 1}.sig`;
    issued.push(token);
    return { delayMs: 20, json: { token_type: 'Bearer', expires_in: expiresIn, access_token: token, scope: form.get('scope') } };
  };
}

/** API route that accepts only the newest issued token (older ones count as revoked). */
function serveFactors(): void {
  okta.on('GET', '/api/v1/users/:userId/factors', (req) =>
    req.headers.authorization === `Bearer ${issued.at(-1)}`
      ? { json: [] }
      : { status: 401, json: oktaErrorBody('E0000011', `Invalid token provided: ${String(req.headers.authorization)}`) },
  );
}

function jwtConnector(pem = registeredPem) {
  return createOktaConnector(
    { orgUrl: okta.url, auth: { kind: 'private_key_jwt', clientId: CLIENT_ID, privateKeyPem: pem, keyId: KID } },
    { now: () => clock, sleep: async () => {} },
  );
}

const tokenRequests = () => okta.requests.filter((r) => r.path === '/oauth2/v1/token');

beforeEach(async () => {
  okta = await startFakeOkta();
  issued = [];
  usedJtis = new Set();
  clock = 1_700_000_000_000;
});
afterEach(async () => {
  await okta.close();
});

describe('OAuth 2.0 private_key_jwt', () => {
  it('signs a client assertion Okta can verify, and sends the Bearer token', async () => {
    okta.on('POST', '/oauth2/v1/token', tokenEndpoint(registered.publicKey));
    serveFactors();
    await expect(jwtConnector().listFactors('00u1')).resolves.toEqual([]);
    const [tokenReq] = tokenRequests();
    expect(new URLSearchParams(tokenReq?.body).get('scope')).toBe(DEFAULT_OKTA_SCOPES.join(' '));
    expect(okta.requests.at(-1)?.headers.authorization).toBe(`Bearer ${issued[0]}`);
  });

  it('caches the token across calls, shares one token request, and refreshes before expiry', async () => {
    okta.on('POST', '/oauth2/v1/token', tokenEndpoint(registered.publicKey, 3600));
    serveFactors();
    const c = jwtConnector();
    await Promise.all([c.listFactors('00u1'), c.listFactors('00u2'), c.listFactors('00u3')]);
    await c.listFactors('00u4');
    expect(tokenRequests()).toHaveLength(1);
    clock += 3600_000 - 61_000; // still more than the 60 s margin left
    await c.listFactors('00u5');
    expect(tokenRequests()).toHaveLength(1);
    clock += 2_000; // inside the margin: renew
    await c.listFactors('00u6');
    expect(tokenRequests()).toHaveLength(2);
    expect(okta.requests.at(-1)?.headers.authorization).toBe(`Bearer ${issued[1]}`);
  });

  it('on a 401 with a cached token, gets a new token and retries once', async () => {
    okta.on('POST', '/oauth2/v1/token', tokenEndpoint(registered.publicKey));
    serveFactors();
    const c = jwtConnector();
    await c.listFactors('00u1');
    issued.push('revoked-elsewhere-so-cached-token-is-stale'); // the server now rejects token 1
    await expect(c.listFactors('00u1')).resolves.toEqual([]);
    expect(tokenRequests()).toHaveLength(2);

    // A token that is rejected even when fresh: one retry only, then OKTA_AUTH_FAILED.
    okta.on('GET', '/api/v1/users/:userId/roles', () => ({ status: 401, json: oktaErrorBody('E0000011', 'Invalid token provided') }));
    const before = okta.requests.length;
    await expect(c.listAdminRoles('00u1')).rejects.toMatchObject({ code: 'OKTA_AUTH_FAILED', httpStatus: 401 });
    expect(okta.requests.length - before).toBe(3); // roles, token, roles
  });

  it("a key Okta does not know gives OKTA_AUTH_FAILED with Okta's description", async () => {
    okta.on('POST', '/oauth2/v1/token', tokenEndpoint(registered.publicKey));
    serveFactors();
    const stranger = rsaPair().privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    const err = await jwtConnector(stranger)
      .listFactors('00u1')
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'OKTA_AUTH_FAILED', details: { httpStatus: 401, oauthError: 'invalid_client' } });
    expect((err as Error).message).toContain('The client_assertion signature is invalid.');
    expect(okta.requests.filter((r) => r.path.startsWith('/api/'))).toHaveLength(0);
  });

  it('never puts the access token, assertion or key in an error message', async () => {
    okta.on('POST', '/oauth2/v1/token', tokenEndpoint(registered.publicKey));
    okta.on('GET', '/api/v1/users/:userId/factors', (req) => ({
      status: 403,
      json: oktaErrorBody('E0000006', `no permission for ${String(req.headers.authorization)}`),
    }));
    const err = await jwtConnector()
      .listFactors('00u1')
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'OKTA_AUTH_FAILED', httpStatus: 403 });
    const text = `${(err as Error).message} ${JSON.stringify(err)}`;
    expect(issued.length).toBeGreaterThan(0);
    for (const token of issued) expect(text).not.toContain(token);
    expect(text).not.toContain('PRIVATE KEY');
    const assertion = new URLSearchParams(tokenRequests()[0]?.body).get('client_assertion') ?? '';
    expect(text).not.toContain(assertion);
  });
});
