import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/databases.js';
import { type FakeSlack, signSlackRequest, startFakeSlack } from './helpers/fake-slack.js';
import { errorOf, NO_COOLDOWN, startTestContext, type TestContext } from './helpers/test-context.js';
import { USERS } from './helpers/test-org.js';

const SIGNING_SECRET = 'slack-signing-secret-for-tests-0123';
const DM = 'D0ALICEDM';

const event = (e: Record<string, unknown>, id: string) =>
  JSON.stringify({
    token: 'legacy',
    team_id: 'T0FAKE',
    api_app_id: 'A0APP',
    type: 'event_callback',
    event_id: id,
    event_time: 1700000001,
    event: e,
  });
const dm = (text: string, ts: string, user = 'U0ALICE') =>
  event({ type: 'message', channel_type: 'im', channel: DM, user, text, ts, event_ts: ts }, `Ev${ts}`);
const click = (value: string, user = 'U0ALICE') =>
  new URLSearchParams({
    payload: JSON.stringify({
      type: 'block_actions',
      user: { id: user, username: 'alice', team_id: 'T0FAKE' },
      api_app_id: 'A0APP',
      token: 'legacy',
      container: { type: 'message', message_ts: '1700000000.000200', channel_id: DM, is_ephemeral: false },
      trigger_id: '3.4.trigger',
      team: { id: 'T0FAKE', domain: 'fake' },
      channel: { id: DM, name: 'directmessage' },
      message: { type: 'message', ts: '1700000000.000200', text: 'Which app?' },
      response_url: 'https://hooks.slack.com/actions/T0FAKE/1/abc',
      actions: [{ type: 'button', action_id: 'choose_app', block_id: 'app_0', value, action_ts: '1700000003.1' }],
    }),
  }).toString();

/**
 * The Slack channel end to end: Slack's signed requests to POST /slack/events, resetdesk's answers
 * through a fake Slack Web API, and the request decided like any other.
 */
describe.each(DIALECTS)('Slack on %s', (dialect) => {
  let t: TestContext;
  let slack: FakeSlack;
  let alice: string;

  const post = (body: string, contentType: string, headers: Record<string, string> = signSlackRequest(body, SIGNING_SECRET)) =>
    t.raw('POST', '/slack/events', { rawBody: body, headers: { 'content-type': contentType, ...headers } });
  const posted = () => slack.calls().filter((c) => c.method === 'chat.postMessage');
  const textsTo = (channel: string) =>
    posted()
      .filter((c) => c.args.channel === channel)
      .map((c) => String(c.args.text));

  beforeAll(async () => {
    slack = await startFakeSlack();
    slack.users.set('U0NOMAIL', undefined);
    t = await startTestContext(dialect, {
      policy: NO_COOLDOWN,
      env: {
        SLACK_BOT_TOKEN: slack.botToken,
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_APPROVERS_CHANNEL: 'C0APPROVERS',
        SLACK_API_URL: slack.apiUrl,
        DUPLICATE_REQUESTS: 'allow',
      },
    });
    alice = await t.token('alice@example.com');
  });
  afterAll(async () => {
    await t?.close();
    await slack?.close();
  });
  beforeEach(async () => {
    await t.idle();
    slack.clearCalls();
  });

  async function until(check: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 15_000;
    while (!check()) {
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}; posted: ${JSON.stringify(posted().map((c) => c.args.text))}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  it('refuses unsigned and stale requests with 401, and answers url_verification', async () => {
    const body = dm('reset expensify please, locked out before the trip', '1700000000.000001');
    expect((await post(body, 'application/json', {})).status).toBe(401);
    const stale = await post(body, 'application/json', signSlackRequest(body, SIGNING_SECRET, Math.floor(Date.now() / 1000) - 301));
    expect(stale.status).toBe(401);
    const forged = await post(body, 'application/json', signSlackRequest(body, 'another-secret-of-enough-length'));
    expect([forged.status, errorOf(forged)?.code]).toEqual([401, 'SLACK_SIGNATURE_INVALID']);
    const challenge = JSON.stringify({ token: 'legacy', challenge: 'c-123', type: 'url_verification' });
    const verified = await post(challenge, 'application/json');
    expect([verified.status, verified.body]).toEqual([200, { challenge: 'c-123' }]);
    await t.idle();
    expect(posted()).toEqual([]);
  });

  it('a DM in plain words, an app chosen with a button: filed, verified, decided, and every step in the DM', async () => {
    const answer = await post(
      dm("hi, I'm locked out of expensfy and need it for the expense report today", '1700000000.000100'),
      'application/json',
    );
    expect(answer.status).toBe(200);
    // Not sure which app: a question with the near match as a button.
    await until(() => posted().length >= 1, 'the question');
    const [question] = posted();
    expect(question!.token).toBe(slack.botToken);
    expect(question!.args.channel).toBe(DM);
    expect(JSON.stringify(question!.args.blocks)).toContain('"value":"Expensify"');

    expect((await post(click('Expensify'), 'application/x-www-form-urlencoded')).status).toBe(200);
    // Filed; chat requests prove who it is with Okta Verify first.
    await until(() => textsTo(DM).some((x) => /confirm it's you/.test(x)), 'the verification step');
    const [request] = (await t.client(await t.token('irene@example.com', 'approver')).GET('/api/v1/requests', {})).data!.requests.filter(
      (r) => r.channel === 'slack',
    );
    expect(request).toMatchObject({ requester: 'alice@example.com', app: 'Expensify', status: 'Verifying' });
    expect(request!.justification).toContain('expense report today');
    const push = t.sandbox.pendingPushes().find((p) => p.userId === USERS.alice);
    expect(push).toBeDefined();
    t.sandbox.answerPush(push!.transactionId, 'approve');
    const done = await t.waitForStatus(request!.request_id, alice, ['Closed']);
    expect(done.resolution).toBe('Completed');
    await until(() => textsTo(DM).some((x) => /password reset is done/.test(x)), 'the completion');

    // The whole conversation is on the request.
    const conversation = await t.client(alice).GET('/api/v1/requests/{id}/conversation', { params: { path: { id: request!.request_id } } });
    const messages = conversation.data!.messages;
    expect(messages[0]).toMatchObject({ direction: 'in', text: expect.stringContaining('expensfy') });
    expect(messages.some((m) => m.direction === 'in' && m.text === 'Expensify')).toBe(true);
    expect(messages.at(-1)).toMatchObject({ direction: 'out', text: expect.stringContaining('password reset is done') });
    // Decided like the same request through the API: the SWA self-service rule, its reset link by email.
    expect(done.ruleId).toBe('swa_self_service');
    expect(t.mailTo('alice@example.com').some((m) => m.subject === 'Expensify password reset')).toBe(true);
  });

  it('a request typed in Slack is decided like the same request through the API', async () => {
    slack.users.set('U0BOB', 'bob@example.com');
    const admin = await t.token('root@example.com', 'admin');
    const seen = new Set<string>();
    const cases = [
      { user: 'U0ALICE', email: 'alice@example.com', userId: USERS.alice, app: 'Expensify' },
      { user: 'U0ALICE', email: 'alice@example.com', userId: USERS.alice, app: 'Salesforce' },
      { user: 'U0ALICE', email: 'alice@example.com', userId: USERS.alice, app: 'Intranet' },
      { user: 'U0ALICE', email: 'alice@example.com', userId: USERS.alice, app: 'Ghost' },
      { user: 'U0BOB', email: 'bob@example.com', userId: USERS.bob, app: 'Expensify' },
    ];
    for (const [i, c] of cases.entries()) {
      const token = await t.token(c.email);
      // Through the API.
      const api = await t.create(token, { app: c.app, justification: 'locked out since Monday, need it today' });
      const viaApi = await t.waitForStatus(api.data!.request_id, token, ['Escalated', 'Closed', 'PendingExternal']);
      // The same words in a Slack DM of that person.
      const channel = `D0PARITY${i}`;
      const body = event(
        {
          type: 'message',
          channel_type: 'im',
          channel,
          user: c.user,
          text: `${c.app}: locked out since Monday, need it today`,
          ts: `1700000100.00${i}`,
        },
        `EvParity${i}`,
      );
      expect((await post(body, 'application/json')).status).toBe(200);
      let filed: string | undefined;
      const deadline = Date.now() + 15_000;
      while (!filed && Date.now() < deadline) {
        const list = await t.client(admin).GET('/api/v1/requests', {});
        filed = list.data?.requests.find(
          (r) => r.channel === 'slack' && r.app === c.app && r.requester === c.email && !seen.has(r.request_id),
        )?.request_id;
        if (!filed) await new Promise((r) => setTimeout(r, 50));
      }
      expect(filed, `${c.email} ${c.app}`).toBeDefined();
      seen.add(filed!);
      // Chat proves possession first (the policy's chat verification), unless the answer is no anyway.
      await t.idle();
      if ((await t.request(filed!, token)).status === 'Verifying') {
        // This request's push: the newest for the person.
        const push = t.sandbox
          .pendingPushes()
          .filter((p) => p.userId === c.userId)
          .at(-1);
        t.sandbox.answerPush(push!.transactionId, 'approve');
      }
      const viaSlack = await t.waitForStatus(filed!, token, ['Escalated', 'Closed', 'PendingExternal']);
      expect([viaSlack.ruleId, viaSlack.decision, viaSlack.resolution], `${c.email} ${c.app}`).toEqual([
        viaApi.ruleId,
        viaApi.decision,
        viaApi.resolution,
      ]);
    }
  }, 120_000);

  it('a Slack user without a visible email is told why, and nothing is filed', async () => {
    const before = (await t.client(await t.token('root@example.com', 'admin')).GET('/api/v1/requests', {})).data!.requests.length;
    await post(dm('reset expensify, I forgot the password over the weekend', '1700000000.000300', 'U0NOMAIL'), 'application/json');
    await until(() => posted().length >= 1, 'the answer');
    expect(String(posted()[0]!.args.text)).toMatch(/can't see the email address/);
    await t.idle();
    const after = (await t.client(await t.token('root@example.com', 'admin')).GET('/api/v1/requests', {})).data!.requests.length;
    expect(after).toBe(before);
  });

  it("the App Home tab lists the person's own requests", async () => {
    await post(
      event({ type: 'app_home_opened', user: 'U0ALICE', channel: 'D0HOME', tab: 'home', event_ts: '1700000000.000400' }, 'EvHome'),
      'application/json',
    );
    await until(() => slack.calls().some((c) => c.method === 'views.publish'), 'the Home tab');
    const publish = slack.calls().find((c) => c.method === 'views.publish')!;
    expect(publish.args.user_id).toBe('U0ALICE');
    const view = JSON.stringify(publish.args.view);
    expect(view).toContain('Expensify');
    expect(view).toContain('Completed');
  });

  it('/reset answers at once and continues in the DM', async () => {
    const body = new URLSearchParams({
      token: 'legacy',
      team_id: 'T0FAKE',
      channel_id: 'C0GENERAL',
      user_id: 'U0ALICE',
      user_name: 'alice',
      command: '/reset',
      text: '',
      api_app_id: 'A0APP',
      response_url: 'https://hooks.slack.com/commands/T0FAKE/1/abc',
      trigger_id: '1.2.trigger',
    }).toString();
    const ack = await post(body, 'application/x-www-form-urlencoded');
    expect(ack.status).toBe(200);
    expect(JSON.stringify(ack.body)).toContain('direct messages');
    await until(() => posted().length >= 1, 'the DM');
    expect(slack.calls().some((c) => c.method === 'conversations.open' && c.args.users === 'U0ALICE')).toBe(true);
    expect(String(posted()[0]!.args.text)).toMatch(/Which app/);
  });
});
