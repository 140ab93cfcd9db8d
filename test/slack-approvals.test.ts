import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/databases.js';
import { type FakeSlack, signSlackRequest, startFakeSlack } from './helpers/fake-slack.js';
import { NO_COOLDOWN, startTestContext, type TestContext } from './helpers/test-context.js';
import { USERS } from './helpers/test-org.js';

const SIGNING_SECRET = 'slack-signing-secret-for-tests-0123';
const APPROVERS = 'C0APPROVERS';
const FORM = 'application/x-www-form-urlencoded';

/** A button press on the approvers' message, as Slack posts it to the interactivity endpoint. */
const press = (actionId: string, requestId: string, user: string) =>
  new URLSearchParams({
    payload: JSON.stringify({
      type: 'block_actions',
      user: { id: user, username: user.toLowerCase(), team_id: 'T0FAKE' },
      api_app_id: 'A0APP',
      token: 'legacy',
      container: { type: 'message', message_ts: '1700000000.000100', channel_id: APPROVERS, is_ephemeral: false },
      trigger_id: `7.8.trigger-${actionId}`,
      team: { id: 'T0FAKE', domain: 'fake' },
      channel: { id: APPROVERS, name: 'it-approvals' },
      message: { type: 'message', ts: '1700000000.000100', text: 'Password reset' },
      response_url: 'https://hooks.slack.com/actions/T0FAKE/2/def',
      actions: [{ type: 'button', action_id: actionId, block_id: `decision_${requestId}`, value: requestId, action_ts: '1700000005.1' }],
    }),
  }).toString();

/** The comment modal submitted, with `privateMetadata` as the modal was opened with. */
const submit = (privateMetadata: string, comment: string | null, user: string) =>
  new URLSearchParams({
    payload: JSON.stringify({
      type: 'view_submission',
      team: { id: 'T0FAKE', domain: 'fake' },
      user: { id: user, username: user.toLowerCase(), team_id: 'T0FAKE' },
      api_app_id: 'A0APP',
      token: 'legacy',
      trigger_id: '9.9.trigger',
      view: {
        id: 'V0MODAL',
        type: 'modal',
        callback_id: 'decision_comment',
        private_metadata: privateMetadata,
        state: { values: { comment: { comment: { type: 'plain_text_input', value: comment } } } },
      },
      response_urls: [],
    }),
  }).toString();

/**
 * Approvals in Slack end to end: escalations posted to the approvers' channel, the buttons and
 * the comment modal deciding with the web app's rules, and the message updated after any decision.
 */
describe.each(DIALECTS)('Slack approvals on %s', (dialect) => {
  let t: TestContext;
  let slack: FakeSlack;
  let alice: string;
  let irene: string;

  const post = (body: string) =>
    t.raw('POST', '/slack/events', { rawBody: body, headers: { 'content-type': FORM, ...signSlackRequest(body, SIGNING_SECRET) } });
  const callsOf = (method: string) => slack.calls().filter((c) => c.method === method);
  const approvalPosts = () => callsOf('chat.postMessage').filter((c) => c.args.channel === APPROVERS);
  const ephemerals = (user: string) => callsOf('chat.postEphemeral').filter((c) => c.args.user === user);
  const resets = () => t.sandbox.calls().filter((c) => c.path.endsWith('/lifecycle/reset_password'));
  const actionIds = (blocks: unknown) =>
    (blocks as { type: string; elements?: { action_id?: string }[] }[])
      .filter((b) => b.type === 'actions')
      .flatMap((b) => (b.elements ?? []).map((e) => e.action_id));
  const recorded = (requestId: string) =>
    t.app.ctx.db.selectFrom('slack_approval_messages').selectAll().where('request_id', '=', requestId).orderBy('created_at').execute();

  beforeAll(async () => {
    slack = await startFakeSlack();
    slack.users.set('U0IRENE', 'irene@example.com');
    slack.users.set('U0BOB', 'bob@example.com');
    t = await startTestContext(dialect, {
      policy: NO_COOLDOWN,
      env: {
        SLACK_BOT_TOKEN: slack.botToken,
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_APPROVERS_CHANNEL: APPROVERS,
        SLACK_API_URL: slack.apiUrl,
        DUPLICATE_REQUESTS: 'allow',
      },
    });
    alice = await t.token('alice@example.com');
    irene = await t.token('irene@example.com', 'approver');
  });
  afterAll(async () => {
    await t?.close();
    await slack?.close();
  });
  beforeEach(async () => {
    await t.idle();
    slack.clearCalls();
    t.sandbox.clearCalls();
  });

  async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
    const deadline = Date.now() + 15_000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; Slack calls: ${JSON.stringify(slack.calls())}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** A Salesforce request (SAML: an approver of crm-owners decides) filed through the API, escalated and posted. */
  async function escalated(justification = 'locked out before the quarterly close'): Promise<string> {
    const created = await t.create(alice, { app: 'Salesforce', justification });
    expect(created.status).toBe(201);
    const id = created.data!.request_id;
    await t.idle();
    expect((await t.request(id, alice)).status).toBe('Escalated');
    return id;
  }

  /** The one update of the approvers' message of `id` after slack.clearCalls(). */
  async function updated(id: string) {
    await t.idle();
    const [message] = await recorded(id).then((rows) => rows.slice(-1));
    const updates = callsOf('chat.update').filter((c) => c.args.ts === message?.ts);
    expect(updates).toHaveLength(1);
    expect(updates[0]!.args.channel).toBe(APPROVERS);
    expect(actionIds(updates[0]!.args.blocks)).toEqual([]);
    return JSON.stringify(updates[0]!.args.blocks);
  }

  it('posts an escalation once with three buttons; a non-approver is refused; an approver approves and the message says so', async () => {
    const id = await escalated('Locked out <!channel>\nneed it for the close');
    // One message in the approvers' channel: who, what, why, the requester's words quoted, a link, three buttons.
    expect(approvalPosts()).toHaveLength(1);
    const [message] = approvalPosts();
    expect(message!.token).toBe(slack.botToken);
    expect(actionIds(message!.args.blocks)).toEqual(['approve_request', 'deny_request', 'ask_info']);
    const blocks = JSON.stringify(message!.args.blocks);
    expect(blocks).toContain('alice@example.com');
    expect(blocks).toContain('Salesforce');
    expect(blocks).toContain("In the requester's own words");
    expect(blocks).toContain('>Locked out &lt;!channel&gt;');
    expect(blocks).toContain(`/requests/${id}|open in resetdesk`);
    expect(await recorded(id)).toHaveLength(1);

    // bob is not in crm-owners: refused, told alone, nothing changes.
    expect((await post(press('approve_request', id, 'U0BOB'))).status).toBe(200);
    await until(() => ephemerals('U0BOB').length > 0, "bob's refusal");
    expect(ephemerals('U0BOB')[0]!.args).toMatchObject({ channel: APPROVERS, text: expect.stringContaining('crm-owners') });
    await t.idle();
    expect(await t.request(id, alice)).toMatchObject({ status: 'Escalated', manualDecision: null });
    expect(callsOf('chat.update')).toHaveLength(0);

    // irene approves: the Okta reset runs once, the request completes, the buttons give way.
    expect((await post(press('approve_request', id, 'U0IRENE'))).status).toBe(200);
    const done = await t.waitForStatus(id, alice, ['Closed']);
    expect(done).toMatchObject({ resolution: 'Completed', manualDecision: 'Approved', decidedBy: 'irene@example.com' });
    expect(resets()).toHaveLength(1);
    expect(resets()[0]!.path).toBe(`/api/v1/users/${USERS.alice}/lifecycle/reset_password`);
    expect(await updated(id)).toContain('*Approved* by irene@example.com');
    expect(ephemerals('U0IRENE')).toHaveLength(0);
    // Still one message for the episode, however many jobs ran.
    expect(approvalPosts()).toHaveLength(1);
    expect(await recorded(id)).toHaveLength(1);

    // Pressing again: already decided, told, nothing changes.
    slack.clearCalls();
    await post(press('approve_request', id, 'U0IRENE'));
    await until(() => ephemerals('U0IRENE').length > 0, 'the second approval refused');
    expect(String(ephemerals('U0IRENE')[0]!.args.text)).toMatch(/already been decided/);
    await t.idle();
    expect(resets()).toHaveLength(1);
  });

  it('Deny opens the comment modal; submitting it rejects the request and updates the message', async () => {
    const id = await escalated();
    await post(press('deny_request', id, 'U0IRENE'));
    await until(() => callsOf('views.open').length > 0, 'the modal');
    const [open] = callsOf('views.open');
    expect(open!.args.trigger_id).toBe('7.8.trigger-deny_request');
    const view = open!.args.view as { callback_id: string; private_metadata: string };
    expect(view.callback_id).toBe('decision_comment');
    expect(JSON.parse(view.private_metadata)).toEqual({ kind: 'deny', requestId: id });

    // bob submitting the same modal (a forwarded or stale one) is refused in the modal.
    const refused = await post(submit(view.private_metadata, 'no', 'U0BOB'));
    expect(refused.body).toMatchObject({ response_action: 'errors', errors: { comment: expect.stringContaining('crm-owners') } });
    expect((await t.request(id, alice)).status).toBe('Escalated');

    const accepted = await post(submit(view.private_metadata, 'Not during the change freeze', 'U0IRENE'));
    expect([accepted.status, accepted.body]).toEqual([200, null]);
    const r = await t.waitForStatus(id, alice, ['Closed']);
    expect(r).toMatchObject({ resolution: 'Rejected', manualDecision: 'Denied', decidedBy: 'irene@example.com' });
    expect(await updated(id)).toContain('*Denied* by irene@example.com');
    expect(t.mailTo('alice@example.com').some((m) => m.text.includes('Not during the change freeze'))).toBe(true);
    expect(resets()).toHaveLength(0);
  });

  it('Ask for info needs a question; with one the request waits for the requester, and her answer posts a new message', async () => {
    const id = await escalated();
    await post(press('ask_info', id, 'U0IRENE'));
    await until(() => callsOf('views.open').length > 0, 'the modal');
    const metadata = (callsOf('views.open')[0]!.args.view as { private_metadata: string }).private_metadata;
    expect(JSON.parse(metadata)).toEqual({ kind: 'ask_info', requestId: id });

    const empty = await post(submit(metadata, '   ', 'U0IRENE'));
    expect(empty.body).toMatchObject({ response_action: 'errors', errors: { comment: expect.stringMatching(/question/) } });
    const missing = await post(submit(metadata, null, 'U0IRENE'));
    expect(missing.body).toMatchObject({ response_action: 'errors' });
    expect((await t.request(id, alice)).status).toBe('Escalated');

    const asked = await post(submit(metadata, 'Which device are you locked out on?', 'U0IRENE'));
    expect([asked.status, asked.body]).toEqual([200, null]);
    const waiting = await t.waitForStatus(id, alice, ['Waiting']);
    expect(waiting.question).toMatchObject({ text: 'Which device are you locked out on?', reason: 'returned' });
    expect(await updated(id)).toContain('*Returned for information* by irene@example.com');

    // alice answers: escalated again, a new episode, a new message with buttons.
    slack.clearCalls();
    const reply = await t.client(alice).POST('/api/v1/requests/{id}/reply', { params: { path: { id } }, body: { message: 'My laptop' } });
    expect(reply.response.status).toBe(200);
    await t.idle();
    expect((await t.request(id, alice)).status).toBe('Escalated');
    expect(approvalPosts()).toHaveLength(1);
    expect(actionIds(approvalPosts()[0]!.args.blocks)).toEqual(['approve_request', 'deny_request', 'ask_info']);
    expect(await recorded(id)).toHaveLength(2);
    expect(callsOf('chat.update')).toHaveLength(0);
  });

  it('a decision in the web app or the API, or a cancellation, updates the Slack message too', async () => {
    const decided = await escalated();
    expect((await t.decide(decided, irene, 'deny', { comment: 'no' })).status).toBe(200);
    expect(await updated(decided)).toContain('*Denied* by irene@example.com');

    slack.clearCalls();
    const cancelled = await escalated();
    const cancel = await t.client(alice).POST('/api/v1/requests/{id}/cancel', { params: { path: { id: cancelled } }, body: {} });
    expect(cancel.response.status).toBe(200);
    expect(await updated(cancelled)).toContain('*Cancelled* by alice@example.com');
    // Its buttons now answer that nothing waits for a decision.
    slack.clearCalls();
    await post(press('approve_request', cancelled, 'U0IRENE'));
    await until(() => ephemerals('U0IRENE').length > 0, 'the refusal');
    expect((await t.request(cancelled, alice)).status).not.toBe('Escalated');
  });

  it('the requester pressing Approve on her own request is refused (SELF_DECISION)', async () => {
    const id = await escalated();
    await post(press('approve_request', id, 'U0ALICE'));
    await until(() => ephemerals('U0ALICE').length > 0, "alice's refusal");
    expect(String(ephemerals('U0ALICE')[0]!.args.text)).toMatch(/Nobody may decide their own request/);
    await t.idle();
    expect(await t.request(id, alice)).toMatchObject({ status: 'Escalated', manualDecision: null });
    expect(callsOf('chat.update')).toHaveLength(0);
    // Left for the next test run clean: decided by an approver.
    expect((await t.decide(id, irene, 'deny')).status).toBe(200);
  });
});
