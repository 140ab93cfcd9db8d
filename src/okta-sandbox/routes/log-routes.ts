import { SandboxOktaError } from '../okta-errors.js';
import type { ApiRoute, RouteContext } from '../router.js';
import { logEventJson, parseLogFilter, type SandboxLogEvent } from '../system-log.js';

/**
 * The System Log, `GET /api/v1/logs`: `since` / `until` (published time; `since` defaults to 7
 * days before `until`, which defaults to now), `filter`, `q` (keywords), `limit` (default 100,
 * at most 1000), `sortOrder` and the opaque `after` cursor. A polling request (no `until`,
 * ascending) always carries a `next` link — Okta's contract, since events may still arrive — so a
 * client stops at a short or empty page; a bounded request's last page has none.
 */

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
const DAY_MS = 86_400_000;

function invalid(name: string, detail: string): SandboxOktaError {
  return new SandboxOktaError('E0000001', `Api validation failed: ${name}`, { causes: [`${name}: ${detail}`] });
}

function timeParam(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null) return undefined;
  const ms = Date.parse(raw);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(raw) || Number.isNaN(ms)) throw invalid(name, 'must be an ISO 8601 timestamp');
  return ms;
}

function queryString(entries: [string, string][]): string {
  return entries.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
}

function listLogs(ctx: RouteContext) {
  const { query } = ctx;
  const rawLimit = query.get('limit');
  if (rawLimit !== null && (!/^\d+$/.test(rawLimit) || Number(rawLimit) > MAX_LIMIT))
    throw invalid('limit', `must be an integer from 0 to ${MAX_LIMIT}`);
  const limit = rawLimit === null ? DEFAULT_LIMIT : Number(rawLimit);
  const sortOrder = query.get('sortOrder') ?? 'ASCENDING';
  if (sortOrder !== 'ASCENDING' && sortOrder !== 'DESCENDING') throw invalid('sortOrder', 'must be ASCENDING or DESCENDING');
  const untilMs = timeParam(query, 'until');
  const sinceMs = timeParam(query, 'since') ?? (untilMs ?? ctx.state.systemLog.nowMs()) - 7 * DAY_MS;
  const filter = query.get('filter');
  const predicate = filter === null ? () => true : parseLogFilter(filter);
  const keywords = (query.get('q') ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  const matchesQ = (e: SandboxLogEvent) =>
    keywords.every((k) =>
      `${e.eventType} ${e.displayMessage} ${e.target.map((t) => `${t.alternateId} ${t.displayName}`).join(' ')}`.toLowerCase().includes(k),
    );

  let events = ctx.state.systemLog
    .list()
    .filter((e) => Date.parse(e.published) >= sinceMs && (untilMs === undefined || Date.parse(e.published) < untilMs))
    .filter((e) => predicate(e) && matchesQ(e));
  if (sortOrder === 'DESCENDING') events = events.reverse();

  const after = query.get('after');
  let start = 0;
  if (after !== null) {
    const at = events.findIndex((e) => e.uuid === after);
    if (at === -1) throw invalid('after', 'is not a cursor this query returned');
    start = at + 1;
  }
  const page = events.slice(start, start + limit);
  const polling = untilMs === undefined && sortOrder === 'ASCENDING';
  const entries = [...query.entries()];
  const self = `${ctx.base}/api/v1/logs${entries.length > 0 ? `?${queryString(entries)}` : ''}`;
  const links = [`<${self}>; rel="self"`];
  const more = start + limit < events.length;
  if (polling || more) {
    // The cursor is the last event returned; an empty poll keeps the one it was given.
    const cursor = page.at(-1)?.uuid ?? after;
    const next = entries.filter(([k]) => k !== 'after');
    if (cursor !== null) next.push(['after', cursor]);
    links.push(`<${ctx.base}/api/v1/logs?${queryString(next)}>; rel="next"`);
  }
  return { body: page.map(logEventJson), headers: { link: links } };
}

export const oktaLogRoutes: ApiRoute[] = [{ method: 'GET', template: '/api/v1/logs', scope: 'okta.logs.read', handle: listLogs }];
