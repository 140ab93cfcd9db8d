import { describe, expect, it } from 'vitest';
import { AppError } from '../../errors/error-codes.js';
import { berLength, encodePasswordModifyRequest } from './ber.js';
import { buildUserFilter, escapeFilterValue } from './filter.js';
import { ldapConnector } from './index.js';
import { generatePassword, PASSWORD_CLASSES } from './password.js';

const valid = {
  url: 'ldaps://dc1.example.com',
  bindDN: 'cn=resetdesk,ou=services,dc=example,dc=com',
  bindPassword: 'service-secret-123',
  baseDN: 'ou=people,dc=example,dc=com',
};

/** The CONFIG_INVALID issues `input` gets, or [] when it is valid. */
function issues(input: unknown): string[] {
  try {
    ldapConnector.validateConfig(input);
    return [];
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('CONFIG_INVALID');
    return ((err as AppError).details as { issues: string[] }).issues;
  }
}

describe('LDAP store configuration', () => {
  it('applies the defaults', () => {
    expect(ldapConnector.validateConfig(valid)).toEqual({
      ...valid,
      startTls: false,
      userFilter: '(mail={login})',
      directory: 'openldap',
      passwordLength: 20,
      requireChange: true,
      timeoutMs: 10_000,
    });
  });

  it('accepts ldap:// with StartTLS, and drops a trailing slash', () => {
    expect(ldapConnector.validateConfig({ ...valid, url: 'ldap://dc1.example.com:389/', startTls: true }).url).toBe(
      'ldap://dc1.example.com:389',
    );
  });

  it('refuses plain LDAP: ldap:// without StartTLS', () => {
    expect(issues({ ...valid, url: 'ldap://dc1.example.com' })).toEqual([
      'ldap.startTls: must be true with an ldap:// url: passwords must not travel over plain LDAP (or use ldaps://)',
    ]);
  });

  it('refuses StartTLS over ldaps://, other schemes, and URLs with more than a host and port', () => {
    expect(issues({ ...valid, startTls: true })).toEqual(['ldap.startTls: must be false with an ldaps:// url, which is TLS already']);
    expect(issues({ ...valid, url: 'https://dc1.example.com' })[0]).toMatch(/^ldap\.url: must be an ldaps:\/\/ or ldap:\/\/ URL/);
    expect(issues({ ...valid, url: 'ldaps://dc1.example.com/dc=example,dc=com' })[0]).toMatch(/^ldap\.url: must be a host/);
    expect(issues({ ...valid, url: 'ldaps://admin:pw@dc1.example.com' })[0]).toMatch(/^ldap\.url: must be a host/);
  });

  it('refuses a userFilter without {login}, or one that does not parse', () => {
    expect(issues({ ...valid, userFilter: '(mail=alice@example.com)' })).toEqual(['ldap.userFilter: must contain {login}']);
    for (const userFilter of ['(&(mail={login})', '(mail={login})(uid={login})', 'mail={login}', '(mail)({login})']) {
      expect(issues({ ...valid, userFilter })[0]).toMatch(/^ldap\.userFilter: must be a valid LDAP filter/);
    }
    expect(issues({ ...valid, userFilter: '(&(objectClass=user)(|(mail={login})(userPrincipalName={login})))' })).toEqual([]);
  });

  it('requires the service account and the base DN, bounds the numbers, and refuses unknown keys', () => {
    const problems = issues({ url: valid.url, bindDN: ' ', passwordLength: 8, timeoutMs: 50, directory: 'novell', requireChnage: false });
    expect(problems).toEqual(
      expect.arrayContaining([
        'ldap.bindDN: is required',
        'ldap.bindPassword: is required',
        'ldap.baseDN: is required',
        'ldap.directory: must be openldap or ad',
        expect.stringMatching(/^ldap\.passwordLength: /),
        expect.stringMatching(/^ldap\.timeoutMs: /),
        expect.stringMatching(/^ldap: .*requireChnage/),
      ]),
    );
  });

  it('never repeats the bind password in a message', () => {
    const secret = 'do-not-echo-this-secret';
    const problems = issues({ ...valid, bindPassword: secret, url: 'ldap://dc1.example.com', timeoutMs: secret });
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join('\n')).not.toContain(secret);
  });

  it('reports an unreadable caFile as CONFIG_INVALID naming the field', () => {
    const create = () => ldapConnector.create({ ...valid, caFile: '/nonexistent/resetdesk-ca.pem' });
    expect(create).toThrowError(AppError);
    expect(create).toThrowError(/ldap\.caFile: cannot read \/nonexistent\/resetdesk-ca\.pem \(ENOENT\)/);
  });
});

describe('user filter escaping (RFC 4515)', () => {
  it('escapes *, (, ), \\ and NUL as \\xx', () => {
    expect(escapeFilterValue('a*b(c)d\\e\0f')).toBe('a\\2ab\\28c\\29d\\5ce\\00f');
    expect(escapeFilterValue('alice*)(mail=*')).toBe('alice\\2a\\29\\28mail=\\2a');
  });

  it('leaves everything else alone, non-ASCII included', () => {
    expect(escapeFilterValue('jürgen.o+tag@example.com')).toBe('jürgen.o+tag@example.com');
  });

  it('replaces every {login}, taking $ patterns literally', () => {
    expect(buildUserFilter('(|(mail={login})(uid={login}))', '*')).toBe('(|(mail=\\2a)(uid=\\2a))');
    expect(buildUserFilter('(mail={login})', "$&$'$`")).toBe("(mail=$&$'$`)");
  });
});

describe('Password Modify request value (BER)', () => {
  it('encodes lengths in short and long definite form', () => {
    expect([...berLength(0)]).toEqual([0x00]);
    expect([...berLength(127)]).toEqual([0x7f]);
    expect([...berLength(128)]).toEqual([0x81, 0x80]);
    expect([...berLength(255)]).toEqual([0x81, 0xff]);
    expect([...berLength(256)]).toEqual([0x82, 0x01, 0x00]);
    expect([...berLength(70_000)]).toEqual([0x83, 0x01, 0x11, 0x70]);
  });

  it('is SEQUENCE { [0] userIdentity, [2] newPasswd }', () => {
    // 30 0c | 80 04 "uid=" | 82 04 "pw!1"
    expect(encodePasswordModifyRequest('uid=', 'pw!1').toString('hex')).toBe('300c' + '8004' + '7569643d' + '8204' + '70772131');
  });

  it('uses the long form once a part reaches 128 bytes', () => {
    const dn = `uid=${'a'.repeat(196)}`; // 200 bytes
    const encoded = encodePasswordModifyRequest(dn, 'x');
    // Content: 80 81 c8 <200> (203 bytes) + 82 01 78 (3 bytes) = 206 = 0xce → 30 81 ce.
    expect([...encoded.subarray(0, 6)]).toEqual([0x30, 0x81, 0xce, 0x80, 0x81, 0xc8]);
    expect(encoded.subarray(6, 206).toString()).toBe(dn);
    expect([...encoded.subarray(206)]).toEqual([0x82, 0x01, 0x78]);
    expect(encoded.length).toBe(209);
  });

  it('counts UTF-8 bytes, not characters', () => {
    expect(encodePasswordModifyRequest('é', 'ü').toString('hex')).toBe('3008' + '8002c3a9' + '8202c3bc');
  });
});

describe('generated passwords', () => {
  it('have the length asked for and every class', () => {
    for (const length of [16, 20, 64, 128]) {
      for (let i = 0; i < 50; i++) {
        const password = generatePassword(length);
        expect(password).toHaveLength(length);
        for (const chars of PASSWORD_CLASSES) expect([...password].some((c) => chars.includes(c))).toBe(true);
        expect(password).toMatch(/^[A-Za-z0-9\-_.!@#%+=]+$/);
      }
    }
  });

  it('differ from call to call', () => {
    const seen = new Set(Array.from({ length: 100 }, () => generatePassword(20)));
    expect(seen.size).toBe(100);
  });

  it('refuses a length that cannot hold every class', () => {
    expect(() => generatePassword(3)).toThrow(RangeError);
  });
});
