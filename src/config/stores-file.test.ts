// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are STORES_FILE values, whose ${VAR} is the syntax under test
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { parseStores } from './stores-file.js';

const SECRET = 'a-webhook-secret-of-at-least-32-characters';
const problemsOf = (data: unknown, env: Record<string, string> = {}): string => {
  try {
    parseStores(data, env);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected parseStores to fail');
};

describe('STORES_FILE', () => {
  it('expands ${VAR} from the environment, with fallbacks, and checks each store with its connector', () => {
    const stores = parseStores(
      {
        stores: {
          mainframe: {
            type: 'external',
            url: 'https://rpa.example.com/hooks/reset',
            secret: '${MF_SECRET}',
            nextSecret: '${MF_NEXT:-}',
            timeout: '30m',
          },
          'corp-ldap': {
            type: 'ldap',
            url: 'ldaps://${LDAP_HOST:-dc1.example.com}:636',
            bindDN: 'cn=resetdesk,ou=svc,dc=example,dc=com',
            bindPassword: '${LDAP_PW}',
            baseDN: 'dc=example,dc=com',
            directory: 'ad',
            userFilter: '(userPrincipalName={login})',
          },
        },
      },
      { MF_SECRET: SECRET, LDAP_PW: 'pw' },
    );
    expect(stores.map((s) => [s.name, s.type])).toEqual([
      ['mainframe', 'external'],
      ['corp-ldap', 'ldap'],
    ]);
    expect(stores[0]!.settings).toMatchObject({ secret: SECRET, timeout: 30 * 60_000, generatesPassword: false });
    expect(stores[0]!.settings).not.toHaveProperty('nextSecret');
    expect(stores[1]!.settings).toMatchObject({ url: 'ldaps://dc1.example.com:636', bindPassword: 'pw', directory: 'ad' });
  });

  it('names every problem: unset variables, types, names, built-ins and connector fields, never a value', () => {
    const message = problemsOf(
      {
        stores: {
          mainframe: { type: 'external', url: 'https://rpa.example.com/x', secret: '${MISSING_SECRET}' },
          plain: { type: 'external', url: 'http://rpa.example.com/x', secret: SECRET },
          okta: { type: 'external' },
          'Bad Name': { type: 'external' },
          tape: { type: 'tape-robot' },
          dir: { type: 'ldap', url: 'ldap://dc1', bindDN: 'x', bindPassword: 'hunter2-secret', baseDN: 'y' },
        },
        extra: 1,
      },
      {},
    );
    expect(message).toContain('extra: unknown top-level key');
    expect(message).toContain('stores.mainframe.secret: the environment variable MISSING_SECRET is not set');
    expect(message).not.toContain('stores.mainframe.secret: is required');
    expect(message).toContain('stores.plain.url: must be an https:// URL');
    expect(message).toContain('stores.okta: "okta" is a built-in store and cannot be redefined');
    expect(message).toContain('stores.Bad Name: the name must be lower-case letters');
    expect(message).toContain('stores.tape.type: must be one of ldap, external');
    expect(message).toContain('stores.dir.startTls: must be true with an ldap:// url');
    expect(message).not.toContain('hunter2-secret');
  });

  it('keeps $${ as a literal ${', () => {
    const [store] = parseStores(
      { stores: { x: { type: 'external', url: 'https://x.example.com/h', secret: `$\${NOT_A_VAR}-and-enough-characters-to-pass` } } },
      {},
    );
    expect(store!.settings).toMatchObject({ secret: '${NOT_A_VAR}-and-enough-characters-to-pass' });
  });

  it('refuses a file that is not a stores mapping', () => {
    expect(problemsOf(['a'])).toMatch(/must hold a mapping "stores:"/);
    expect(problemsOf({ stores: [] })).toMatch(/must hold a mapping "stores:"/);
  });

  it('loadConfig: STORES_FILE needs JOB_SECRET_KEY (32 bytes), and a missing file is named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'resetdesk-stores-test-'));
    const path = join(dir, 'stores.yaml');
    writeFileSync(path, `stores:\n  mainframe:\n    type: external\n    url: https://rpa.example.com/h\n    secret: \${S}\n`);
    const fail = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (err) {
        return (err as Error).message;
      }
      throw new Error('expected loadConfig to fail');
    };
    expect(fail({ STORES_FILE: path, S: SECRET })).toMatch(/JOB_SECRET_KEY: is required with STORES_FILE/);
    expect(fail({ STORES_FILE: path, S: SECRET, JOB_SECRET_KEY: 'short' })).toMatch(/JOB_SECRET_KEY: must be 32 bytes/);
    expect(fail({ STORES_FILE: path, S: SECRET, JOB_SECRET_KEY: 'short' })).not.toContain('short"');
    const key = Buffer.alloc(32, 9);
    const config = loadConfig({ STORES_FILE: path, S: SECRET, JOB_SECRET_KEY: key.toString('hex') });
    expect(config.jobSecretKey?.equals(key)).toBe(true);
    expect(config.stores.map((s) => s.name)).toEqual(['mainframe']);
    expect(loadConfig({ STORES_FILE: path, S: SECRET, JOB_SECRET_KEY: key.toString('base64') }).jobSecretKey?.equals(key)).toBe(true);
    expect(fail({ STORES_FILE: join(dir, 'nope.yaml'), JOB_SECRET_KEY: key.toString('hex') })).toMatch(
      /STORES_FILE: cannot read .*nope\.yaml: ENOENT/,
    );
  });
});
