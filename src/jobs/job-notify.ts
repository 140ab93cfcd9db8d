import pg from 'pg';
import type { Logger } from 'pino';

/** The channel the jobs table's insert trigger notifies (migration 2026-11-25T06-00-00-job-notify). */
const CHANNEL = 'resetdesk_jobs';
const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 30_000;

export interface JobNotifications {
  /** Whether the LISTEN connection is up. */
  readonly connected: boolean;
  close(): Promise<void>;
}

/**
 * Wakes this instance's worker when any instance enqueues a job on PostgreSQL, so new work is
 * claimed within a round trip rather than at the next poll. A dedicated connection, outside the
 * pool: LISTEN holds a session. When it drops (a database restart, a failover) it reconnects
 * with backoff and wakes the worker once, for anything enqueued while it was away — the poll
 * stays as the safety net, so a lost notification only ever delays work, never loses it.
 */
export function listenForJobs(databaseUrl: string, onJob: () => void, logger: Logger): JobNotifications {
  let client: pg.Client | null = null;
  let connected = false;
  let closed = false;
  let retry: NodeJS.Timeout | null = null;
  let delay = RECONNECT_MIN_MS;

  const reconnectLater = () => {
    connected = false;
    if (closed || retry) return;
    retry = setTimeout(() => {
      retry = null;
      void connect();
    }, delay);
    delay = Math.min(delay * 2, RECONNECT_MAX_MS);
  };

  async function connect(): Promise<void> {
    const c = new pg.Client({ connectionString: databaseUrl });
    client = c;
    c.on('notification', (n) => {
      if (n.channel === CHANNEL) onJob();
    });
    c.on('error', (err) => {
      logger.warn({ err: err.message }, 'job notifications: connection lost; reconnecting');
      void c.end().catch(() => undefined);
      reconnectLater();
    });
    c.on('end', () => reconnectLater());
    try {
      await c.connect();
      await c.query(`LISTEN ${CHANNEL}`);
      if (closed) {
        await c.end();
        return;
      }
      connected = true;
      delay = RECONNECT_MIN_MS;
      onJob();
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'job notifications: could not listen; polling meanwhile');
      void c.end().catch(() => undefined);
      reconnectLater();
    }
  }

  void connect();
  return {
    get connected() {
      return connected;
    },
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      retry = null;
      connected = false;
      await client?.end().catch(() => undefined);
    },
  };
}
