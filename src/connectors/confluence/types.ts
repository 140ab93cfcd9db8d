import { z } from 'zod';
import { isLoopbackHost } from '../../config/loopback.js';

/**
 * Confluence connector configuration: which site, who reads, and which page holds the policy.
 * Messages do not repeat the field's name: the caller prefixes it (`confluence.baseUrl`, or
 * `CONFLUENCE_BASE_URL` in loadConfig). The API token never appears in any message.
 */
export const confluenceConfigSchema = z.object({
  /**
   * The site, e.g. `https://example.atlassian.net` (a trailing `/wiki` or slash is dropped: the
   * API lives at `/wiki/api/v2`). `https://` only; plain `http://` on a loopback host (tests).
   */
  baseUrl: z
    .string()
    .trim()
    .refine((v) => isHttpsOrLoopback(v), 'must be an https:// URL such as https://example.atlassian.net (http:// only on a loopback host)')
    .refine((v) => {
      if (!URL.canParse(v)) return true;
      const url = new URL(v);
      return url.search === '' && url.hash === '' && url.username === '' && url.password === '';
    }, 'must not contain credentials, a query or a fragment')
    .transform((v) => v.replace(/\/+$/, '').replace(/\/wiki$/i, '')),
  /** The Atlassian account's email; with the API token it makes the Basic credentials. */
  email: z.string().trim().min(3, 'must be the email of the Atlassian account the API token belongs to'),
  /** An Atlassian API token (id.atlassian.com → Security → API tokens). */
  apiToken: z.string().trim().min(1, 'is required'),
  /** The page's numeric id (in its URL: …/pages/<id>/…). */
  pageId: z
    .string()
    .trim()
    .regex(/^\d{1,20}$/, 'must be the numeric page id (the number in the page URL …/pages/<id>/…)'),
  /** Per call, until the whole answer has been read. */
  timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
  /** Overrides `resetdesk/<version>`. */
  userAgent: z.string().trim().min(1).optional(),
});
/** The parsed configuration (defaults applied). */
export type ConfluenceConfig = z.output<typeof confluenceConfigSchema>;

function isHttpsOrLoopback(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && isLoopbackHost(url.hostname.replace(/^\[|\]$/g, ''));
}

/** A page as resetdesk reads it (GET /wiki/api/v2/pages/{id}?body-format=storage). */
export interface ConfluencePage {
  id: string;
  title: string;
  /** `current`, `archived`, … (a page in the trash or deleted is a 404 unless asked for). */
  status: string;
  /** The page's version number: it goes up with every published edit. */
  version: number;
  /** When that version was published, as Confluence says it. */
  versionCreatedAt: string | null;
  /** The body in storage format (Confluence's XHTML). */
  storage: string;
}

export interface ConfluenceClient {
  readonly pageId: string;
  /** A link people can open: the site's page URL. */
  readonly pageUrl: string;
  /**
   * Reads the policy page. Throws CONFLUENCE_AUTH_FAILED (401/403), CONFLUENCE_PAGE_NOT_FOUND
   * (404: deleted, trashed, or not visible to the account), CONFLUENCE_UNAVAILABLE (network,
   * timeout, 429, 5xx) or CONFLUENCE_ERROR (any other answer, or one without a storage body).
   */
  fetchPage(): Promise<ConfluencePage>;
}
