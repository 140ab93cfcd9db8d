import { describe, expect, it } from 'vitest';
import { oktaConnector } from './okta/index.js';
import { smtpConnector } from './smtp/index.js';

const SECRET = 'hunter2-secret-material';

/** Calls `fn`, expecting it to throw; returns what it threw. */
function thrown(fn: () => unknown): { code?: string; message: string } {
  try {
    fn();
  } catch (err) {
    return err as { code?: string; message: string };
  }
  throw new Error('expected a throw');
}

describe('the connector kit', () => {
  it('validateConfig applies defaults and names each bad field, never its value', () => {
    expect(oktaConnector.validateConfig({ orgUrl: 'https://acme.okta.com/', auth: { kind: 'ssws', token: SECRET } })).toMatchObject({
      orgUrl: 'https://acme.okta.com',
      timeoutMs: 10_000,
    });
    const okta = thrown(() =>
      oktaConnector.validateConfig({
        orgUrl: 'ftp://acme.okta.com',
        auth: { kind: 'private_key_jwt', clientId: ' ', privateKeyPem: SECRET },
      }),
    );
    expect(okta.code).toBe('CONFIG_INVALID');
    expect(okta.message).toMatch(/^Okta connector configuration: /);
    for (const field of ['okta.orgUrl', 'okta.auth.clientId', 'okta.auth.privateKeyPem']) expect(okta.message).toContain(`${field}: `);
    expect(okta.message).not.toContain(SECRET);

    const smtp = thrown(() => smtpConnector.validateConfig({ url: `mail://user:${SECRET}@host`, from: 'x' }));
    expect(smtp.code).toBe('CONFIG_INVALID');
    expect(smtp.message).toContain('smtp.url: ');
    expect(smtp.message).toContain('smtp.from: ');
    expect(smtp.message).not.toContain(SECRET);
    expect(thrown(() => smtpConnector.validateConfig(undefined)).code).toBe('CONFIG_INVALID');
  });

  it('create validates first, so a bad config never reaches the outside system', () => {
    expect(thrown(() => oktaConnector.create({ orgUrl: 'nope', auth: { kind: 'ssws', token: 'x' } })).message).toMatch(/okta\.orgUrl/);
    expect(thrown(() => smtpConnector.create({ url: 'mail.example.com', from: 'it@example.com' })).message).toMatch(/smtp\.url/);
  });

  it('metadata ids are distinct and prefix the field names', () => {
    expect([oktaConnector.metadata.id, smtpConnector.metadata.id]).toEqual(['okta', 'smtp']);
  });
});
