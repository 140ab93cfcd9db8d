/**
 * The LDAP credential store against a real OpenLDAP (test/helpers/slapd.ts): resets over ldaps://
 * and over ldap:// + StartTLS, checked by binding as the user; ppolicy's pwdReset; filter
 * injection; and each way it fails (no such user, ambiguous, refused bind, refused change,
 * directory down, untrusted certificate). Active Directory's unicodePwd/pwdLastSet are checked on
 * a slapd with an AD-like schema.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { Client, InvalidCredentialsError } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLdapStoreClient, type LdapStoreConfig } from '../src/connectors/ldap/index.js';
import { AppError, ERROR_CODES } from '../src/errors/error-codes.js';
import { DEFAULT_SLAPD_USERS, type Slapd, startSlapd } from './helpers/slapd.js';

type Settings = Partial<LdapStoreConfig>;

let slapd: Slapd;
/** Each user's password as it is now in the directory. */
const current = new Map(DEFAULT_SLAPD_USERS.map((u) => [u.uid, u.password]));

beforeAll(async () => {
  slapd = await startSlapd({ adAttributes: true });
});
afterAll(async () => {
  await slapd?.stop();
});

const TRANSPORTS: Array<[string, () => Settings]> = [
  ['ldaps://', () => ({ url: slapd.url })],
  ['ldap:// + StartTLS', () => ({ url: slapd.startTlsUrl, startTls: true })],
];

function store(settings: Settings = {}) {
  return createLdapStoreClient({
    url: slapd.url,
    caFile: slapd.caFile,
    bindDN: slapd.bindDN,
    bindPassword: slapd.bindPassword,
    baseDN: slapd.usersDN,
    timeoutMs: 5000,
    ...settings,
  });
}

/** Binds as `dn` over ldaps:// (trusting the test CA), runs `then` and unbinds. */
async function asUser<T>(dn: string, password: string, then: (client: Client) => Promise<T> = async () => undefined as T): Promise<T> {
  const client = new Client({ url: slapd.url, tlsOptions: { ca: readFileSync(slapd.caFile) }, timeout: 5000, connectTimeout: 5000 });
  try {
    await client.bind(dn, password);
    return await then(client);
  } finally {
    await client.unbind();
  }
}

const asAdmin = <T>(then: (client: Client) => Promise<T>) => asUser(slapd.bindDN, slapd.bindPassword, then);

async function readAttribute(dn: string, attribute: string, asBuffer = false): Promise<unknown> {
  return asAdmin(async (client) => {
    const { searchEntries } = await client.search(dn, {
      scope: 'base',
      attributes: [attribute],
      ...(asBuffer ? { explicitBufferAttributes: [attribute] } : {}),
    });
    return searchEntries[0]?.[attribute];
  });
}

/** The AppError `promise` rejects with. */
async function failure(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

/** A loopback port nobody listens on. */
async function deadPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

describe.each(TRANSPORTS)('LDAP store over %s', (_name, transport) => {
  it('resets alice: the new password binds, the old one no longer does, and ppolicy requires a change', async () => {
    const aliceDn = slapd.userDn('alice');
    const old = current.get('alice')!;
    const result = await store(transport()).resetPassword('alice@example.com');
    current.set('alice', result.password);

    expect(result.userDn).toBe(aliceDn);
    expect(result.mustChange).toBe(true);
    expect(result.password).toHaveLength(20);
    for (const chars of [/[A-Z]/, /[a-z]/, /[0-9]/, /[-_.!@#%+=]/]) expect(result.password).toMatch(chars);
    expect(result.password).not.toBe(old);

    await expect(asUser(aliceDn, result.password)).resolves.toBeUndefined();
    await expect(asUser(aliceDn, old)).rejects.toBeInstanceOf(InvalidCredentialsError);
    expect(await readAttribute(aliceDn, 'pwdReset')).toBe('TRUE');
  });

  it('checks the service account', async () => {
    await expect(store(transport()).check()).resolves.toBeUndefined();
  });

  it('refuses a wrong bind password: LDAP_AUTH_FAILED, not retryable, and the password is not repeated', async () => {
    const wrong = 'not-the-admin-password-42';
    const err = await failure(store({ ...transport(), bindPassword: wrong }).resetPassword('alice@example.com'));
    expect(err.code).toBe('LDAP_AUTH_FAILED');
    expect(ERROR_CODES[err.code].retryable).toBe(false);
    expect(err.details).toMatchObject({ resultCode: 49, resultName: 'invalidCredentials' });
    expect(`${err.message} ${JSON.stringify(err.details)}`).not.toContain(wrong);
    expect(await failure(store({ ...transport(), bindPassword: wrong }).check())).toMatchObject({ code: 'LDAP_AUTH_FAILED' });
  });

  it('does not trust a certificate its CA did not sign: LDAP_UNAVAILABLE, and nothing changes', async () => {
    for (const caFile of [slapd.strangerCaFile, undefined]) {
      const err = await failure(store({ ...transport(), caFile }).resetPassword('alice@example.com'));
      expect(err.code).toBe('LDAP_UNAVAILABLE');
      expect(err.message).toMatch(/TLS failed/);
    }
    await expect(asUser(slapd.userDn('alice'), current.get('alice')!)).resolves.toBeUndefined();
  });

  it('reports a directory that is down as LDAP_UNAVAILABLE, retryable', async () => {
    const port = await deadPort();
    const url = transport().startTls ? `ldap://127.0.0.1:${port}` : `ldaps://127.0.0.1:${port}`;
    const err = await failure(store({ ...transport(), url }).resetPassword('alice@example.com'));
    expect(err.code).toBe('LDAP_UNAVAILABLE');
    expect(ERROR_CODES[err.code].retryable).toBe(true);
    expect(err.message).toContain(url);
    expect(err.message).toMatch(/refused/);
    expect(err.message).not.toContain(slapd.bindPassword);
  });
});

/**
 * A TCP server that never speaks TLS. With `okStartTls` it answers the first request (StartTLS)
 * with success and then says nothing, so the TLS handshake hangs.
 */
async function silentServer(okStartTls: boolean): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const srv = createServer((socket) => {
    sockets.add(socket);
    socket.once('data', (request) => {
      // LDAPMessage 30 len 02 01 <id>: an ExtendedResponse [APPLICATION 24] with resultCode 0.
      if (okStartTls)
        socket.write(Buffer.from([0x30, 0x0c, 0x02, 0x01, request[4] ?? 0, 0x78, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00]));
    });
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  return {
    url: `${okStartTls ? 'ldap' : 'ldaps'}://127.0.0.1:${port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => srv.close(resolve));
    },
  };
}

describe('LDAP store: a directory that never answers', () => {
  it.each([
    ['a TLS handshake on ldaps://', false],
    ['the TLS handshake after StartTLS', true],
  ])('gives up on %s after timeoutMs: LDAP_UNAVAILABLE', async (_name, startTls) => {
    const server = await silentServer(startTls);
    try {
      const started = Date.now();
      const err = await failure(store({ url: server.url, startTls, timeoutMs: 300 }).resetPassword('alice@example.com'));
      expect(err.code).toBe('LDAP_UNAVAILABLE');
      expect(err.message).toMatch(/no answer within 300 ms/);
      expect(err.message).toMatch(startTls ? /TLS handshake timed out/ : /Connection timeout/);
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await server.close();
    }
  });
});

describe('LDAP store: finding the user', () => {
  it('answers LDAP_USER_NOT_FOUND for a login with no entry', async () => {
    const err = await failure(store().resetPassword('nobody@example.com'));
    expect(err.code).toBe('LDAP_USER_NOT_FOUND');
    expect(ERROR_CODES[err.code].retryable).toBe(false);
  });

  it('escapes the login: filter injection matches nobody and changes nothing', async () => {
    for (const login of ['*', 'alice*)(mail=*', '*)(uid=*', 'bob@example.com)(|(mail=*', 'bob\\2a', '*@example.com']) {
      expect((await failure(store().resetPassword(login))).code).toBe('LDAP_USER_NOT_FOUND');
    }
    for (const u of DEFAULT_SLAPD_USERS) await expect(asUser(slapd.userDn(u.uid), current.get(u.uid)!)).resolves.toBeUndefined();
  });

  it('refuses a filter that matches several entries, without resetting any', async () => {
    const err = await failure(store({ userFilter: '(|(mail={login})(objectClass=inetOrgPerson))' }).resetPassword('x@example.com'));
    expect(err.code).toBe('LDAP_ERROR');
    expect(err.message).toMatch(/ambiguous/);
    expect(err.details).toMatchObject({ matches: 2 });
  });
});

describe('LDAP store: the directory refuses the change', () => {
  it('answers LDAP_ERROR with the result code when the service account may not set passwords', async () => {
    // bob may bind and read, but only change his own password (the ACL: userPassword by self write).
    const err = await failure(store({ bindDN: slapd.userDn('bob'), bindPassword: current.get('bob')! }).resetPassword('alice@example.com'));
    expect(err.code).toBe('LDAP_ERROR');
    expect(ERROR_CODES[err.code].retryable).toBe(false);
    expect(err.details).toMatchObject({ step: 'change', resultCode: 50, resultName: 'insufficientAccessRights' });
    expect(err.message).toMatch(/50 insufficientAccessRights/);
    await expect(asUser(slapd.userDn('alice'), current.get('alice')!)).resolves.toBeUndefined();
  });
});

describe('LDAP store in Active Directory mode', () => {
  it('replaces unicodePwd with the quoted UTF-16LE password and sets pwdLastSet to 0', async () => {
    const carolDn = slapd.userDn('carol');
    const result = await store({ directory: 'ad' }).resetPassword('carol@example.com');
    expect(result).toMatchObject({ userDn: carolDn, mustChange: true });
    expect(result.password).toHaveLength(20);
    const stored = await readAttribute(carolDn, 'unicodePwd', true);
    expect(Buffer.isBuffer(stored)).toBe(true);
    expect((stored as Buffer).equals(Buffer.from(`"${result.password}"`, 'utf16le'))).toBe(true);
    expect(await readAttribute(carolDn, 'pwdLastSet')).toBe('0');
  });

  it('answers LDAP_ERROR when the entry cannot take unicodePwd', async () => {
    // alice lacks the AD-like object class: the directory refuses with objectClassViolation.
    const err = await failure(store({ directory: 'ad' }).resetPassword('alice@example.com'));
    expect(err.code).toBe('LDAP_ERROR');
    expect(err.details).toMatchObject({ step: 'change', resultCode: 65 });
  });
});
