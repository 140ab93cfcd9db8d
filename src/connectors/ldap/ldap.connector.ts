import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { Attribute, Change, Client } from 'ldapts';
import type { Logger } from 'pino';
import { AppError } from '../../errors/error-codes.js';
import { encodePasswordModifyRequest } from './ber.js';
import { ldapMetadata, PASSWORD_MODIFY_OID } from './constant.js';
import { buildUserFilter } from './filter.js';
import { type LdapStep, toLdapError } from './ldap-errors.js';
import { generatePassword } from './password.js';
import type { LdapResetResult, LdapStoreClient, LdapStoreConfig } from './types.js';

export interface LdapConnectorOptions {
  logger?: Logger;
}

/**
 * A client for one directory. Each call opens its own connection (ldaps://, or ldap:// upgraded
 * with StartTLS), binds as the service account, does its work and unbinds: resets are rare, and
 * a fresh connection cannot carry a stale bind. One attempt per call: the job queue retries
 * LDAP_UNAVAILABLE. The generated password is returned and appears in no error, detail or log.
 */
export function buildLdapStoreClient(config: LdapStoreConfig, options: LdapConnectorOptions = {}): LdapStoreClient {
  const { url, timeoutMs } = config;
  const tlsOptions = tlsOptionsFor(config);

  /** Runs `work` on a bound connection; always unbinds. */
  async function session<T>(work: (client: Client, step: Step) => Promise<T>): Promise<T> {
    // ldapts speaks TLS from the first byte whenever it is given tlsOptions, so over ldap:// they
    // go to startTLS() instead, after the plain connection is open.
    const client = new Client({
      url,
      connectTimeout: timeoutMs,
      timeout: timeoutMs,
      ...(config.startTls ? {} : { tlsOptions }),
    });
    const step: Step = async (name, fn, secrets = []) => {
      try {
        return await fn();
      } catch (err) {
        throw toLdapError(err, url, name, [config.bindPassword, ...secrets], timeoutMs);
      }
    };
    try {
      if (config.startTls) await step('StartTLS', () => withDeadline(client.startTLS({ ...tlsOptions }), timeoutMs, client));
      await step('bind', () => client.bind(config.bindDN, config.bindPassword));
      return await work(client, step);
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }

  async function findUser(client: Client, step: Step, login: string): Promise<string> {
    const filter = buildUserFilter(config.userFilter, login);
    // sizeLimit 2: enough to tell one match from several. '1.1' asks for no attributes (RFC 4511): the DN is all we need.
    const { searchEntries } = await step('search', () =>
      client.search(config.baseDN, { scope: 'sub', filter, attributes: ['1.1'], sizeLimit: 2 }),
    );
    const [first, ...others] = searchEntries;
    if (!first) {
      throw new AppError('LDAP_USER_NOT_FOUND', `LDAP at ${url}: no entry under ${config.baseDN} matches the user filter for this login.`, {
        url,
        baseDN: config.baseDN,
      });
    }
    if (others.length > 0) {
      throw new AppError(
        'LDAP_ERROR',
        `LDAP at ${url}: the login is ambiguous: ${searchEntries.length} or more entries under ${config.baseDN} match the user filter.`,
        { url, baseDN: config.baseDN, matches: searchEntries.length },
      );
    }
    return first.dn;
  }

  /** OpenLDAP: Password Modify; its ppolicy overlay decides whether the user must change it. */
  async function resetOpenLdap(client: Client, step: Step, userDn: string, password: string): Promise<boolean> {
    await step('change', () => client.exop(PASSWORD_MODIFY_OID, encodePasswordModifyRequest(userDn, password)), [password]);
    // ppolicy sets pwdReset: TRUE on an administrator's change when the policy has pwdMustChange.
    // The password is set already: a failed read-back must not fail the reset (and make a retry
    // set yet another password), so it counts as "not required".
    try {
      const { searchEntries } = await step('readback', () => client.search(userDn, { scope: 'base', attributes: ['pwdReset'] }));
      const value = searchEntries[0]?.pwdReset;
      return (Array.isArray(value) ? value[0] : value)?.toString().toUpperCase() === 'TRUE';
    } catch (err) {
      options.logger?.warn({ err, url }, 'LDAP: could not read pwdReset back after a password reset');
      return false;
    }
  }

  /** Active Directory: an administrator's reset replaces unicodePwd; pwdLastSet 0 forces a change. */
  async function resetActiveDirectory(client: Client, step: Step, userDn: string, password: string): Promise<boolean> {
    const changes = [
      // AD wants the password in double quotes, as UTF-16LE, and only over an encrypted connection.
      new Change({
        operation: 'replace',
        modification: new Attribute({ type: 'unicodePwd', values: [Buffer.from(`"${password}"`, 'utf16le')] }),
      }),
    ];
    if (config.requireChange) {
      changes.push(new Change({ operation: 'replace', modification: new Attribute({ type: 'pwdLastSet', values: ['0'] }) }));
    }
    await step('change', () => client.modify(userDn, changes), [password]);
    return config.requireChange;
  }

  return {
    url,
    async resetPassword(login: string): Promise<LdapResetResult> {
      return session(async (client, step) => {
        const userDn = await findUser(client, step, login);
        const password = generatePassword(config.passwordLength);
        const mustChange =
          config.directory === 'ad'
            ? await resetActiveDirectory(client, step, userDn, password)
            : await resetOpenLdap(client, step, userDn, password);
        if (config.requireChange && !mustChange) {
          options.logger?.warn({ url, userDn }, 'LDAP: the directory does not require a change after this reset (ppolicy pwdMustChange)');
        }
        options.logger?.info({ url, userDn, mustChange }, 'LDAP password reset');
        return { userDn, password, mustChange };
      });
    },
    async check(): Promise<void> {
      await session(async () => undefined);
    },
  };
}

/** Runs `fn`, turning what it throws into an AppError for `step` with `secrets` cut out of any text. */
type Step = <T>(name: LdapStep, fn: () => Promise<T>, secrets?: readonly string[]) => Promise<T>;

/** TLS settings: the CA bundle (else Node's roots), the host name to verify, verification always on. */
function tlsOptionsFor(config: LdapStoreConfig): ConnectionOptions {
  const host = new URL(config.url).hostname.replace(/^\[|\]$/g, '');
  const options: ConnectionOptions = { host, rejectUnauthorized: true };
  // SNI takes a DNS name only; an IP address is still checked against the certificate's IP SANs.
  if (!isIP(host)) options.servername = host;
  if (config.caFile) options.ca = readCaFile(config.caFile);
  return options;
}

function readCaFile(path: string): Buffer {
  let pem: Buffer;
  try {
    pem = readFileSync(path);
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw configInvalid(`cannot read ${path} (${why})`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw configInvalid(`${path} holds no PEM certificate`);
  return pem;
}

function configInvalid(problem: string): AppError {
  const issue = `${ldapMetadata.id}.caFile: ${problem}`;
  return new AppError('CONFIG_INVALID', `${ldapMetadata.name} connector configuration: ${issue}`, { issues: [issue] });
}

/**
 * ldapts bounds the connect and each operation, but not StartTLS's handshake: a server that
 * accepts the upgrade and then says nothing would hang. Past the deadline the connection is
 * dropped and the call fails as a timeout.
 */
async function withDeadline<T>(work: Promise<T>, ms: number, client: Client): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      void client.unbind().catch(() => undefined);
      reject(new Error(`TLS handshake timed out after ${ms} ms`));
    }, ms);
  });
  work.catch(() => undefined);
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
