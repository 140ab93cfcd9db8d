import { describe, expect, it } from 'vitest';
import { isAppError } from '../../errors/error-codes.js';
import { teamsConnector } from './index.js';

const valid = {
  appId: '00000000-1111-2222-3333-444444444444',
  appPassword: 'a-client-secret',
  tenantId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
};

describe('Teams connector configuration', () => {
  it('defaults to Microsoft’s public endpoints', () => {
    const config = teamsConnector.validateConfig(valid);
    expect(config).toMatchObject({
      openIdMetadataUrl: 'https://login.botframework.com/v1/.well-known/openidconfiguration',
      serviceUrl: 'https://smba.trafficmanager.net/teams/',
      requestTimeoutMs: 10_000,
    });
    expect(config.loginUrl).toBeUndefined();
  });

  it('names each bad field and never the secret', () => {
    try {
      teamsConnector.validateConfig({
        appId: 'resetdesk-bot',
        appPassword: 'super-secret-value',
        tenantId: 'contoso.onmicrosoft.com',
        serviceUrl: 'http://smba.example.com/',
      });
      expect.unreachable();
    } catch (err) {
      expect(isAppError(err) && err.code).toBe('CONFIG_INVALID');
      const message = (err as Error).message;
      expect(message).toMatch(/teams\.appId: .*GUID/);
      expect(message).toMatch(/teams\.tenantId: .*GUID/);
      expect(message).toMatch(/teams\.serviceUrl: must be an https:\/\//);
      expect(message).not.toContain('super-secret-value');
    }
  });

  it('takes plain http only on loopback (a fake Microsoft in tests)', () => {
    expect(teamsConnector.validateConfig({ ...valid, serviceUrl: 'http://127.0.0.1:9/teams' }).serviceUrl).toBe(
      'http://127.0.0.1:9/teams/',
    );
    expect(() => teamsConnector.validateConfig({ ...valid, loginUrl: 'https://user:pw@login.example.com/token' })).toThrow(/loginUrl/);
  });
});
