import { FilterParser } from 'ldapts';
import { z } from 'zod';
import { LOGIN_PLACEHOLDER } from './constant.js';
import { buildUserFilter } from './filter.js';

/**
 * An LDAP credential store: an OpenLDAP directory or Active Directory where resetdesk, bound as a
 * service account, sets a generated password on the requester's entry. Passwords travel over TLS
 * only (ldaps://, or ldap:// with StartTLS), and the server's certificate is always verified.
 * Messages never name a value: the caller prefixes the field's name (`stores.corp.bindDN`).
 */
export const ldapStoreConfigSchema = z
  .object({
    /** `ldaps://host[:port]`, or `ldap://host[:port]` with `startTls: true`. */
    url: z
      .string({ error: 'is required' })
      .trim()
      .refine((v) => /^ldaps?:$/.test(parsedUrl(v)?.protocol ?? ''), 'must be an ldaps:// or ldap:// URL such as ldaps://dc1.example.com')
      .refine((v) => {
        const url = parsedUrl(v);
        if (!url) return true;
        return url.hostname !== '' && url.username === '' && url.password === '' && /^\/?$/.test(url.pathname) && !url.search && !url.hash;
      }, 'must be a host and an optional port alone: no path, credentials, query or fragment')
      .transform((v) => v.replace(/\/+$/, '')),
    /** Upgrades an ldap:// connection with StartTLS before anything else is sent. */
    startTls: z.boolean({ error: 'must be true or false' }).default(false),
    /** A PEM bundle of the CAs that may sign the server's certificate; default Node's public roots. */
    caFile: z.string().trim().min(1, 'must be a file path').optional(),
    /** The service account resetdesk binds as; it needs the right to reset the users' passwords. */
    bindDN: z.string({ error: 'is required' }).trim().min(1, 'is required'),
    bindPassword: z.string({ error: 'is required' }).min(1, 'is required'),
    /** Where the users are searched (whole subtree). */
    baseDN: z.string({ error: 'is required' }).trim().min(1, 'is required'),
    /** Finds a user by login (the requester's email); `{login}` is replaced by the escaped login. */
    userFilter: z
      .string()
      .trim()
      .default(`(mail=${LOGIN_PLACEHOLDER})`)
      .refine((v) => v.includes(LOGIN_PLACEHOLDER), `must contain ${LOGIN_PLACEHOLDER}`)
      .refine(isValidFilter, 'must be a valid LDAP filter (RFC 4515) such as (mail={login})'),
    /** How the password is set: RFC 3062 Password Modify (openldap) or unicodePwd (ad). */
    directory: z.enum(['openldap', 'ad'], { error: 'must be openldap or ad' }).default('openldap'),
    passwordLength: z.number().int().min(16).max(128).default(20),
    /** Make the user choose a new password at next logon. */
    requireChange: z.boolean({ error: 'must be true or false' }).default(true),
    /** To connect, and for each operation. */
    timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
  })
  // A misspelt key (`requireChnage`) would otherwise be dropped in silence.
  .strict()
  .superRefine((config, ctx) => {
    const protocol = parsedUrl(config.url)?.protocol;
    if (protocol === 'ldap:' && !config.startTls) {
      ctx.addIssue({
        code: 'custom',
        path: ['startTls'],
        message: 'must be true with an ldap:// url: passwords must not travel over plain LDAP (or use ldaps://)',
      });
    }
    if (protocol === 'ldaps:' && config.startTls) {
      ctx.addIssue({ code: 'custom', path: ['startTls'], message: 'must be false with an ldaps:// url, which is TLS already' });
    }
  });
/** The parsed configuration (defaults applied). */
export type LdapStoreConfig = z.output<typeof ldapStoreConfigSchema>;

function parsedUrl(value: string): URL | null {
  return URL.canParse(value) ? new URL(value) : null;
}

/** ldapts's parser (what sends the filter) accepts it, and its parentheses enclose one filter: ldapts forgives `(&(a=b)`. */
function isValidFilter(filter: string): boolean {
  const chars = [...filter];
  let depth = 0;
  for (const [i, c] of chars.entries()) {
    depth += c === '(' ? 1 : c === ')' ? -1 : 0;
    if (depth < 0 || (depth === 0 && i < chars.length - 1) || (i === 0 && c !== '(')) return false;
  }
  if (depth !== 0) return false;
  try {
    FilterParser.parseString(buildUserFilter(filter, 'someone@example.com'));
    return true;
  } catch {
    return false;
  }
}

/** What a reset did. `password` goes to the requester only: never log it. */
export interface LdapResetResult {
  userDn: string;
  password: string;
  /** Whether the directory will make the user change it at next logon. */
  mustChange: boolean;
}

export interface LdapStoreClient {
  readonly url: string;
  /** Finds exactly one entry for `login` under baseDN with userFilter, sets a generated password on it, and (requireChange) requires a change at next logon. */
  resetPassword(login: string): Promise<LdapResetResult>;
  /** Binds with the service account and unbinds: for a connector status check. */
  check(): Promise<void>;
}
