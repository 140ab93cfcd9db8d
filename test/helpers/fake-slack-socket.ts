import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

/**
 * A fake of Slack's Socket Mode endpoint on 127.0.0.1, written from Slack's Socket Mode
 * documentation: on connect a `hello`; Slack's requests as envelopes `{envelope_id, type,
 * payload, accepts_response_payload}` (`events_api`, `slash_commands`, `interactive`); the app
 * acknowledges each with `{envelope_id, payload?}`; `{type:'disconnect', reason}` asks the app
 * to reconnect. The fake Web API's `apps.connections.open` hands out `url` (test/helpers/fake-slack.ts).
 */
type EnvelopeType = 'events_api' | 'slash_commands' | 'interactive';

interface SocketAck {
  envelope_id: string;
  payload?: unknown;
}

export interface FakeSlackSocket {
  /** ws://127.0.0.1:PORT/link/ — give it to the fake Web API (useSocketUrl). */
  url: string;
  /** Connections opened so far, including closed ones. */
  connections(): number;
  /** Open connections now. */
  open(): number;
  /** Resolves once `count` connections have been opened (and greeted). */
  waitForConnections(count: number, timeoutMs?: number): Promise<void>;
  /** Sends an envelope on the newest open connection; returns its envelope_id. */
  send(type: EnvelopeType, payload: Record<string, unknown>): string;
  /** The app's ack of an envelope, once it arrives. */
  ackOf(envelopeId: string, timeoutMs?: number): Promise<SocketAck>;
  acks(): SocketAck[];
  /** Slack's warning that it is about to drop the connection: the app should reconnect. */
  disconnect(reason?: 'refresh_requested' | 'link_disabled' | 'warning'): void;
  /** Cuts every open connection without a close frame, as a network failure would. */
  dropAll(): Promise<void>;
  /** Everything the app sent that is not an ack of ours (should stay empty). */
  unexpected(): unknown[];
  close(): Promise<void>;
}

export async function startFakeSlackSocket(): Promise<FakeSlackSocket> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/link/' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  const sockets: WebSocket[] = [];
  const acks: SocketAck[] = [];
  const unexpected: unknown[] = [];
  const sent = new Set<string>();
  let seq = 0;

  server.on('connection', (ws, req) => {
    sockets.push(ws);
    const ticket = new URL(req.url ?? '/', 'ws://slack.invalid').searchParams.get('ticket');
    ws.on('message', (data) => {
      let message: unknown;
      try {
        message = JSON.parse(String(data));
      } catch {
        unexpected.push(String(data));
        return;
      }
      const m = message as { envelope_id?: unknown };
      if (typeof m.envelope_id === 'string' && sent.has(m.envelope_id)) acks.push(message as SocketAck);
      else unexpected.push(message);
    });
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: server.clients.size,
        debug_info: { host: 'applink-fake', build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: 'A0APP', ticket },
      }),
    );
  });

  async function until<T>(find: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = find();
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`fake Slack socket: timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  const newest = () => sockets.filter((s) => s.readyState === s.OPEN).at(-1);

  return {
    url: `ws://127.0.0.1:${port}/link/`,
    connections: () => sockets.length,
    open: () => sockets.filter((s) => s.readyState === s.OPEN).length,
    async waitForConnections(count, timeoutMs = 15_000) {
      await until(() => (sockets.length >= count && newest() ? true : undefined), `${count} connection(s)`, timeoutMs);
    },
    send(type, payload) {
      const ws = newest();
      if (!ws) throw new Error('fake Slack socket: no open connection');
      const envelopeId = `env-${++seq}-${Date.now().toString(36)}`;
      sent.add(envelopeId);
      const envelope = {
        envelope_id: envelopeId,
        type,
        payload,
        // Slack takes a response payload for commands and interactivity, not for events.
        accepts_response_payload: type !== 'events_api',
        ...(type === 'events_api' ? { retry_attempt: 0, retry_reason: '' } : {}),
      };
      ws.send(JSON.stringify(envelope));
      return envelopeId;
    },
    ackOf: (envelopeId, timeoutMs = 5_000) =>
      until(() => acks.find((a) => a.envelope_id === envelopeId), `the ack of ${envelopeId}`, timeoutMs),
    acks: () => [...acks],
    disconnect(reason = 'refresh_requested') {
      newest()?.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'applink-fake' } }));
    },
    async dropAll() {
      for (const ws of server.clients) ws.terminate();
      await until(() => (server.clients.size === 0 ? true : undefined), 'the connections to drop', 5_000);
    },
    unexpected: () => [...unexpected],
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of server.clients) ws.terminate();
        server.close(() => resolve());
      }),
  };
}
