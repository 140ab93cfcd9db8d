/**
 * A small RFC 8288 `Link` header parser: Okta paginates every list with
 * `Link: <https://…?after=…&limit=…>; rel="next"`.
 */

export interface WebLink {
  /** Absolute URL (relative targets resolved against the request URL). */
  url: string;
  /** Relation types, lower-cased; `rel` may hold several separated by spaces. */
  rels: string[];
}

// One link-value: <target> followed by `; name=value` / `; name="quoted"` / `; name` params.
const LINK_VALUE = /<([^>]*)>((?:\s*;\s*[!#$%&'*+.^_`|~0-9A-Za-z-]+(?:\s*=\s*(?:"(?:[^"\\]|\\.)*"|[^;,\s]*))?)*)/g;
const PARAM = /;\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)(?:\s*=\s*("(?:[^"\\]|\\.)*"|[^;,\s]*))?/g;

/** Parses every link in a `Link` header (several headers arrive comma-joined). */
export function parseLinkHeader(header: string | null | undefined, baseUrl: string): WebLink[] {
  if (!header) return [];
  const links: WebLink[] = [];
  for (const match of header.matchAll(LINK_VALUE)) {
    const target = match[1] ?? '';
    const params = match[2] ?? '';
    let url: string;
    try {
      url = new URL(target.trim(), baseUrl).toString();
    } catch {
      continue; // An unparseable target is skipped, not fatal: it can only be a link we ignore.
    }
    const rels: string[] = [];
    for (const param of params.matchAll(PARAM)) {
      if ((param[1] ?? '').toLowerCase() !== 'rel') continue;
      let value = param[2] ?? '';
      if (value.startsWith('"')) value = value.slice(1, -1).replace(/\\(.)/g, '$1');
      rels.push(...value.toLowerCase().split(/\s+/).filter(Boolean));
      break; // RFC 8288 §3.3: only the first rel parameter counts.
    }
    links.push({ url, rels });
  }
  return links;
}

/** The `rel="next"` target, if any. */
export function nextLinkUrl(header: string | null | undefined, baseUrl: string): string | undefined {
  return parseLinkHeader(header, baseUrl).find((link) => link.rels.includes('next'))?.url;
}
