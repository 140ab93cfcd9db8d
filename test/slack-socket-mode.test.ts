import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSlackConnector, type SlackConnector } from '../src/connectors/slack/index.js';
import { DIALECTS } from './helpers/databases.js';
import { type FakeSlack, startFakeSlack } from './helpers/fake-slack.js';
import { type FakeSlackSocket, startFakeSlackSocket } from './helpers/fake-slack-socket.js';
import { errorOf, NO_COOLDOWN, startTestContext, type TestContext } from './helpers/test-context.js';
import { USERS } from './helpers/test-org.js';

const DM = 'D0ALICEDM';

/** An Events API callback as Socket Mode carries it: the same JSON as over HTTP, in `payload`. */
const event = (e: Record<string, unknown>, id: string) => ({
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
const click = (value: string, user = 'U0ALICE') => ({
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
});
const slashReset = {
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
};

/** GET /api/v1/admin/connectors' `slack` part (raw: the typed client predates it). */
async function slackStatus(t: TestContext): Promise<Record<string, unknown>> {
  const admin = await t.token('root@example.com', 'admin');
  const res = await t.raw('GET', '/api/v1/admin/connectors', { token: admin });
  expect(res.status).toBe(200);
  return (res.body as { slack: Record<string, unknown> }).slack;
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Slack in Socket Mode end to end: resetdesk opens the WebSocket itself (apps.connections.open on
 * the fake Web API, then the fake Socket Mode server), Slack's requests arrive as envelopes and
 * are acked, and the answers go out through the Web API as over HTTP (test/slack.test.ts).
 */
describe.each(DIALECTS)('Slack Socket Mode on %s', (dialect) => {
  let t: TestContext;
  let slack: FakeSlack;
  let socket: FakeSlackSocket;
  let alice: string;
  let firstOpen: FakeSlack['calls'] extends () => (infer C)[] ? C[] : never;

  const posted = () => slack.calls().filter((c) => c.method === 'chat.postMessage');
  const textsTo = (channel: string) =>
    posted()
      .filter((c) => c.args.channel === channel)
      .map((c) => String(c.args.text));
  const opens = () => slack.calls().filter((c) => c.method === 'apps.connections.open');

  beforeAll(async () => {
    slack = await startFakeSlack();
    socket = await startFakeSlackSocket();
    slack.useSocketUrl(socket.url);
    t = await startTestContext(dialect, {
      policy: NO_COOLDOWN,
      env: {
        SLACK_BOT_TOKEN: slack.botToken,
        SLACK_APP_TOKEN: slack.appToken,
        SLACK_APPROVERS_CHANNEL: 'C0APPROVERS',
        SLACK_API_URL: slack.apiUrl,
        DUPLICATE_REQUESTS: 'allow',
      },
    });
    alice = await t.token('alice@example.com');
    await socket.waitForConnections(1);
    firstOpen = opens();
  });
  afterAll(async () => {
    await t?.close();
    await socket?.close();
    await slack?.close();
  });
  beforeEach(async () => {
    await t.idle();
    slack.clearCalls();
  });

  it('connects with the app token, not the bot token, and the connector status says so', async () => {
    expect(socket.connections()).toBe(1);
    expect(firstOpen.map((c) => c.token)).toEqual([slack.appToken]);
    await until(async () => (await slackStatus(t)).connected === true, 'connected on the status');
    expect(await slackStatus(t)).toEqual({
      configured: true,
      mode: 'socket',
      connected: true,
      error: null,
      summary: 'Socket Mode, connected',
    });
  });

  it('POST /slack/events is 404 and says Socket Mode is on', async () => {
    const body = JSON.stringify(dm('reset expensify', '1700000000.000001'));
    const res = await t.raw('POST', '/slack/events', { rawBody: body, headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(404);
    expect(errorOf(res)?.code).toBe('NOT_FOUND');
    expect(errorOf(res)?.message).toMatch(/Socket Mode/);
    await t.idle();
    expect(posted()).toEqual([]);
  });

  it('a DM and a button press over the socket: acked, filed, verified, decided, every step in the DM', async () => {
    const first = socket.send(
      'events_api',
      dm("hi, I'm locked out of expensfy and need it for the expense report today", '1700000000.000100'),
    );
    // An event is acked with no payload (Slack wants none).
    expect((await socket.ackOf(first)).payload ?? {}).toEqual({});
    await until(() => posted().length >= 1, 'the question');
    const [question] = posted();
    expect(question!.token).toBe(slack.botToken);
    expect(question!.args.channel).toBe(DM);
    expect(JSON.stringify(question!.args.blocks)).toContain('"value":"Expensify"');

    const press = socket.send('interactive', click('Expensify'));
    expect(await socket.ackOf(press)).toMatchObject({ envelope_id: press });
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
    expect([done.resolution, done.ruleId]).toEqual(['Completed', 'swa_self_service']);
    await until(() => textsTo(DM).some((x) => /password reset is done/.test(x)), 'the completion');
    expect(socket.unexpected()).toEqual([]);
  });

  it('/reset is acked with its answer as the payload and continues in the DM', async () => {
    const id = socket.send('slash_commands', slashReset);
    const ack = await socket.ackOf(id);
    expect(JSON.stringify(ack.payload)).toContain('direct messages');
    await until(() => posted().length >= 1, 'the DM');
    expect(slack.calls().some((c) => c.method === 'conversations.open' && c.args.users === 'U0ALICE')).toBe(true);
    expect(String(posted()[0]!.args.text)).toMatch(/Which app/);
  });

  it('an envelope no listener takes is still acked (Slack would resend it), and App Home is published', async () => {
    const stray = socket.send('interactive', {
      type: 'view_submission',
      user: { id: 'U0ALICE' },
      team: { id: 'T0FAKE' },
      api_app_id: 'A0APP',
      view: { id: 'V0X', callback_id: 'nobody_listens', private_metadata: '', state: { values: {} } },
    });
    expect((await socket.ackOf(stray)).payload ?? {}).toEqual({});
    socket.send(
      'events_api',
      event({ type: 'app_home_opened', user: 'U0ALICE', channel: 'D0HOME', tab: 'home', event_ts: '1700000000.000400' }, 'EvHome'),
    );
    await until(() => slack.calls().some((c) => c.method === 'views.publish'), 'the Home tab');
    expect(slack.calls().find((c) => c.method === 'views.publish')!.args.user_id).toBe('U0ALICE');
  });

  it("after Slack's disconnect it opens a new connection and keeps working", async () => {
    const before = socket.connections();
    socket.disconnect('refresh_requested');
    await socket.waitForConnections(before + 1);
    await until(() => socket.open() === 1, 'the old connection to close');
    expect(opens()).toHaveLength(1);
    expect(opens()[0]!.token).toBe(slack.appToken);
    await until(async () => (await slackStatus(t)).connected === true, 'connected again');
    // The same conversation over the new connection.
    const id = socket.send('slash_commands', slashReset);
    expect(JSON.stringify((await socket.ackOf(id)).payload)).toContain('direct messages');
    await until(() => posted().length >= 1, 'the DM after reconnecting');
    expect(String(posted()[0]!.args.text)).toMatch(/Which app/);
  }, 30_000);

  it('after the socket drops without warning it reconnects too', async () => {
    const before = socket.connections();
    await socket.dropAll();
    await socket.waitForConnections(before + 1);
    const id = socket.send('events_api', dm('reset salesforce please', '1700000000.000500'));
    await socket.ackOf(id);
    await until(() => posted().length >= 1, 'an answer after the drop');
  }, 30_000);

  it('closes the connection when the server stops, and does not come back', async () => {
    expect(socket.open()).toBe(1);
    const before = socket.connections();
    await t.stopApp();
    await until(() => socket.open() === 0, 'the connection to close');
    await new Promise((r) => setTimeout(r, 500));
    expect(socket.connections()).toBe(before);
  });
});

describe.each(DIALECTS)('Slack Socket Mode with a wrong app token on %s', (dialect) => {
  let t: TestContext;
  let slack: FakeSlack;
  let socket: FakeSlackSocket;

  beforeAll(async () => {
    slack = await startFakeSlack();
    socket = await startFakeSlackSocket();
    slack.useSocketUrl(socket.url);
    t = await startTestContext(dialect, {
      env: {
        SLACK_BOT_TOKEN: slack.botToken,
        SLACK_APP_TOKEN: 'xapp-1-A0APP-999-revokedtoken',
        SLACK_APPROVERS_CHANNEL: 'C0APPROVERS',
        SLACK_API_URL: slack.apiUrl,
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await socket?.close();
    await slack?.close();
  });

  it('is reported on the connector status, never connects, and the server keeps answering', async () => {
    await until(() => slack.calls().some((c) => c.method === 'apps.connections.open'), 'apps.connections.open');
    await until(async () => (await slackStatus(t)).error !== null, 'the error on the status');
    const status = await slackStatus(t);
    expect(status).toMatchObject({ configured: true, mode: 'socket', connected: false, summary: 'Socket Mode, disconnected' });
    expect(String(status.error)).toMatch(/apps\.connections\.open failed: invalid_auth/);
    expect(String(status.error)).not.toContain('revokedtoken');
    expect(socket.connections()).toBe(0);
    expect((await t.raw('GET', '/healthz')).status).toBe(200);
  });
});

/** The connector alone (no database): what the end-to-end runs above cannot easily provoke. */
describe('the Slack connector in Socket Mode', () => {
  let slack: FakeSlack;
  let socket: FakeSlackSocket;
  const connectors: SlackConnector[] = [];

  beforeAll(async () => {
    slack = await startFakeSlack();
    socket = await startFakeSlackSocket();
    slack.useSocketUrl(socket.url);
  });
  afterAll(async () => {
    for (const c of connectors) await c.stop();
    await socket?.close();
    await slack?.close();
  });

  const connector = (requestTimeoutMs = 2_000) => {
    const c = createSlackConnector({
      botToken: slack.botToken,
      appToken: slack.appToken,
      approversChannel: '#approvers',
      apiUrl: slack.apiUrl,
      requestTimeoutMs,
    });
    connectors.push(c);
    return c;
  };

  it('Slack failing at start (HTTP 500) is retried until it answers; the status shows the failure meanwhile', async () => {
    slack.failNext(500);
    const c = connector();
    expect(c.mode).toBe('socket');
    const before = socket.connections();
    c.start();
    await until(() => c.socketStatus()?.error !== null, 'the failure on the status');
    expect(c.socketStatus()).toEqual({ connected: false, error: expect.stringMatching(/apps\.connections\.open: answered HTTP 500/) });
    await socket.waitForConnections(before + 1);
    await until(() => c.socketStatus()?.connected === true, 'connected');
    expect(c.socketStatus()?.error).toBeNull();
    await c.stop();
    await until(() => socket.open() === 0, 'closed');
    expect(c.socketStatus()?.connected).toBe(false);
  });

  it("a modal's validation errors go back as the ack's payload", async () => {
    const c = connector();
    c.onViewSubmission('decision_comment', async (submission) =>
      submission.values.comment ? undefined : { errors: { comment: 'Say why.' } },
    );
    const before = socket.connections();
    c.start();
    await socket.waitForConnections(before + 1);
    await until(() => c.socketStatus()?.connected === true, 'connected');
    const id = socket.send('interactive', {
      type: 'view_submission',
      user: { id: 'U0ALICE' },
      team: { id: 'T0FAKE' },
      api_app_id: 'A0APP',
      view: {
        id: 'V0X',
        callback_id: 'decision_comment',
        private_metadata: 'req-1',
        state: { values: { comment: { text: { type: 'plain_text_input', value: '' } } } },
      },
    });
    expect((await socket.ackOf(id)).payload).toEqual({ response_action: 'errors', errors: { comment: 'Say why.' } });
    await c.stop();
  });

  it('stopped while apps.connections.open is under way: the connection that follows is closed too', async () => {
    const c = connector();
    const openBefore = socket.open();
    c.start();
    await c.stop();
    await new Promise((r) => setTimeout(r, 750));
    expect(socket.open()).toBe(openBefore);
    expect(c.socketStatus()?.connected).toBe(false);
  });
});
