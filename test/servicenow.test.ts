import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listJobs } from '../src/db/repositories/job.repository.js';
import { DIALECTS } from './helpers/databases.js';
import { type FakeServiceNow, startFakeServiceNow } from './helpers/fake-servicenow.js';
import { NO_COOLDOWN, startTestContext, type TestContext } from './helpers/test-context.js';

const KINDS = ['servicenow-incident', 'servicenow-note', 'servicenow-resolve'];

const basicEnv = (sn: FakeServiceNow): Record<string, string> => ({
  SERVICENOW_INSTANCE_URL: sn.url,
  SERVICENOW_USERNAME: sn.username,
  SERVICENOW_PASSWORD: sn.password,
  SERVICENOW_TIMEOUT_MS: '500',
});

/** Files a request as `token`'s holder and waits until triage escalated it. */
async function escalate(t: TestContext, token: string, app = 'Salesforce'): Promise<string> {
  const created = await t.create(token, { app, justification: 'locked out after holiday' });
  expect(created.status, JSON.stringify(created.error)).toBe(201);
  const id = created.data!.request_id;
  await t.idle();
  expect((await t.waitForStatus(id, token, ['Escalated'])).status).toBe('Escalated');
  return id;
}

describe.each(DIALECTS)('ServiceNow incidents on %s', (dialect) => {
  let t: TestContext;
  let sn: FakeServiceNow;
  let alice: string;
  let dave: string;
  let approver: string;

  beforeAll(async () => {
    sn = await startFakeServiceNow();
    t = await startTestContext(dialect, { env: basicEnv(sn), policy: NO_COOLDOWN });
    alice = await t.token('alice@example.com');
    dave = await t.token('dave@example.com');
    approver = await t.token('irene@example.com', 'approver');
  });
  afterAll(async () => {
    await t?.close();
    await sn?.close();
  });
  beforeEach(async () => {
    await t.idle();
    sn.clearCalls();
  });

  const incidentOf = (id: string) => sn.incidents().filter((i) => i.correlation_id === id);

  it('an escalation opens one incident; approval notes it, completion resolves it', async () => {
    const id = await escalate(t, alice);
    const [incident, ...more] = incidentOf(id);
    expect(more).toHaveLength(0);
    const view = await t.request(id, alice);
    expect(incident).toMatchObject({
      caller_id: 'alice@example.com',
      assignment_group: 'crm-owners',
      correlation_id: id,
      correlation_display: 'resetdesk',
      state: '1',
    });
    const urgency = { High: '1', Medium: '2', Low: '3' }[view.priority];
    expect(incident?.urgency).toBe(urgency);
    expect(incident?.impact).toBe(urgency);
    expect(incident?.short_description).toContain('Salesforce');
    expect(incident?.description).toContain(view.rationale ?? '-');
    expect(incident?.description).toContain('Facts:');
    expect(incident?.description).toContain(`Decision: Escalated (${view.ruleId}`);
    // The lookup before the create, with the Table API's parameters.
    const [lookup, create] = sn.calls();
    expect(lookup).toMatchObject({
      method: 'GET',
      path: '/api/now/table/incident',
      query: { sysparm_query: `correlation_id=${id}`, sysparm_limit: '1', sysparm_fields: 'sys_id,number' },
      authorization: 'basic',
    });
    expect(create).toMatchObject({ method: 'POST', query: { sysparm_input_display_value: 'true' } });
    // The number and link on the request.
    expect(view.incident).toEqual({
      number: incident?.number,
      url: `${sn.url}/nav_to.do?uri=${encodeURIComponent(`incident.do?sys_id=${incident?.sys_id}`)}`,
    });
    expect(incident?.number).toMatch(/^INC\d{7}$/);
    expect(incident?.sys_id).toMatch(/^[0-9a-f]{32}$/);

    const decided = await t.decide(id, approver, 'approve', { comment: 'verified by phone' });
    expect(decided.status).toBe(200);
    await t.idle();
    expect((await t.request(id, alice)).status).toBe('Closed');
    const after = incidentOf(id)[0];
    expect(after?.work_notes.some((n) => n.includes('Approved by irene@example.com') && n.includes('verified by phone'))).toBe(true);
    expect(after).toMatchObject({ state: '6', close_code: 'Solved (Permanently)' });
    expect(after?.close_notes).toContain('Completed');
    expect(sn.incidents().filter((i) => i.correlation_id === id)).toHaveLength(1);

    // The resolve call's Tool Call is written once its answer is in, just after ServiceNow shows
    // the change: wait for the fourth call's event rather than read the log in between.
    const snowCalls = async () =>
      (await t.events(id, approver)).filter((e) => e.eventType === 'Tool Call' && String(e.details.tool).startsWith('servicenow.'));
    await expect.poll(async () => (await snowCalls()).length).toBeGreaterThanOrEqual(4);
    const tools = await snowCalls();
    expect(tools.map((e) => [e.details.tool, e.details.ok])).toEqual([
      ['servicenow.findIncident', true],
      ['servicenow.createIncident', true],
      ['servicenow.addWorkNote', true],
      ['servicenow.resolveIncident', true],
    ]);
    expect(typeof tools[0]?.details.durationMs).toBe('number');
    expect(JSON.stringify(tools)).not.toContain(sn.password);
  });

  it('a denial notes the incident and resolves it as not solved; a privileged user is urgency 1', async () => {
    const id = await escalate(t, dave, 'Salesforce');
    expect(incidentOf(id)[0]).toMatchObject({ urgency: '1', impact: '1', caller_id: 'dave@example.com' });
    expect((await t.decide(id, approver, 'deny', { comment: 'not you' })).status).toBe(200);
    await t.idle();
    const incident = incidentOf(id)[0];
    expect(incident?.work_notes.some((n) => n.startsWith('Denied by irene@example.com'))).toBe(true);
    expect(incident).toMatchObject({ state: '6', close_code: 'Not Solved (Not Reproducible)' });
    expect(incident?.close_notes).toContain('Rejected');
  });

  it('a create that timed out after ServiceNow stored it is retried without a second incident', async () => {
    sn.hangNextCreate();
    const id = await escalate(t, alice);
    expect(incidentOf(id)).toHaveLength(1);
    const posts = sn.calls().filter((c) => c.method === 'POST');
    expect(posts).toHaveLength(1);
    const view = await t.request(id, alice);
    expect(view.incident?.number).toBe(incidentOf(id)[0]?.number);
    const tools = (await t.events(id, approver)).filter(
      (e) => e.eventType === 'Tool Call' && String(e.details.tool).startsWith('servicenow.'),
    );
    const failed = tools.find((e) => e.details.tool === 'servicenow.createIncident');
    expect(failed?.details).toMatchObject({ ok: false, error: { code: 'SERVICENOW_UNAVAILABLE' } });
    expect(tools.filter((e) => e.details.tool === 'servicenow.findIncident').map((e) => e.details.result)).toEqual([
      null,
      { number: view.incident?.number, sysId: incidentOf(id)[0]?.sys_id },
    ]);
    await t.decide(id, approver, 'deny');
    await t.idle();
  });

  it('5xx answers are retried until ServiceNow answers', async () => {
    sn.failNext(2, 503);
    const id = await escalate(t, alice);
    expect(incidentOf(id)).toHaveLength(1);
    const statuses = sn.calls().map((c) => c.method);
    expect(statuses).toEqual(['GET', 'GET', 'GET', 'POST']);
    const errors = (await t.events(id, approver))
      .filter((e) => e.eventType === 'Tool Call' && e.details.ok === false)
      .map((e) => (e.details.error as { code: string }).code);
    expect(errors).toEqual(['SERVICENOW_UNAVAILABLE', 'SERVICENOW_UNAVAILABLE']);
    await t.decide(id, approver, 'deny');
    await t.idle();
  });

  it('401: the job fails visibly and the request is decided normally', async () => {
    sn.rejectCredentials(true);
    try {
      const id = await escalate(t, alice);
      expect(incidentOf(id)).toHaveLength(0);
      const tool = (await t.events(id, approver)).find((e) => e.eventType === 'Tool Call' && e.details.tool === 'servicenow.findIncident');
      expect(tool?.details).toMatchObject({ ok: false, error: { code: 'SERVICENOW_AUTH_FAILED' } });
      expect(JSON.stringify(tool?.details.error)).not.toContain(sn.password);
      const failed = (await listJobs(t.app.ctx.db, { status: 'failed', kind: 'servicenow-incident' })).filter((j) =>
        j.payload_json.includes(id),
      );
      expect(failed).toHaveLength(1);
      expect(failed[0]?.attempts).toBe(1); // not retried
      expect((await t.request(id, alice)).incident).toBeNull();

      expect((await t.decide(id, approver, 'approve')).status).toBe(200);
      await t.idle();
      expect(await t.request(id, alice)).toMatchObject({ status: 'Closed', resolution: 'Completed' });
      // No incident: the note has nothing to update, and resolving is not even enqueued.
      expect(sn.calls().filter((c) => c.method === 'PATCH')).toHaveLength(0);
    } finally {
      sn.rejectCredentials(false);
    }
  });
});

describe.each(DIALECTS)('ServiceNow on %s: not configured, or OAuth', (dialect) => {
  it('without SERVICENOW_* nothing is enqueued and no incident shows', async () => {
    const sn = await startFakeServiceNow();
    const t = await startTestContext(dialect, { policy: NO_COOLDOWN });
    try {
      const alice = await t.token('alice@example.com');
      const approver = await t.token('irene@example.com', 'approver');
      const id = await escalate(t, alice);
      await t.decide(id, approver, 'approve');
      await t.idle();
      expect((await t.request(id, alice)).incident).toBeNull();
      for (const kind of KINDS) expect(await listJobs(t.app.ctx.db, { kind })).toHaveLength(0);
      expect(sn.calls()).toHaveLength(0);
      const admin = await t.token('root@example.com', 'admin');
      const status = await t.client(admin).GET('/api/v1/admin/connectors');
      expect(status.data?.serviceNow).toEqual({ configured: false, instanceUrl: null });
    } finally {
      await t.close();
      await sn.close();
    }
  });

  it('OAuth client credentials: one token serves every call', async () => {
    const sn = await startFakeServiceNow();
    const t = await startTestContext(dialect, {
      policy: NO_COOLDOWN,
      env: { SERVICENOW_INSTANCE_URL: sn.url, SERVICENOW_CLIENT_ID: sn.clientId, SERVICENOW_CLIENT_SECRET: sn.clientSecret },
    });
    try {
      const alice = await t.token('alice@example.com');
      const approver = await t.token('irene@example.com', 'approver');
      const first = await escalate(t, alice);
      await t.decide(first, approver, 'deny');
      await t.idle();
      const second = await escalate(t, alice, 'AWS Console');
      expect(sn.incidents().map((i) => i.correlation_id)).toEqual([first, second]);
      expect(sn.incidents()[0]).toMatchObject({ state: '6' });
      expect(sn.tokensIssued()).toBe(1);
      const admin = await t.token('root@example.com', 'admin');
      const status = await t.client(admin).GET('/api/v1/admin/connectors');
      expect(status.data?.serviceNow).toEqual({ configured: true, instanceUrl: sn.url });
      const table = sn.calls().filter((c) => c.path.startsWith('/api/now/table/'));
      expect(table.length).toBeGreaterThan(3);
      expect(table.every((c) => c.authorization === 'bearer')).toBe(true);
      expect((await t.request(second, alice)).incident?.number).toBe(sn.incidents()[1]?.number);
      await t.decide(second, approver, 'deny');
      await t.idle();
    } finally {
      await t.close();
      await sn.close();
    }
  });
});
