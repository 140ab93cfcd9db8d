import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AppContext } from '../app-context.js';
import type { Principal } from '../db/repositories/token.repository.js';
import { getVisibleRequestWithDecisions, requestVersion } from '../services/request.service.js';
import { toRequestView } from './request-view.js';

/** How a stream paces itself; tests may shorten it. */
export interface StreamTiming {
  /** How often the request's row is read to see whether it moved. */
  pollMs: number;
  /** A comment line this often keeps proxies from closing an idle connection. */
  heartbeatMs: number;
  /** A stream ends after this long; EventSource clients reconnect or fall back to polling. */
  maxMs: number;
}

const TIMING: StreamTiming = { pollMs: 1000, heartbeatMs: 15_000, maxMs: 10 * 60_000 };

/** The streams each server has open, so closing the server ends them instead of waiting for them. */
const openStreams = new WeakMap<FastifyInstance, Set<() => void>>();

/** Ends every stream the server has open (its preClose hook). */
export function endRequestStreams(server: FastifyInstance): void {
  for (const end of [...(openStreams.get(server) ?? [])]) end();
}

/**
 * Follows a request as server-sent events: its view (GET /api/v1/requests/{id} without the
 * summary) at once and whenever its status or updatedAt changes, read from its row every
 * second. Ends when the request is Closed, after ten minutes, or when the client goes away.
 * Visibility is checked before anything is sent, so a request the principal may not see is the
 * usual 404.
 */
export async function streamRequest(
  ctx: AppContext,
  principal: Principal,
  id: string,
  reply: FastifyReply,
  timing: StreamTiming = TIMING,
): Promise<void> {
  const first = await getVisibleRequestWithDecisions(ctx, principal, id);
  reply.hijack();
  const res = reply.raw;
  const headers = Object.fromEntries(Object.entries(reply.getHeaders()).filter(([, v]) => v !== undefined)) as Record<string, string>;
  res.writeHead(200, {
    ...headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    // nginx and friends would otherwise buffer the events.
    'x-accel-buffering': 'no',
  });

  let last = `${first.request.status}|${first.request.updatedAt}`;
  let ended = false;
  let polling = false;
  const streams = openStreams.get(reply.server) ?? new Set<() => void>();
  openStreams.set(reply.server, streams);

  const send = (view: ReturnType<typeof toRequestView>) => {
    res.write(`event: request\ndata: ${JSON.stringify(view)}\n\n`);
    if (view.status === 'Closed') end();
  };
  const end = () => {
    if (ended) return;
    ended = true;
    clearInterval(poll);
    clearInterval(heartbeat);
    clearTimeout(deadline);
    streams.delete(end);
    res.end();
  };
  const check = async () => {
    if (ended || polling) return;
    polling = true;
    try {
      const version = await requestVersion(ctx, id);
      if (ended) return;
      if (!version) return end();
      const now = `${version.status}|${version.updatedAt}`;
      if (now === last) return;
      last = now;
      const { request, decisions } = await getVisibleRequestWithDecisions(ctx, principal, id);
      if (!ended) send(toRequestView(request, decisions));
    } catch (err) {
      ctx.logger.warn({ err, requestId: id }, 'request stream: reading the request failed');
      end();
    } finally {
      polling = false;
    }
  };

  const poll = setInterval(() => void check(), timing.pollMs);
  const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), timing.heartbeatMs);
  const deadline = setTimeout(end, timing.maxMs);
  streams.add(end);
  res.on('close', end);
  send(toRequestView(first.request, first.decisions));
}
