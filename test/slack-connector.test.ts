import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { approvalBlocks, commentModal, createSlackConnector, homeView, type SlackConnector } from '../src/connectors/slack/index.js';
import { AppError } from '../src/errors/error-codes.js';
import { type FakeSlack, signSlackRequest, startFakeSlack } from './helpers/fake-slack.js';

const SIGNING_SECRET = 'f0e1d2c3b4a5968778695a4b3c2d1e0f';
const JSON_TYPE = 'application/json';
const FORM_TYPE = 'application/x-www-form-urlencoded';

/** A request as Slack sends it: signed (or not), with the route's raw body and headers. */
function inbound(body: string, contentType: string, opts: { secret?: string; timestamp?: number; signed?: boolean } = {}) {
  const signature = opts.signed === false ? {} : signSlackRequest(body, opts.secret ?? SIGNING_SECRET, opts.timestamp);
  return { rawBody: Buffer.from(body, 'utf8'), headers: { 'content-type': contentType, ...signature } };
}

const eventBody = (event: Record<string, unknown>) =>
  JSON.stringify({
    token: 'legacy',
    team_id: 'T0FAKE',
    api_app_id: 'A0APP',
    type: 'event_callback',
    event_id: 'Ev01',
    event_time: 1700000001,
    event,
  });
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const interaction = (payload: Record<string, unknown>) => form({ payload: JSON.stringify(payload) });

const slashCommand = form({
  token: 'legacy',
  team_id: 'T0FAKE',
  team_domain: 'fake',
  channel_id: 'C0GENERAL',
  channel_name: 'general',
  user_id: 'U0ALICE',
  user_name: 'alice',
  command: '/reset',
  text: 'salesforce',
  api_app_id: 'A0APP',
  response_url: 'https://hooks.slack.com/commands/T0FAKE/1/abc',
  trigger_id: '1.2.trigger',
});

const dm = (overrides: Record<string, unknown> = {}) => ({
  type: 'message',
  channel: 'D0ALICE',
  user: 'U0ALICE',
  text: 'I cannot log in to Salesforce',
  ts: '1700000001.000100',
  event_ts: '1700000001.000100',
  channel_type: 'im',
  ...overrides,
});

describe('the Slack connector', () => {
  let slack: FakeSlack;
  let connector: SlackConnector;
  const config = () => ({ botToken: slack.botToken, signingSecret: SIGNING_SECRET, approversChannel: '#approvers', apiUrl: slack.apiUrl });

  beforeAll(async () => {
    slack = await startFakeSlack();
  });
  afterAll(async () => {
    await slack?.close();
  });
  beforeEach(() => {
    slack.clearCalls();
    connector = createSlackConnector(config());
  });

  describe('inbound', () => {
    it('answers url_verification with its challenge', async () => {
      const body = JSON.stringify({
        token: 'legacy',
        challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P',
        type: 'url_verification',
      });
      const answer = await connector.handle(inbound(body, JSON_TYPE));
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toEqual({ challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P' });
    });

    it('refuses a wrong, missing, stale or future signature with 401 and runs nothing', async () => {
      const handler = vi.fn(async () => 'ran');
      connector.onSlashCommand('/reset', handler);
      const now = Math.floor(Date.now() / 1000);
      const requests = [
        inbound(slashCommand, FORM_TYPE, { secret: 'another-secret-of-sufficient-length' }),
        inbound(slashCommand, FORM_TYPE, { signed: false }),
        inbound(slashCommand, FORM_TYPE, { timestamp: now - 6 * 60 }),
        inbound(slashCommand, FORM_TYPE, { timestamp: now + 6 * 60 }),
        // Signed, then changed in transit.
        { ...inbound(slashCommand, FORM_TYPE), rawBody: Buffer.from(slashCommand.replace('salesforce', 'okta')) },
      ];
      for (const request of requests) {
        const answer = await connector.handle(request);
        expect(answer.status).toBe(401);
        expect(JSON.parse(answer.body)).toEqual({ error: { code: 'SLACK_SIGNATURE_INVALID', message: expect.any(String) } });
      }
      expect(handler).not.toHaveBeenCalled();
    });

    it('answers 400 to an unparseable body and 415 to another content type', async () => {
      expect((await connector.handle(inbound('{not json', JSON_TYPE))).status).toBe(400);
      expect((await connector.handle(inbound(form({ payload: '{oops' }), FORM_TYPE))).status).toBe(400);
      expect((await connector.handle(inbound('hello', 'text/plain'))).status).toBe(415);
    });

    it('gives a slash command to its handler; the returned string is the ack', async () => {
      const handler = vi.fn(async () => 'Looking into it…');
      connector.onSlashCommand('/reset', handler);
      const answer = await connector.handle(inbound(slashCommand, FORM_TYPE));
      expect(answer).toMatchObject({ status: 200, body: 'Looking into it…' });
      expect(answer.headers['content-type']).toMatch(/^text\/plain/);
      expect(handler).toHaveBeenCalledWith({
        userId: 'U0ALICE',
        channelId: 'C0GENERAL',
        text: 'salesforce',
        triggerId: '1.2.trigger',
        responseUrl: 'https://hooks.slack.com/commands/T0FAKE/1/abc',
      });
    });

    it('answers 200 empty when a handler throws, or takes longer than the ack timeout', async () => {
      connector.onSlashCommand('/reset', async () => {
        throw new Error('boom');
      });
      expect(await connector.handle(inbound(slashCommand, FORM_TYPE))).toEqual({ status: 200, headers: {}, body: '' });

      const slow = createSlackConnector(config(), { ackTimeoutMs: 50 });
      let finished = false;
      slow.onSlashCommand('reset', async () => {
        await new Promise((resolve) => setTimeout(resolve, 200));
        finished = true;
        return 'too late';
      });
      expect(await slow.handle(inbound(slashCommand, FORM_TYPE))).toEqual({ status: 200, headers: {}, body: '' });
      expect(finished).toBe(false);
      await vi.waitFor(() => expect(finished).toBe(true));
    });

    it("gives people's DMs to onMessage, not bots' messages nor edits", async () => {
      const seen: unknown[] = [];
      connector.onMessage(async (m) => {
        seen.push(m);
      });
      const ignored = [
        dm({ bot_id: 'B0OTHER', subtype: 'bot_message', user: undefined }),
        dm({ bot_id: 'B0BOT' }),
        dm({ subtype: 'message_changed', message: { text: 'edited' } }),
        dm({ subtype: 'channel_join' }),
        dm({ channel_type: 'channel', channel: 'C0GENERAL' }),
      ];
      for (const event of ignored) expect((await connector.handle(inbound(eventBody(event), JSON_TYPE))).status).toBe(200);
      const answer = await connector.handle(inbound(eventBody(dm({ thread_ts: '1700000000.000001' })), JSON_TYPE));
      expect(answer).toEqual({ status: 200, headers: {}, body: '' });
      await vi.waitFor(() => expect(seen).toHaveLength(1));
      expect(seen).toEqual([
        {
          userId: 'U0ALICE',
          channelId: 'D0ALICE',
          threadTs: '1700000000.000001',
          ts: '1700000001.000100',
          text: 'I cannot log in to Salesforce',
          channelType: 'im',
        },
      ]);
    });

    it('gives a mention in a channel to onMessage, without the leading mention', async () => {
      const seen: unknown[] = [];
      connector.onMessage(async (m) => {
        seen.push(m);
      });
      const mention = { type: 'app_mention', channel: 'C0GENERAL', user: 'U0ALICE', text: '<@U0BOT> reset Jira', ts: '1700000002.000200' };
      await connector.handle(inbound(eventBody(mention), JSON_TYPE));
      await vi.waitFor(() => expect(seen).toHaveLength(1));
      expect(seen[0]).toMatchObject({ channelId: 'C0GENERAL', text: 'reset Jira', channelType: 'channel', threadTs: null });
    });

    it('gives a block_actions click to onAction with the button value, or the selected option', async () => {
      const seen: unknown[] = [];
      connector.onAction('approve_request', async (a) => {
        seen.push(a);
      });
      connector.onAction('choose_app', async (a) => {
        seen.push(a);
      });
      const click = {
        type: 'block_actions',
        user: { id: 'U0IRENE', username: 'irene', team_id: 'T0FAKE' },
        api_app_id: 'A0APP',
        token: 'legacy',
        container: { type: 'message', message_ts: '1700000000.000100', channel_id: 'C0APPROVERS', is_ephemeral: false },
        trigger_id: '3.4.trigger',
        team: { id: 'T0FAKE', domain: 'fake' },
        channel: { id: 'C0APPROVERS', name: 'approvers' },
        message: { type: 'message', ts: '1700000000.000100', text: 'Password reset' },
        response_url: 'https://hooks.slack.com/actions/T0FAKE/1/abc',
        actions: [{ type: 'button', action_id: 'approve_request', block_id: 'decision_r1', value: 'req-1', action_ts: '1700000003.1' }],
      };
      const answer = await connector.handle(inbound(interaction(click), FORM_TYPE));
      expect(answer).toEqual({ status: 200, headers: {}, body: '' });
      await vi.waitFor(() => expect(seen).toHaveLength(1));
      expect(seen[0]).toEqual({
        userId: 'U0IRENE',
        channelId: 'C0APPROVERS',
        messageTs: '1700000000.000100',
        threadTs: null,
        value: 'req-1',
        triggerId: '3.4.trigger',
      });

      const select = {
        ...click,
        channel: undefined,
        message: undefined,
        container: { type: 'view', view_id: 'V0HOME' },
        actions: [{ type: 'static_select', action_id: 'choose_app', block_id: 'choose_app', selected_option: { text: {}, value: 'Jira' } }],
      };
      await connector.handle(inbound(interaction(select), FORM_TYPE));
      await vi.waitFor(() => expect(seen).toHaveLength(2));
      expect(seen[1]).toMatchObject({ channelId: null, messageTs: null, value: 'Jira' });
    });

    it('gives a view_submission to onViewSubmission; returned errors keep the modal open', async () => {
      const handler = vi.fn(async (v: { values: Record<string, string> }) =>
        v.values.comment ? undefined : { errors: { comment: 'Say why' } },
      );
      connector.onViewSubmission('decision_comment', handler);
      const submission = (value: string | null) => ({
        type: 'view_submission',
        team: { id: 'T0FAKE', domain: 'fake' },
        user: { id: 'U0IRENE', username: 'irene', team_id: 'T0FAKE' },
        api_app_id: 'A0APP',
        token: 'legacy',
        trigger_id: '5.6.trigger',
        view: {
          id: 'V0MODAL',
          type: 'modal',
          callback_id: 'decision_comment',
          private_metadata: '{"kind":"deny","requestId":"req-1"}',
          state: { values: { comment: { comment: { type: 'plain_text_input', value } } } },
        },
        response_urls: [],
      });
      const refused = await connector.handle(inbound(interaction(submission(null)), FORM_TYPE));
      expect(refused.status).toBe(200);
      expect(JSON.parse(refused.body)).toEqual({ response_action: 'errors', errors: { comment: 'Say why' } });
      const accepted = await connector.handle(inbound(interaction(submission('Not an employee')), FORM_TYPE));
      expect(accepted).toEqual({ status: 200, headers: {}, body: '' });
      expect(handler).toHaveBeenLastCalledWith({
        userId: 'U0IRENE',
        privateMetadata: '{"kind":"deny","requestId":"req-1"}',
        values: { comment: 'Not an employee' },
      });
    });

    it('gives the Home tab opening to onHomeOpened', async () => {
      const opened = vi.fn(async (_userId: string) => undefined);
      connector.onHomeOpened(opened);
      await connector.handle(
        inbound(eventBody({ type: 'app_home_opened', user: 'U0ALICE', channel: 'D0ALICE', tab: 'messages' }), JSON_TYPE),
      );
      await connector.handle(inbound(eventBody({ type: 'app_home_opened', user: 'U0ALICE', channel: 'D0ALICE', tab: 'home' }), JSON_TYPE));
      await vi.waitFor(() => expect(opened).toHaveBeenCalledTimes(1));
      expect(opened).toHaveBeenCalledWith('U0ALICE');
    });
  });

  describe('outbound', () => {
    it('calls the Web API with the bot token and the right arguments', async () => {
      const blocks = approvalBlocks({
        requestId: 'req-1',
        requester: 'alice',
        app: 'Jira',
        priority: 'High',
        rationale: 'r',
        justification: 'j',
      });
      expect(await connector.postMessage({ channel: 'C0APPROVERS', text: 'Approve?', blocks, threadTs: '1700000000.000001' })).toEqual({
        channel: 'C0APPROVERS',
        ts: expect.stringMatching(/^\d{10}\.\d{6}$/),
      });
      await connector.updateMessage({ channel: 'C0APPROVERS', ts: '1700000000.000100', text: 'Approved' });
      expect(await connector.userEmail('U0ALICE')).toBe('alice@example.com');
      slack.users.set('U0NOEMAIL', undefined);
      expect(await connector.userEmail('U0NOEMAIL')).toBeNull();
      expect(await connector.openDmChannel('U0ALICE')).toBe('D0ALICE');
      const modal = commentModal('deny', 'req-1');
      await connector.openModal({ triggerId: '5.6.trigger', view: modal });
      const home = homeView([]);
      await connector.publishHome({ userId: 'U0ALICE', view: home });

      const calls = slack.calls();
      expect(calls.every((c) => c.token === slack.botToken)).toBe(true);
      expect(calls.map((c) => ({ method: c.method, args: c.args }))).toEqual([
        { method: 'chat.postMessage', args: { channel: 'C0APPROVERS', text: 'Approve?', blocks, thread_ts: '1700000000.000001' } },
        { method: 'chat.update', args: { channel: 'C0APPROVERS', ts: '1700000000.000100', text: 'Approved' } },
        { method: 'users.info', args: { user: 'U0ALICE' } },
        { method: 'users.info', args: { user: 'U0NOEMAIL' } },
        { method: 'conversations.open', args: { users: 'U0ALICE' } },
        { method: 'views.open', args: { trigger_id: '5.6.trigger', view: modal } },
        { method: 'views.publish', args: { user_id: 'U0ALICE', view: home } },
      ]);
    });

    /** The error a call fails with; its message and details never hold the token. */
    async function failure(run: () => Promise<unknown>, token: string): Promise<AppError> {
      const err = await run().then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(AppError);
      const appError = err as AppError;
      expect(`${appError.message} ${JSON.stringify(appError.details)} ${appError.stack}`).not.toContain(token);
      return appError;
    }

    it('maps ok:false to SLACK_ERROR with Slack’s error, and never shows the token', async () => {
      const wrong = createSlackConnector({ ...config(), botToken: 'xoxb-999-wrong-token' });
      const err = await failure(() => wrong.postMessage({ channel: 'C0APPROVERS', text: 'x' }), 'xoxb-999-wrong-token');
      expect(err.code).toBe('SLACK_ERROR');
      expect(err.message).toContain('invalid_auth');
      expect(err.details).toEqual({ slackError: 'invalid_auth' });
      expect((await failure(() => connector.userEmail('U0NOBODY'), slack.botToken)).message).toContain('user_not_found');
    });

    it('maps HTTP 500, 429 and an unreachable Slack to SLACK_UNAVAILABLE at once (no client retries)', async () => {
      slack.failNext(500);
      const started = Date.now();
      const err = await failure(() => connector.postMessage({ channel: 'C0APPROVERS', text: 'x' }), slack.botToken);
      expect(err).toMatchObject({ code: 'SLACK_UNAVAILABLE', retryable: true, details: { httpStatus: 500 } });
      slack.failNext(429, 30);
      const limited = await failure(() => connector.openDmChannel('U0ALICE'), slack.botToken);
      expect(limited).toMatchObject({ code: 'SLACK_UNAVAILABLE', details: { httpStatus: 429, retryAfterSeconds: 30 } });
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(slack.calls()).toHaveLength(2);

      const closed = createSlackConnector({ ...config(), apiUrl: 'http://127.0.0.1:1/api/' });
      expect((await failure(() => closed.userEmail('U0ALICE'), slack.botToken)).code).toBe('SLACK_UNAVAILABLE');
    });

    it('maps a call Slack does not answer in time to SLACK_UNAVAILABLE', async () => {
      const impatient = createSlackConnector({ ...config(), requestTimeoutMs: 200 });
      slack.hangNext();
      const err = await failure(() => impatient.publishHome({ userId: 'U0ALICE', view: homeView([]) }), slack.botToken);
      expect(err).toMatchObject({ code: 'SLACK_UNAVAILABLE', details: { timeout: true } });
    });
  });
});

describe('the Slack connector’s logs', () => {
  it('record failed listeners and refused requests, never the token or the signing secret', async () => {
    const slack = await startFakeSlack();
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = pino({ level: 'debug' }, sink);
    try {
      const connector = createSlackConnector(
        { botToken: slack.botToken, signingSecret: SIGNING_SECRET, approversChannel: 'C0123ABCD', apiUrl: slack.apiUrl },
        { logger },
      );
      connector.onMessage(async () => {
        throw new Error('the conversation broke');
      });
      connector.onSlashCommand('/reset', async (c) => `ok ${c.text}`);
      await connector.handle(inbound(slashCommand, FORM_TYPE, { secret: 'not-the-signing-secret-at-all' }));
      expect(await connector.handle(inbound(slashCommand, FORM_TYPE))).toMatchObject({ status: 200, body: 'ok salesforce' });
      expect(await connector.handle(inbound(eventBody(dm()), JSON_TYPE))).toMatchObject({ status: 200 });
      await vi.waitFor(() => expect(lines.join('')).toContain('the conversation broke'));
      // Inbound requests cost no Web API call (no auth.test per event).
      expect(slack.calls()).toEqual([]);
      await connector.postMessage({ channel: 'C0123ABCD', text: 'hello' });
      slack.failNext(500);
      await connector.postMessage({ channel: 'C0123ABCD', text: 'hello' }).catch(() => undefined);

      const log = lines.join('');
      expect(log).toContain('Slack listener failed');
      expect(log).toContain('bad signature');
      expect(log).not.toContain(slack.botToken);
      expect(log).not.toContain(SIGNING_SECRET);
    } finally {
      await slack.close();
    }
  });
});
