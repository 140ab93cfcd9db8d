import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_APPS_CSV, startResetdesk } from '../src/app.js';
import { loadConfig } from '../src/config/config.js';
import { DEMO_FIXTURE_PATH, DEMO_OAUTH_KEY_PATH, loadFixtureFile } from '../src/okta-sandbox/index.js';
import { parseAppsCsv } from '../src/services/app-csv.js';
import { startTestContext, type TestContext } from './helpers/test-context.js';

let t: TestContext | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const tempFile = (name: string, text: string) => {
  const file = join(mkdtempSync(join(tmpdir(), 'rd-conf-')), name);
  writeFileSync(file, text);
  return file;
};

describe('configuration end to end', () => {
  it('a POLICY_FILE changes decisions: third parties escalate, MFA not required', async () => {
    const policy = tempFile('policy.yaml', 'version: "test-7"\nthirdParty: escalate\nmfa:\n  required: false\n');
    t = await startTestContext('sqlite', { env: { POLICY_FILE: policy } });
    const alice = await t.token('alice@example.com');
    const frank = await t.token('frank@example.com');
    const third = await t.create(alice, { app: 'Expensify', justification: 'x', targetUser: 'bob@example.com' });
    const noMfa = await t.create(frank, { app: 'Expensify', justification: 'x' });
    await t.idle();
    const a = await t.request(third.data!.request_id, alice);
    expect(a).toMatchObject({ status: 'Escalated', ruleId: 'third_party', priority: 'High', policyVersion: 'test-7' });
    const f = await t.request(noMfa.data!.request_id, frank);
    expect(f).toMatchObject({ status: 'Closed', resolution: 'Completed', ruleId: 'swa_self_service', policyVersion: 'test-7' });
    // Still no Okta call for the third-party request's triage: only frank's six. Its escalation
    // then resolves the approver group to notify its members: one group search, one member list.
    const groupCalls = t.sandbox.calls().filter((c) => c.path.startsWith('/api/v1/groups'));
    expect(groupCalls.map((c) => c.path)).toEqual(['/api/v1/groups', expect.stringMatching(/^\/api\/v1\/groups\/00g\w+\/users$/)]);
    expect(t.sandbox.calls().filter((c) => !c.path.startsWith('/api/v1/groups'))).toHaveLength(6);
  });

  it('with a real Okta org but no SMTP_URL, mail goes to the dev mailbox and only admins may read it', async () => {
    t = await startTestContext('sqlite', { env: { SMTP_URL: '' } });
    expect(t.app.devMailbox).toBeDefined();
    const alice = await t.token('alice@example.com');
    const admin = await t.token('root@example.com', 'admin');
    await t.create(alice, { app: 'Expensify', justification: 'x' });
    await t.idle();
    // The dev mailbox is no API route: the generated types do not know it.
    expect((await t.raw('GET', '/dev/mailbox')).status).toBe(401);
    expect((await t.raw('GET', '/dev/mailbox', { token: alice })).status).toBe(403);
    const res = await t.raw('GET', '/dev/mailbox', { token: admin });
    expect(res.status).toBe(200);
    const { messages } = res.body as { messages: { subject: string }[] };
    expect(messages.map((m) => m.subject)).toEqual(['Expensify password reset']);
  });

  it('a bad POLICY_FILE stops start-up with the line of the problem', async () => {
    const policy = tempFile('policy.yaml', 'version: "x"\nmfa:\n  required: perhaps\n');
    const config = loadConfig({ DATABASE_URL: 'sqlite::memory:', POLICY_FILE: policy, LOG_LEVEL: 'silent', PORT: '0' });
    await expect(startResetdesk(config)).rejects.toThrow(/line 3: mfa\.required/);
  });

  it('talks to Okta as an OAuth 2.0 service app (private_key_jwt), fetching one token', async () => {
    t = await startTestContext('sqlite', {
      fixture: loadFixtureFile(DEMO_FIXTURE_PATH),
      catalog: parseAppsCsv(readFileSync(DEMO_APPS_CSV, 'utf8')),
      env: {
        OKTA_API_TOKEN: '',
        OKTA_CLIENT_ID: '0oairbHiuHL2D59VBtqD',
        OKTA_PRIVATE_KEY_FILE: DEMO_OAUTH_KEY_PATH,
        OKTA_KEY_ID: 'resetdesk-demo-2025',
      },
    });
    expect(t.app.ctx.config.okta).toMatchObject({ kind: 'org', auth: { kind: 'private_key_jwt' } });
    const alice = await t.token('alice.nguyen@example.com');
    // carol.smith is the demo's "IT Approvers" (the catalog's approver group): she decides alice's SSO request.
    const approver = await t.token('carol.smith@example.com', 'approver');
    const swa = (await t.create(alice, { app: 'Expensify', justification: 'x' })).data!.request_id;
    const sso = (await t.create(alice, { app: 'Salesforce', justification: 'x' })).data!.request_id;
    await t.idle();
    expect((await t.request(swa, alice)).resolution).toBe('Completed');
    expect((await t.request(sso, alice)).status).toBe('Escalated');
    expect((await t.decide(sso, approver, 'approve')).status).toBe(200);
    await t.idle();
    expect((await t.request(sso, alice)).resolution).toBe('Completed');
    const calls = t.sandbox.calls();
    expect(calls.filter((c) => c.path === '/oauth2/v1/token').map((c) => c.status)).toEqual([200]);
    expect(calls.filter((c) => c.path.endsWith('/lifecycle/reset_password')).map((c) => c.status)).toEqual([200]);
    expect(calls.every((c) => c.status < 400)).toBe(true);
  });
});
