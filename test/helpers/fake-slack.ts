import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake Slack Web API on 127.0.0.1 speaking its wire format: `POST /api/<method>` with a
 * form-encoded body (the SDK's default; JSON-valued arguments such as `blocks` or `view` arrive
 * as JSON strings, and are parsed here) or a JSON one; `Authorization: Bearer <token>` checked
 * — a wrong or missing token is HTTP 200 `{"ok":false,"error":"invalid_auth"}`, as Slack
 * answers; `{"ok":true,…}` for the methods the connector uses; `unknown_method` otherwise.
 * Written from Slack's documentation, not from the connector, so it checks the connector.
 */
interface FakeSlackCall {
  method: string;
  /** The arguments, JSON-valued ones parsed; the token is not among them. */
  args: Record<string, unknown>;
  /** The Bearer token it came with, or null. */
  token: string | null;
  contentType: string;
}

export interface FakeSlack {
  /** e.g. http://127.0.0.1:PORT/api/ — the connector's apiUrl. */
  apiUrl: string;
  botToken: string;
  /** The app-level token `apps.connections.open` wants (Socket Mode). */
  appToken: string;
  /** Where `apps.connections.open` sends the connector: a fake Socket Mode server's URL (a ticket is appended). */
  useSocketUrl(url: string): void;
  /** user id → email (undefined: a user without an email, as without the users:read.email scope). */
  users: Map<string, string | undefined>;
  /** The next call answers this HTTP status (500, or 429 with Retry-After). */
  failNext(status: 500 | 503 | 429, retryAfterSeconds?: number): void;
  /** The next call is read, then never answered (the client times out). */
  hangNext(): void;
  calls(): FakeSlackCall[];
  clearCalls(): void;
  close(): Promise<void>;
}

/** Arguments Slack sends as JSON inside a form field. */
const JSON_ARGS = new Set(['blocks', 'attachments', 'view', 'metadata']);

export async function startFakeSlack(opts: { botToken?: string; appToken?: string } = {}): Promise<FakeSlack> {
  const botToken = opts.botToken ?? 'xoxb-111-222-fakeslacktoken';
  const appToken = opts.appToken ?? 'xapp-1-A0APP-333-fakeapptoken';
  let socketUrl: string | null = null;
  let tickets = 0;
  const users = new Map<string, string | undefined>([['U0ALICE', 'Alice@Example.com']]);
  const log: FakeSlackCall[] = [];
  let failure: { status: number; retryAfter: number } | null = null;
  let hang = false;
  const hanging = new Set<ServerResponse>();
  let seq = 100;

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(body));
  };

  const readBody = (req: IncomingMessage) =>
    new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });

  function parseArgs(contentType: string, text: string): Record<string, unknown> {
    if (contentType.startsWith('application/json')) return text ? (JSON.parse(text) as Record<string, unknown>) : {};
    const args: Record<string, unknown> = {};
    for (const [key, value] of new URLSearchParams(text)) {
      args[key] = JSON_ARGS.has(key) ? JSON.parse(value) : value;
    }
    return args;
  }

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://slack.invalid');
    const contentType = String(req.headers['content-type'] ?? '');
    const { token: bodyToken, ...args } = parseArgs(contentType, await readBody(req));
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice(7) : typeof bodyToken === 'string' ? bodyToken : null;
    const method = url.pathname.replace(/^\/api\//, '');
    log.push({ method, args, token, contentType });

    if (hang) {
      hang = false;
      hanging.add(res);
      return;
    }
    if (failure) {
      const { status, retryAfter } = failure;
      failure = null;
      if (status === 429) return send(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(retryAfter) });
      res.writeHead(status, { 'content-type': 'text/html' });
      return res.end('<html><body>Internal Server Error</body></html>');
    }
    if (req.method !== 'POST' || !url.pathname.startsWith('/api/')) return send(res, 404, { ok: false, error: 'not_found' });
    // Socket Mode's one Web API call takes the app-level token, not the bot's.
    if (method === 'apps.connections.open') {
      if (token !== appToken) return send(res, 200, { ok: false, error: 'invalid_auth' });
      if (!socketUrl) return send(res, 200, { ok: false, error: 'socket_mode_not_enabled' });
      return send(res, 200, { ok: true, url: `${socketUrl}?ticket=fake-${++tickets}&app_id=A0APP` });
    }
    if (token !== botToken || (typeof bodyToken === 'string' && bodyToken !== botToken))
      return send(res, 200, { ok: false, error: 'invalid_auth' });

    /** Slack's answer to a call without a required argument. */
    const missing = (...names: string[]) => {
      const name = names.find((n) => args[n] === undefined || args[n] === '');
      if (name)
        send(res, 200, {
          ok: false,
          error: 'invalid_arguments',
          response_metadata: { messages: [`[ERROR] missing required field: ${name}`] },
        });
      return name !== undefined;
    };
    switch (method) {
      case 'auth.test':
        return send(res, 200, {
          ok: true,
          url: 'https://fake.slack.com/',
          team: 'Fake',
          user: 'resetdesk',
          team_id: 'T0FAKE',
          user_id: 'U0BOT',
          bot_id: 'B0BOT',
        });
      case 'chat.postMessage': {
        if (missing('channel')) return;
        if (args.text === undefined && args.blocks === undefined) return send(res, 200, { ok: false, error: 'no_text' });
        const channel = String(args.channel).startsWith('#') ? 'C0APPROVERS' : String(args.channel);
        return send(res, 200, { ok: true, channel, ts: `1700000000.000${seq++}`, message: { text: args.text } });
      }
      case 'chat.postEphemeral':
        if (missing('channel', 'user')) return;
        if (args.text === undefined && args.blocks === undefined) return send(res, 200, { ok: false, error: 'no_text' });
        return send(res, 200, { ok: true, message_ts: `1700000000.000${seq++}` });
      case 'chat.update':
        if (missing('channel', 'ts')) return;
        return send(res, 200, { ok: true, channel: args.channel, ts: args.ts, text: args.text });
      case 'users.info': {
        if (missing('user')) return;
        const id = String(args.user);
        if (!users.has(id)) return send(res, 200, { ok: false, error: 'user_not_found' });
        const email = users.get(id);
        return send(res, 200, { ok: true, user: { id, name: id.toLowerCase(), profile: { real_name: id, ...(email ? { email } : {}) } } });
      }
      case 'conversations.open':
        if (missing('users')) return;
        return send(res, 200, { ok: true, channel: { id: `D${String(args.users).slice(1)}` } });
      case 'views.open':
        if (missing('trigger_id', 'view')) return;
        return send(res, 200, { ok: true, view: { id: 'V0MODAL', ...(args.view as object) } });
      case 'views.publish':
        if (missing('user_id', 'view')) return;
        return send(res, 200, { ok: true, view: { id: 'V0HOME', ...(args.view as object) } });
      default:
        return send(res, 200, { ok: false, error: 'unknown_method' });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    apiUrl: `http://127.0.0.1:${port}/api/`,
    botToken,
    appToken,
    useSocketUrl(url) {
      socketUrl = url;
    },
    users,
    failNext(status, retryAfterSeconds = 30) {
      failure = { status, retryAfter: retryAfterSeconds };
    },
    hangNext() {
      hang = true;
    },
    calls: () => [...log],
    clearCalls() {
      log.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The headers Slack signs a request with: `x-slack-signature` = `v0=` + hex HMAC-SHA256 of
 * `v0:{timestamp}:{body}` under the signing secret (Slack's "Verifying requests" guide).
 */
export function signSlackRequest(body: string, secret: string, timestampSeconds = Math.floor(Date.now() / 1000)): Record<string, string> {
  const signature = createHmac('sha256', secret).update(`v0:${timestampSeconds}:${body}`).digest('hex');
  return { 'x-slack-signature': `v0=${signature}`, 'x-slack-request-timestamp': String(timestampSeconds) };
}
