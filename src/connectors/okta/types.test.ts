import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DEFAULT_OKTA_SCOPES, oktaConfigSchema } from './types.js';

const rsaPem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const ecPem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

describe('oktaConfigSchema', () => {
  it('applies defaults, strips trailing slashes and accepts loopback http', () => {
    const cfg = oktaConfigSchema.parse({ orgUrl: 'http://127.0.0.1:8080//', auth: { kind: 'ssws', token: 't0ken' } });
    expect(cfg).toEqual({
      orgUrl: 'http://127.0.0.1:8080',
      auth: { kind: 'ssws', token: 't0ken' },
      timeoutMs: 10_000,
      maxRetries: 4,
      appCacheTtlMs: 300_000,
      groupCacheTtlMs: 60_000,
    });
    expect(oktaConfigSchema.parse(cfg)).toEqual(cfg); // parsing twice changes nothing
  });

  it('defaults private_key_jwt scopes to real Okta scope names', () => {
    const cfg = oktaConfigSchema.parse({
      orgUrl: 'https://acme.okta.com',
      auth: { kind: 'private_key_jwt', clientId: '0oa1', privateKeyPem: rsaPem },
    });
    expect(cfg.auth.kind === 'private_key_jwt' && cfg.auth.scopes).toEqual([...DEFAULT_OKTA_SCOPES]);
  });

  it('rejects bad URLs, unreadable or non-RSA keys, without echoing secrets', () => {
    const secret = 'not-a-pem-but-secret-material';
    const bad = [
      { orgUrl: 'ftp://acme.okta.com', auth: { kind: 'ssws', token: 'x' } },
      { orgUrl: 'https://acme.okta.com?x=1', auth: { kind: 'ssws', token: 'x' } },
      { orgUrl: 'https://acme.okta.com', auth: { kind: 'ssws', token: '' } },
      { orgUrl: 'https://acme.okta.com', auth: { kind: 'private_key_jwt', clientId: 'c', privateKeyPem: secret } },
      { orgUrl: 'https://acme.okta.com', auth: { kind: 'private_key_jwt', clientId: 'c', privateKeyPem: ecPem } },
    ];
    for (const input of bad) {
      const result = oktaConfigSchema.safeParse(input);
      expect(result.success).toBe(false);
      expect(JSON.stringify(result.error?.issues)).not.toContain(secret);
    }
  });
});
