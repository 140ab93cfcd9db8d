import { App, type Logger as BoltLogger, LogLevel, type Receiver } from '@slack/bolt';
import type { Logger } from 'pino';
import { z } from 'zod';
import { ACK_TIMEOUT_MS } from './constant.js';
import {
  ackResponse,
  errorResponse,
  type Fields,
  flatten,
  header,
  jsonResponse,
  message,
  parseBody,
  record,
  signatureProblem,
  str,
} from './inbound.js';
import { openSlackSocket } from './socket-mode.js';
import type { SlackConfig, SlackConnector, SlackInboundRequest, SlackInboundResponse } from './types.js';
import { callSlack } from './web-api.js';

export interface SlackConnectorOptions {
  logger?: Logger;
  /** How long to wait for a listener's ack before answering 200 empty; for tests. */
  ackTimeoutMs?: number;
}

/**
 * One Slack workspace through Bolt: `handle` is the whole HTTP endpoint (the route only passes
 * the raw body and headers), listeners get resetdesk's own shapes (no Bolt type leaks out), and
 * the outbound calls map Slack's failures to SLACK_* errors.
 *
 * Bolt runs with a receiver that does nothing: `handle` verifies and parses each request and
 * feeds it to `app.processEvent`. Authorization returns the bot token without Bolt's usual
 * `auth.test` — with a plain `token` option Bolt calls auth.test before every event once
 * token verification at start is off, so a Slack hiccup would drop events and each would cost
 * a round trip inside Slack's 3-second limit. Nothing is called at construction.
 *
 * With an app-level token the same dispatch is fed by Socket Mode's WebSocket instead
 * (socket-mode.ts, opened by `start`), and `handle` refuses every request.
 */
export function buildSlackConnector(config: SlackConfig, options: SlackConnectorOptions = {}): SlackConnector {
  const { logger } = options;
  const ackTimeoutMs = options.ackTimeoutMs ?? ACK_TIMEOUT_MS;
  const receiver: Receiver = {
    init: () => undefined,
    start: async () => undefined,
    stop: async () => undefined,
  };
  const app = new App({
    receiver,
    authorize: async () => ({ botToken: config.botToken }),
    tokenVerificationEnabled: false,
    convoStore: false,
    logger: boltLogger(logger),
    clientOptions: {
      slackApiUrl: config.apiUrl,
      timeout: config.requestTimeoutMs,
      // One attempt per call, and a 429 fails at once instead of sleeping for Retry-After: our
      // job queue retries SLACK_UNAVAILABLE with its own backoff, and a request must not hang.
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
    },
  });
  // Listener errors are caught by `safely`; anything left (Bolt's own) is logged, not rethrown.
  app.error(async (err) => {
    logger?.error({ error: err.message, code: err.code }, 'Slack event processing failed');
  });

  /** Runs a listener; its failure is logged (message and code, never arguments) and swallowed. */
  async function safely<T>(what: string, run: () => Promise<T>): Promise<T | undefined> {
    try {
      return await run();
    } catch (err) {
      const e = err as { message?: unknown; code?: unknown };
      logger?.error({ listener: what, error: String(e?.message ?? err), code: e?.code }, 'Slack listener failed');
      return undefined;
    }
  }

  /**
   * Hands the body to Bolt; resolves with the first ack's argument, or undefined (an empty
   * answer) when none comes in time. HTTP and Socket Mode both come through here.
   */
  function dispatch(body: Fields, retryNum: number | undefined, retryReason: string | undefined): Promise<unknown> {
    return new Promise((resolve) => {
      let answered = false;
      const answer = (response: unknown) => {
        if (answered) return false;
        answered = true;
        clearTimeout(timer);
        resolve(response);
        return true;
      };
      const timer = setTimeout(() => {
        if (answer(undefined)) logger?.warn({ ackTimeoutMs }, 'Slack request not acknowledged in time: answered empty');
      }, ackTimeoutMs);
      const ack = async (response?: unknown) => {
        if (!answer(response)) logger?.debug('Slack ack after the answer was sent: ignored');
      };
      app
        .processEvent({ body, ack, retryNum, retryReason })
        .catch((err: unknown) =>
          logger?.error({ error: err instanceof Error ? err.message : String(err) }, 'Slack event processing failed'),
        )
        // Nothing acked (no listener matched): answer now rather than at the timeout.
        .finally(() => answer(undefined));
    });
  }

  const socket = config.appToken
    ? openSlackSocket({
        appToken: config.appToken,
        apiUrl: config.apiUrl,
        requestTimeoutMs: config.requestTimeoutMs,
        dispatch,
        boltLogger: boltLogger(logger),
        logger,
      })
    : undefined;

  async function handle(request: SlackInboundRequest): Promise<SlackInboundResponse> {
    // Socket Mode: Slack sends nothing over HTTP, so a request here is not Slack's.
    if (socket || config.signingSecret === undefined) return errorResponse(404, 'NOT_FOUND');
    const problem = signatureProblem(request.rawBody, request.headers, config.signingSecret);
    if (problem) {
      logger?.warn({ reason: problem }, 'Slack request refused: bad signature');
      return errorResponse(401, 'SLACK_SIGNATURE_INVALID');
    }
    const parsed = parseBody(request.rawBody, request.headers);
    if (!parsed.ok) return errorResponse(parsed.status, parsed.code);
    const { body } = parsed;
    // The Events API's handshake when the request URL is saved: echo the challenge.
    if (body.type === 'url_verification') return jsonResponse(200, { challenge: str(body.challenge) ?? '' });
    // Slack's periodic check of a slash command's certificate: nothing to do.
    if (body.ssl_check !== undefined) return ackResponse(undefined);
    const retryText = header(request.headers, 'x-slack-retry-num');
    const retryNum = retryText !== undefined && /^\d+$/.test(retryText) ? Number(retryText) : undefined;
    return ackResponse(await dispatch(body, retryNum, header(request.headers, 'x-slack-retry-reason')));
  }

  const call = <T>(method: string, args: Fields, schema: z.ZodType<T>) => callSlack(app.client, config.botToken, method, args, schema);
  const ok = z.object({ ok: z.literal(true) });

  return {
    handle,
    mode: socket ? 'socket' : 'http',
    start: () => socket?.start(),
    stop: async () => socket?.stop(),
    socketStatus: () => socket?.status() ?? null,

    onMessage(handler) {
      // DMs: people's own messages only — no bots (ourselves included), no edits, joins, deletions.
      app.event('message', async ({ event }) => {
        const e = record(event);
        if (e.channel_type !== 'im' || e.subtype !== undefined || e.bot_id !== undefined) return;
        const m = message(e, 'im');
        if (m) await safely('message', () => handler(m));
      });
      // Mentions in channels (a DM arrives as a message above, not twice).
      app.event('app_mention', async ({ event }) => {
        const e = record(event);
        const channel = str(e.channel) ?? '';
        if (e.subtype !== undefined || e.bot_id !== undefined || channel.startsWith('D')) return;
        const m = message(e, channel.startsWith('G') ? 'group' : 'channel');
        if (m) await safely('app_mention', () => handler({ ...m, text: m.text.replace(/^\s*<@[A-Z0-9]+(?:\|[^>]*)?>\s*/, '') }));
      });
    },

    onSlashCommand(command, handler) {
      const name = command.startsWith('/') ? command : `/${command}`;
      app.command(name, async ({ command: c, ack }) => {
        const fields = { userId: c.user_id, channelId: c.channel_id, text: c.text, triggerId: c.trigger_id, responseUrl: c.response_url };
        const text = await safely(`command ${name}`, () => handler(fields));
        await ack(typeof text === 'string' ? text : undefined);
      });
    },

    onAction(actionId, handler) {
      app.action(actionId, async ({ ack, body, action }) => {
        // Ack first: a click must be answered at once; the work may take longer.
        await ack();
        const b = record(body);
        if (b.type !== 'block_actions') return;
        const a = record(action);
        const msg = record(b.message);
        const container = record(b.container);
        const userId = str(record(b.user).id);
        if (!userId) return;
        await safely(`action ${actionId}`, () =>
          handler({
            userId,
            channelId: str(record(b.channel).id) ?? str(container.channel_id),
            messageTs: str(msg.ts) ?? str(container.message_ts),
            threadTs: str(msg.thread_ts) ?? str(container.thread_ts),
            value: str(a.value) ?? str(record(a.selected_option).value) ?? '',
            triggerId: str(b.trigger_id) ?? '',
          }),
        );
      });
    },

    onViewSubmission(callbackId, handler) {
      app.view({ callback_id: callbackId, type: 'view_submission' }, async ({ ack, body, view }) => {
        const submission = { userId: str(record(body.user).id) ?? '', privateMetadata: view.private_metadata ?? '', values: flatten(view) };
        const result = await safely(`view ${callbackId}`, () => handler(submission));
        const errors = result?.errors;
        await ack(errors && Object.keys(errors).length > 0 ? { response_action: 'errors', errors } : undefined);
      });
    },

    onHomeOpened(handler) {
      // The event also fires for the Messages tab, where there is nothing to publish.
      app.event('app_home_opened', async ({ event }) => {
        const e = record(event);
        const userId = str(e.user);
        if (userId && (e.tab === undefined || e.tab === 'home')) await safely('app_home_opened', () => handler(userId));
      });
    },

    async postMessage({ channel, text, blocks, threadTs }) {
      const answer = await call(
        'chat.postMessage',
        { channel, text, blocks, thread_ts: threadTs },
        ok.extend({ channel: z.string(), ts: z.string() }),
      );
      return { channel: answer.channel, ts: answer.ts };
    },
    async updateMessage({ channel, ts, text, blocks }) {
      await call('chat.update', { channel, ts, text, blocks }, ok);
    },
    async postEphemeral({ channel, user, text }) {
      await call('chat.postEphemeral', { channel, user, text }, ok);
    },
    async userEmail(userId) {
      // users.info only includes profile.email with the users:read.email scope; without it, null.
      const schema = ok.extend({ user: z.object({ profile: z.object({ email: z.string().optional() }).optional() }).optional() });
      const email = (await call('users.info', { user: userId }, schema)).user?.profile?.email?.trim();
      return email ? email.toLowerCase() : null;
    },
    async openDmChannel(userId) {
      return (await call('conversations.open', { users: userId }, ok.extend({ channel: z.object({ id: z.string() }) }))).channel.id;
    },
    async openModal({ triggerId, view }) {
      await call('views.open', { trigger_id: triggerId, view }, ok);
    },
    async publishHome({ userId, view }) {
      await call('views.publish', { user_id: userId, view }, ok);
    },
  };
}

/** Bolt's and the Web API client's log lines, into resetdesk's logger (silent without one). */
function boltLogger(logger: Logger | undefined): BoltLogger {
  const line = (parts: unknown[]) =>
    parts.map((p) => (p instanceof Error ? p.message : typeof p === 'string' ? p : JSON.stringify(p)?.slice(0, 500))).join(' ');
  let level = LogLevel.INFO;
  return {
    debug: (...parts) => logger?.debug({ connector: 'slack' }, line(parts)),
    info: (...parts) => logger?.info({ connector: 'slack' }, line(parts)),
    warn: (...parts) => logger?.warn({ connector: 'slack' }, line(parts)),
    error: (...parts) => logger?.error({ connector: 'slack' }, line(parts)),
    setLevel: (l) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
