import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

const rsaPem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

const fail = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected loadConfig to fail');
};

describe('loadConfig', () => {
  it('runs on embedded defaults with an empty environment', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 3000,
      databaseUrl: 'sqlite:./data/resetdesk.db',
      okta: { kind: 'sandbox', fixturePath: undefined },
      smtpUrl: undefined,
      logLevel: 'info',
    });
  });

  it('refuses a non-loopback HOST without SMTP_URL: the dev mailbox never faces a network', () => {
    expect(fail({ HOST: '0.0.0.0' })).toMatch(/SMTP_URL: is required when HOST \(0\.0\.0\.0\) is not a loopback address/);
    expect(loadConfig({ HOST: '0.0.0.0', SMTP_URL: 'smtp://mail:25' }).host).toBe('0.0.0.0');
    for (const host of ['127.0.0.1', 'localhost', '::1', '127.0.0.2']) expect(loadConfig({ HOST: host }).host).toBe(host);
  });

  it('reads the abuse limits, where 0 switches one off, and names a bad one', () => {
    expect(loadConfig({}).limits).toEqual({
      perIpPerMinute: 3000,
      perTokenPerMinute: 600,
      perIntakeTokenPerMinute: 6000,
      requestsPerPersonPerHour: 30,
      openRequestsPerPerson: 10,
      reuseOpenDuplicates: true,
    });
    expect(loadConfig({ OPEN_REQUESTS_PER_PERSON: '0' }).limits.openRequestsPerPerson).toBe(0);
    expect(fail({ RATE_LIMIT_PER_TOKEN: '-1' })).toMatch(/RATE_LIMIT_PER_TOKEN/);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1']);
    expect(fail({ TRUST_PROXY: 'yes please' })).toMatch(/TRUST_PROXY/);
  });

  it('reads an SSWS Okta org and SMTP', () => {
    const c = loadConfig({ OKTA_ORG_URL: 'http://127.0.0.1:9999/', OKTA_API_TOKEN: 'abc', SMTP_URL: 'smtp://u:p@mail:587', PORT: '8080' });
    expect(c.okta).toEqual({ kind: 'org', orgUrl: 'http://127.0.0.1:9999', auth: { kind: 'ssws', token: 'abc' } });
    expect(c.smtpUrl).toBe('smtp://u:p@mail:587');
    expect(c.port).toBe(8080);
  });

  it('reads an OAuth service app, with a PEM whose newlines are escaped', () => {
    const escaped = rsaPem.replace(/\n/g, '\\n');
    const c = loadConfig({
      OKTA_ORG_URL: 'https://x.okta.com',
      OKTA_CLIENT_ID: '0oa1',
      OKTA_PRIVATE_KEY: escaped,
      OKTA_KEY_ID: 'k1',
      OKTA_SCOPES: 'okta.users.read, okta.apps.read',
    });
    expect(c.okta).toEqual({
      kind: 'org',
      orgUrl: 'https://x.okta.com',
      auth: {
        kind: 'private_key_jwt',
        clientId: '0oa1',
        privateKeyPem: rsaPem,
        keyId: 'k1',
        scopes: ['okta.users.read', 'okta.apps.read'],
      },
    });
  });

  it("checks Okta settings with the Okta connector's schema, naming the variable", () => {
    const org = { OKTA_ORG_URL: 'https://x.okta.com', OKTA_CLIENT_ID: '0oa1' };
    const badKey = fail({ ...org, OKTA_PRIVATE_KEY: 'secret-not-a-pem' });
    expect(badKey).toMatch(/^ {2}OKTA_PRIVATE_KEY: is not a readable PEM private key$/m);
    expect(badKey).not.toContain('secret-not-a-pem');
    const file = join(mkdtempSync(join(tmpdir(), 'rd-config-')), 'key.pem');
    writeFileSync(file, 'not a key');
    expect(fail({ ...org, OKTA_PRIVATE_KEY_FILE: file })).toMatch(/^ {2}OKTA_PRIVATE_KEY_FILE: is not a readable PEM private key/m);
    const withCredentials = fail({ OKTA_ORG_URL: 'https://admin:hunter2@x.okta.com', OKTA_API_TOKEN: 't' });
    expect(withCredentials).toMatch(/^ {2}OKTA_ORG_URL: must not contain credentials/m);
    expect(withCredentials).not.toContain('hunter2');
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ OKTA_ORG_URL: 'ftp://x' }, 'OKTA_ORG_URL'],
    [{ OKTA_ORG_URL: 'https://x.okta.com' }, 'OKTA_API_TOKEN'],
    [{ OKTA_ORG_URL: 'https://x.okta.com', OKTA_API_TOKEN: 't', OKTA_CLIENT_ID: 'c' }, 'OKTA_API_TOKEN'],
    [{ OKTA_ORG_URL: 'https://x.okta.com', OKTA_CLIENT_ID: 'c' }, 'OKTA_PRIVATE_KEY'],
    [{ OKTA_API_TOKEN: 't' }, 'OKTA_API_TOKEN'],
    [{ SMTP_URL: 'mail.example.com' }, 'SMTP_URL'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
  ])('names the variable in error %#', (env, name) => {
    expect(fail(env as Record<string, string>)).toMatch(new RegExp(`^  ${name}: `, 'm'));
  });

  it('reads web sign-in: none configured means the demo provider (with the sandbox) and the default role groups', () => {
    expect(loadConfig({}).signIn).toEqual({
      oidc: undefined,
      approverGroups: ['IT Approvers'],
      adminGroups: ['IT Admins'],
      sessionTtlHours: 12,
    });
    const c = loadConfig({
      OIDC_ISSUER: 'https://example.okta.com',
      OIDC_CLIENT_ID: '0oaclient',
      OIDC_CLIENT_SECRET: 's3cret',
      OIDC_SCOPES: 'openid, email profile',
      OIDC_APPROVER_GROUPS: 'Helpdesk, IT Approvers ',
      OIDC_ADMIN_GROUPS: 'Okta Admins',
      SESSION_TTL_HOURS: '8',
    });
    expect(c.signIn).toEqual({
      oidc: {
        issuer: 'https://example.okta.com',
        clientId: '0oaclient',
        clientSecret: 's3cret',
        scopes: ['openid', 'email', 'profile'],
        groupsClaim: 'groups',
        timeoutMs: 10_000,
      },
      approverGroups: ['Helpdesk', 'IT Approvers'],
      adminGroups: ['Okta Admins'],
      sessionTtlHours: 8,
    });
    expect(loadConfig({ OIDC_ISSUER: 'https://idp.example.com', OIDC_CLIENT_ID: 'c' }).signIn.oidc?.scopes).toEqual([
      'openid',
      'email',
      'profile',
      'groups',
    ]);
  });

  it.each([
    [{ OIDC_ISSUER: 'http://idp.example.com', OIDC_CLIENT_ID: 'c' }, 'OIDC_ISSUER', /https:\/\/ URL \(http:\/\/ only on a loopback host/],
    [{ OIDC_ISSUER: 'https://idp.example.com' }, 'OIDC_CLIENT_ID', /also set OIDC_CLIENT_ID/],
    [{ OIDC_CLIENT_ID: 'c' }, 'OIDC_CLIENT_ID', /is set but OIDC_ISSUER is not/],
    [{ OIDC_ISSUER: 'https://idp.example.com', OIDC_CLIENT_ID: 'c', OIDC_SCOPES: 'email profile' }, 'OIDC_SCOPES', /must include openid/],
    [
      { OIDC_ISSUER: 'https://idp.example.com', OIDC_CLIENT_ID: 'c', HOST: '0.0.0.0', SMTP_URL: 'smtp://m:25' },
      'PUBLIC_URL',
      /redirect URI/,
    ],
    [{ SESSION_TTL_HOURS: '0' }, 'SESSION_TTL_HOURS', /./],
  ])('checks sign-in settings, naming the variable %#', (env, name, message) => {
    const text = fail(env as Record<string, string>);
    expect(text).toMatch(new RegExp(`^  ${name}: `, 'm'));
    expect(text).toMatch(message);
  });

  it('allows a plain-http issuer on loopback only (the demo provider, tests), and keeps the client secret out of messages', () => {
    expect(loadConfig({ OIDC_ISSUER: 'http://127.0.0.1:4000/oidc', OIDC_CLIENT_ID: 'c' }).signIn.oidc?.issuer).toBe(
      'http://127.0.0.1:4000/oidc',
    );
    expect(fail({ OIDC_CLIENT_SECRET: 'hunter2-secret' })).not.toContain('hunter2');
  });

  it('never echoes secrets back', () => {
    const message = fail({ SMTP_URL: 'mail-with-secret-p4ss' });
    expect(message).not.toContain('p4ss');
    expect(fail({ PORT: 'eighty' })).toContain('"eighty"');
  });

  it('reads ServiceNow with Basic or OAuth credentials, naming each missing or stray variable and never a secret', () => {
    expect(loadConfig({}).serviceNow).toBeUndefined();
    const url = 'https://example.service-now.com/';
    expect(loadConfig({ SERVICENOW_INSTANCE_URL: url, SERVICENOW_USERNAME: 'svc', SERVICENOW_PASSWORD: 'pw' }).serviceNow).toEqual({
      instanceUrl: 'https://example.service-now.com',
      auth: { kind: 'basic', username: 'svc', password: 'pw' },
      timeoutMs: 10_000,
    });
    expect(
      loadConfig({
        SERVICENOW_INSTANCE_URL: url,
        SERVICENOW_CLIENT_ID: 'cid',
        SERVICENOW_CLIENT_SECRET: 'cs',
        SERVICENOW_TIMEOUT_MS: '2000',
      }).serviceNow,
    ).toMatchObject({ auth: { kind: 'oauth', clientId: 'cid', clientSecret: 'cs' }, timeoutMs: 2000 });
    expect(fail({ SERVICENOW_INSTANCE_URL: url, SERVICENOW_USERNAME: 'svc' })).toMatch(
      /SERVICENOW_PASSWORD: is required with SERVICENOW_USERNAME/,
    );
    expect(fail({ SERVICENOW_INSTANCE_URL: url })).toMatch(/SERVICENOW_USERNAME: SERVICENOW_INSTANCE_URL is set: also set/);
    expect(fail({ SERVICENOW_CLIENT_SECRET: 'top-s3cret' })).toMatch(/SERVICENOW_CLIENT_SECRET: is set but SERVICENOW_INSTANCE_URL is not/);
    expect(fail({ SERVICENOW_CLIENT_SECRET: 'top-s3cret' })).not.toContain('top-s3cret');
    expect(
      fail({
        SERVICENOW_INSTANCE_URL: url,
        SERVICENOW_USERNAME: 'u',
        SERVICENOW_PASSWORD: 'p',
        SERVICENOW_CLIENT_ID: 'c',
        SERVICENOW_CLIENT_SECRET: 'x',
      }),
    ).toContain('not both');
    expect(fail({ SERVICENOW_INSTANCE_URL: 'http://example.service-now.com', SERVICENOW_USERNAME: 'u', SERVICENOW_PASSWORD: 'p' })).toMatch(
      /SERVICENOW_INSTANCE_URL: must be an https:\/\/ URL/,
    );
    expect(
      loadConfig({ SERVICENOW_INSTANCE_URL: 'http://127.0.0.1:9999', SERVICENOW_USERNAME: 'u', SERVICENOW_PASSWORD: 'p' }).serviceNow
        ?.instanceUrl,
    ).toBe('http://127.0.0.1:9999');
  });

  it('layers the environment over a config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rd-config-'));
    const file = join(dir, 'resetdesk.yaml');
    writeFileSync(file, 'PORT: 4000\nLOG_LEVEL: debug\n');
    expect(loadConfig({ RESETDESK_CONFIG_FILE: file })).toMatchObject({ port: 4000, logLevel: 'debug' });
    expect(loadConfig({ RESETDESK_CONFIG_FILE: file, PORT: '5000' }).port).toBe(5000);
    writeFileSync(file, '- not a mapping\n');
    expect(fail({ RESETDESK_CONFIG_FILE: file })).toContain('RESETDESK_CONFIG_FILE');
    expect(fail({ RESETDESK_CONFIG_FILE: join(dir, 'missing.yaml') })).toContain('cannot read');
  });

  it('Slack and the LLM agent take all their variables or none, and never echo a secret', () => {
    const slack = fail({ SLACK_BOT_TOKEN: 'xoxb-1-secret-value' });
    expect(slack).toMatch(/SLACK_SIGNING_SECRET: is required with SLACK_BOT_TOKEN/);
    expect(slack).toMatch(/SLACK_APPROVERS_CHANNEL: is required with SLACK_BOT_TOKEN/);
    expect(slack).not.toContain('secret-value');
    expect(fail({ SLACK_API_URL: 'https://slack.com/api/' })).toMatch(/SLACK_API_URL: is set but SLACK_BOT_TOKEN is not/);
    const llm = fail({ LLM_BASE_URL: 'https://api.example.com/v1', LLM_API_KEY: 'sk-very-secret' });
    expect(llm).toMatch(/LLM_MODEL: is required with LLM_BASE_URL, LLM_API_KEY/);
    expect(llm).not.toContain('sk-very-secret');
    expect(fail({ LLM_BASE_URL: 'http://api.example.com/v1', LLM_API_KEY: 'k', LLM_MODEL: 'm' })).toMatch(
      /LLM_BASE_URL: must be an https:\/\/ URL/,
    );
    const c = loadConfig({ LLM_BASE_URL: 'https://api.example.com/v1/', LLM_API_KEY: 'k', LLM_MODEL: 'm' });
    expect(c.llm).toMatchObject({ baseUrl: 'https://api.example.com/v1', model: 'm', timeoutMs: 15000 });
    expect(loadConfig({}).llm).toBeUndefined();
  });

  it('Microsoft Teams takes its three variables or none; the TEAMS_* ones only with them; the password is never echoed', () => {
    const teams = {
      MICROSOFT_APP_ID: '00000000-1111-2222-3333-444444444444',
      MICROSOFT_APP_PASSWORD: 'teams-secret-value',
      MICROSOFT_APP_TENANT_ID: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
    };
    expect(loadConfig(teams).teams).toMatchObject({
      appId: teams.MICROSOFT_APP_ID,
      tenantId: teams.MICROSOFT_APP_TENANT_ID,
      serviceUrl: 'https://smba.trafficmanager.net/teams/',
      openIdMetadataUrl: 'https://login.botframework.com/v1/.well-known/openidconfiguration',
    });
    expect(loadConfig(teams).teams?.approversConversation).toBeUndefined();
    const withApprovers = loadConfig({ ...teams, TEAMS_APPROVERS_CONVERSATION: '19:abc@thread.tacv2' }).teams;
    expect(withApprovers?.approversConversation).toBe('19:abc@thread.tacv2');
    expect(loadConfig({}).teams).toBeUndefined();
    const partial = fail({ MICROSOFT_APP_ID: teams.MICROSOFT_APP_ID, MICROSOFT_APP_PASSWORD: 'teams-secret-value' });
    expect(partial).toMatch(/MICROSOFT_APP_TENANT_ID: is required with MICROSOFT_APP_ID, MICROSOFT_APP_PASSWORD/);
    expect(partial).not.toContain('teams-secret-value');
    const approversAlone = fail({ TEAMS_APPROVERS_CONVERSATION: '19:abc@thread.tacv2' });
    expect(approversAlone).toMatch(/TEAMS_APPROVERS_CONVERSATION: is set but MICROSOFT_APP_ID is not/);
    const serviceAlone = fail({ TEAMS_SERVICE_URL: 'https://smba.trafficmanager.net/emea/' });
    expect(serviceAlone).toMatch(/TEAMS_SERVICE_URL: is set but MICROSOFT_APP_ID is not/);
    const bad = fail({ ...teams, MICROSOFT_APP_ID: 'resetdesk-bot', TEAMS_LOGIN_URL: 'http://login.example.com/token' });
    expect(bad).toMatch(/MICROSOFT_APP_ID: must be .*GUID/);
    expect(bad).toMatch(/TEAMS_LOGIN_URL: must be an https:\/\//);
    expect(bad).not.toContain('teams-secret-value');
  });

  it('Slack Socket Mode: SLACK_APP_TOKEN replaces the signing secret, must be an xapp- token, and is never echoed', () => {
    const socket = { SLACK_BOT_TOKEN: 'xoxb-1-bot', SLACK_APPROVERS_CHANNEL: 'C0123ABCD', SLACK_APP_TOKEN: 'xapp-1-A0APP-1-abc' };
    expect(loadConfig(socket).slack).toMatchObject({ appToken: 'xapp-1-A0APP-1-abc', signingSecret: undefined });
    // Over HTTP, no app token.
    const http = loadConfig({
      SLACK_BOT_TOKEN: 'xoxb-1-bot',
      SLACK_APPROVERS_CHANNEL: 'C0123ABCD',
      SLACK_SIGNING_SECRET: 's'.repeat(32),
    }).slack;
    expect(http).toMatchObject({ signingSecret: 's'.repeat(32) });
    expect(http?.appToken).toBeUndefined();
    const wrong = fail({ ...socket, SLACK_APP_TOKEN: 'xoxb-1-not-an-app-token-secret' });
    expect(wrong).toMatch(/SLACK_APP_TOKEN: must be an app-level token starting with xapp-/);
    expect(wrong).not.toContain('not-an-app-token-secret');
    const alone = fail({ SLACK_APP_TOKEN: 'xapp-1-A0APP-1-lonely-secret' });
    expect(alone).toMatch(/SLACK_BOT_TOKEN: is required with SLACK_APP_TOKEN/);
    expect(alone).toMatch(/SLACK_APPROVERS_CHANNEL: is required with SLACK_APP_TOKEN/);
    expect(alone).not.toMatch(/SLACK_SIGNING_SECRET/);
    expect(alone).not.toContain('lonely-secret');
    // Without an app token the signing secret is still required.
    expect(fail({ SLACK_BOT_TOKEN: 'xoxb-1-bot', SLACK_APPROVERS_CHANNEL: 'C0123ABCD' })).toMatch(/SLACK_SIGNING_SECRET: is required/);
  });
});
