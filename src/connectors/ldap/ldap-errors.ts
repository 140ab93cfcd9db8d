/**
 * Turns what ldapts throws into resetdesk's LDAP_* codes. An LDAP result code is the directory's
 * answer: a refused bind is LDAP_AUTH_FAILED, busy/unavailable (51, 52) is LDAP_UNAVAILABLE and
 * anything else LDAP_ERROR, all with the code, its name and the server's text. Anything that is
 * not a result code (refused or reset connection, timeout, TLS failure) means the directory could
 * not be reached: LDAP_UNAVAILABLE, which the job queue retries.
 */
import { ResultCodeError } from 'ldapts';
import { AppError } from '../../errors/error-codes.js';

/** What resetdesk was doing, for messages: `binding as the service account`. */
export type LdapStep = 'StartTLS' | 'bind' | 'search' | 'change' | 'readback';

const STEP_TEXT: Record<LdapStep, string> = {
  StartTLS: 'connecting and starting TLS',
  bind: 'binding as the service account',
  search: 'searching for the user',
  change: 'setting the password',
  readback: 'reading pwdReset back',
};

/** The names RFC 4511 gives the result codes a reset can meet. */
const RESULT_NAMES: Record<number, string> = {
  1: 'operationsError',
  2: 'protocolError',
  3: 'timeLimitExceeded',
  8: 'strongerAuthRequired',
  13: 'confidentialityRequired',
  16: 'noSuchAttribute',
  17: 'undefinedAttributeType',
  19: 'constraintViolation',
  21: 'invalidAttributeSyntax',
  32: 'noSuchObject',
  34: 'invalidDNSyntax',
  48: 'inappropriateAuthentication',
  49: 'invalidCredentials',
  50: 'insufficientAccessRights',
  51: 'busy',
  52: 'unavailable',
  53: 'unwillingToPerform',
  65: 'objectClassViolation',
  80: 'other',
};

/** TLS handshake and certificate failures Node reports by code (besides `ERR_TLS_*` and `ERR_SSL_*`). */
const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
]);

/**
 * The AppError for `err`, thrown by ldapts during `step` against `url`. `secrets` (the passwords
 * in play) are cut out of any text the server or the library supplied, in case one ever echoes.
 */
export function toLdapError(err: unknown, url: string, step: LdapStep, secrets: readonly string[], timeoutMs: number): AppError {
  if (err instanceof AppError) return err;
  const clean = (text: string) => secrets.reduce((t, s) => (s ? t.split(s).join('[redacted]') : t), text);
  const what = STEP_TEXT[step];
  if (err instanceof ResultCodeError) {
    const resultCode = err.code;
    const resultName = RESULT_NAMES[resultCode] ?? err.name;
    // ldapts appends " Code: 0x31" to the server's diagnostic text; we name the code ourselves.
    const said = clean(err.message.replace(/\s*Code: 0x[0-9a-f]+$/i, '').trim());
    const message = `LDAP at ${url}: ${what} failed: ${resultCode} ${resultName}${said ? ` (${said.slice(0, 300)})` : ''}.`;
    const details = { url, step, resultCode, resultName };
    if (resultCode === 51 || resultCode === 52) return new AppError('LDAP_UNAVAILABLE', message, details);
    if (step === 'bind') return new AppError('LDAP_AUTH_FAILED', message, details);
    return new AppError('LDAP_ERROR', message, details);
  }
  const { reason, cause } = describeTransportError(err, timeoutMs);
  return new AppError('LDAP_UNAVAILABLE', `LDAP at ${url}: ${what} failed: ${clean(reason)}.`, { url, step, cause });
}

function describeTransportError(err: unknown, timeoutMs: number): { reason: string; cause: string } {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : undefined;
  const message = typeof e.message === 'string' ? (e.message.split('\n')[0] ?? '') : String(err);
  if (code === 'ECONNREFUSED') return { reason: `the connection was refused (${message})`, cause: code };
  if (code === 'ECONNRESET' || code === 'EPIPE') return { reason: `the connection was reset (${message})`, cause: code };
  if (code && (TLS_CODES.has(code) || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_'))) {
    return { reason: `TLS failed: ${message}`, cause: code };
  }
  // ldapts's own timeouts: "Connection timeout" (connect) and "<Request>: Operation timed out".
  if (/timeout|timed out/i.test(message)) return { reason: `no answer within ${timeoutMs} ms (${message})`, cause: 'timeout' };
  return { reason: message || 'unknown error', cause: code ?? 'network' };
}
