import { SandboxOktaError } from './okta-errors.js';

/**
 * Okta's cursor pagination: `limit` caps a page, `after` is the id of the last item already
 * seen, and the response carries RFC 8288 `Link` headers — `rel="self"` always and
 * `rel="next"` only while more items remain — which clients follow verbatim.
 */

export interface PageOptions {
  /** Page size when the request gives no `limit`. */
  defaultLimit: number;
  /** Larger limits are silently lowered to this, as Okta does. */
  maxLimit: number;
  /** Absolute URL of the collection, without query (e.g. `http://127.0.0.1:1234/api/v1/users`). */
  collectionUrl: string;
  /** False for `q=` searches, which Okta does not paginate. */
  paginate?: boolean;
}

export interface Page<T> {
  items: T[];
  /** One value per `Link` header line. */
  links: string[];
}

function queryString(entries: [string, string][]): string {
  if (entries.length === 0) return '';
  return `?${entries.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}`;
}

/** Reads `limit` the way Okta does: a positive integer, capped at the endpoint's maximum. */
function parseLimit(query: URLSearchParams, defaultLimit: number, maxLimit: number): number {
  const raw = query.get('limit');
  if (raw === null) return defaultLimit;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) {
    throw new SandboxOktaError('E0000001', 'Api validation failed: limit', { causes: ['limit: must be a positive integer'] });
  }
  return Math.min(Number(raw), maxLimit);
}

/** One page of `sorted` (ascending ids) after the request's cursor, with its Link headers. */
export function paginate<T extends { id: string }>(sorted: T[], query: URLSearchParams, opts: PageOptions): Page<T> {
  const limit = parseLimit(query, opts.defaultLimit, opts.maxLimit);
  const after = opts.paginate === false ? null : query.get('after');
  const rest = after ? sorted.filter((item) => item.id > after) : sorted;
  const items = rest.slice(0, limit);
  const entries = [...query.entries()];
  const links = [`<${opts.collectionUrl}${queryString(entries)}>; rel="self"`];
  const last = items[items.length - 1];
  if (opts.paginate !== false && rest.length > limit && last) {
    const next = entries.filter(([k]) => k !== 'after');
    if (!next.some(([k]) => k === 'limit')) next.push(['limit', String(limit)]);
    const at = entries.findIndex(([k]) => k === 'after');
    next.splice(at === -1 ? next.length : at, 0, ['after', last.id]);
    links.push(`<${opts.collectionUrl}${queryString(next)}>; rel="next"`);
  }
  return { items, links };
}
