/**
 * Socket Mode: resetdesk opens a WebSocket to Slack (`apps.connections.open` with the app-level
 * token, then the URL it returns) and Slack sends its events, slash commands and interactivity
 * over it as envelopes, each acknowledged with its `envelope_id`. For servers Slack cannot reach.
 */
import { type Logger as BoltLogger, SocketModeReceiver } from '@slack/bolt';
import type { Logger } from 'pino';
import { SOCKET_RECONNECT_DELAY_MS } from './constant.js';
import { type Fields, record } from './inbound.js';
import { slackFailure } from './web-api.js';

/** Whether the WebSocket is open now, and why the last attempt failed (no token in it). */
export interface SlackSocketStatus {
  connected: boolean;
  error: string | null;
}

interface SlackSocket {
  /** Connects in the background and keeps reconnecting until stop(); never throws. */
  start(): void;
  stop(): Promise<void>;
  status(): SlackSocketStatus;
}

interface SlackSocketOptions {
  appToken: string;
  /** The Web API base: apps.connections.open is called there. */
  apiUrl: string;
  requestTimeoutMs: number;
  /** The connector's own path to its listeners; resolves with what the listener acked. */
  dispatch: (body: Fields, retryNum: number | undefined, retryReason: string | undefined) => Promise<unknown>;
  boltLogger: BoltLogger;
  logger?: Logger | undefined;
}

/** One envelope as @slack/socket-mode emits it on `slack_event`. */
interface Envelope {
  ack: (payload?: unknown) => Promise<void>;
  type: string;
  body: unknown;
  retry_num?: number;
  retry_reason?: string;
}

/**
 * @slack/socket-mode's client comes with Bolt, which hands it out only inside its
 * SocketModeReceiver (`.client`). The receiver is never given the App (no `init`), so its own
 * envelope handler does nothing: each envelope goes through the connector's `dispatch`, the same
 * path, ack timeout included, as an HTTP request. Reconnecting is ours, not the client's: its
 * own retries stop for good on a network error and reject where nobody can catch it.
 */
export function openSlackSocket(options: SlackSocketOptions): SlackSocket {
  const { logger, dispatch } = options;
  const receiver = new SocketModeReceiver({
    appToken: options.appToken,
    // The client's debug lines print whole envelopes (people's messages): not logged.
    logger: { ...options.boltLogger, debug: () => undefined },
    autoReconnectEnabled: false,
    installerOptions: {
      clientOptions: { slackApiUrl: options.apiUrl, timeout: options.requestTimeoutMs, retryConfig: { retries: 0 } },
    },
  });
  const client = receiver.client;
  let stopped = true;
  let connected = false;
  let error: string | null = null;
  let failures = 0;
  let starting: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;

  client.on('slack_event', async (envelope: Envelope) => {
    const response = await dispatch(record(envelope.body), envelope.retry_num, envelope.retry_reason);
    try {
      // A string becomes `{text}`, as Slack wants a slash command's answer; nothing becomes `{}`.
      await envelope.ack(typeof response === 'string' || (typeof response === 'object' && response !== null) ? response : undefined);
    } catch {
      logger?.warn({ type: envelope.type }, 'Slack envelope not acknowledged: the socket closed first (Slack resends it)');
    }
  });
  client.on('connected', () => {
    if (stopped) {
      void client.disconnect();
      return;
    }
    connected = true;
    error = null;
    failures = 0;
    logger?.info('Slack Socket Mode connected');
  });
  client.on('disconnected', () => {
    const was = connected;
    connected = false;
    if (stopped) return;
    if (was) logger?.warn('Slack Socket Mode connection closed: reconnecting');
    // While start() runs, its own failure schedules the next attempt.
    if (!starting) schedule();
  });

  function connect(): void {
    if (stopped || starting) return;
    starting = client
      .start()
      .then(
        () => undefined,
        (err: unknown) => {
          error =
            err === undefined
              ? 'Slack Socket Mode: the WebSocket closed before Slack said hello.'
              : slackFailure('apps.connections.open', err).message;
          logger?.warn({ error, attempt: failures + 1 }, 'Slack Socket Mode connection failed: retrying');
        },
      )
      .finally(() => {
        starting = undefined;
        if (!connected) schedule();
      });
  }

  /** The next attempt: at once after a drop, then backing off while Slack keeps refusing. */
  function schedule(): void {
    if (stopped || timer) return;
    const delay = Math.min(SOCKET_RECONNECT_DELAY_MS.max, SOCKET_RECONNECT_DELAY_MS.min * 2 ** failures);
    failures += 1;
    timer = setTimeout(() => {
      timer = undefined;
      connect();
    }, delay);
  }

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      connect();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
      await client.disconnect();
      // A start() past apps.connections.open connects anyway: wait for it (bounded), then close that too.
      if (starting) {
        let bound: NodeJS.Timeout | undefined;
        await Promise.race([starting, new Promise<void>((resolve) => (bound = setTimeout(resolve, options.requestTimeoutMs)))]);
        clearTimeout(bound);
        await client.disconnect();
      }
      connected = false;
    },
    status: () => ({ connected, error }),
  };
}
