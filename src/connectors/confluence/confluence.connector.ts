import type { Logger } from 'pino';
import { z } from 'zod';
import { AppError } from '../../errors/error-codes.js';
import { VERSION } from '../../version.js';
import type { ConfluenceClient, ConfluenceConfig, ConfluencePage } from './types.js';

type ConnectorFetch = (input: string, init: RequestInit) => Promise<Response>;

export interface ConfluenceConnectorOptions {
  logger?: Logger;
  /** For tests; default the global fetch. */
  fetch?: ConnectorFetch;
}

/** The fields of a v2 page answer that resetdesk reads; anything else is ignored. */
const pageAnswer = z.object({
  id: z.union([z.string(), z.number()]).transform(String),
  status: z.string(),
  title: z.string(),
  version: z.object({ number: z.number().int(), createdAt: z.string().optional() }),
  body: z.object({
    storage: z.object({ value: z.string(), representation: z.literal('storage') }).optional(),
  }),
});

/**
 * Reads one page through the Confluence Cloud REST API v2 with Basic credentials (email and API
 * token). One attempt per call: the sync schedule is the retry. Errors name the page and the HTTP
 * status, never the credentials.
 */
export function buildConfluenceClient(config: ConfluenceConfig, options: ConfluenceConnectorOptions = {}): ConfluenceClient {
  const doFetch: ConnectorFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const authorization = `Basic ${Buffer.from(`${config.email}:${config.apiToken}`, 'utf8').toString('base64')}`;
  const userAgent = config.userAgent ?? `resetdesk/${VERSION}`;
  const pageId = config.pageId;
  const apiUrl = `${config.baseUrl}/wiki/api/v2/pages/${encodeURIComponent(pageId)}?body-format=storage`;
  const where = `Confluence page ${pageId} at ${config.baseUrl}`;

  return {
    pageId,
    pageUrl: `${config.baseUrl}/wiki/pages/viewpage.action?pageId=${encodeURIComponent(pageId)}`,
    async fetchPage(): Promise<ConfluencePage> {
      let response: Response;
      let text: string;
      try {
        response = await doFetch(apiUrl, {
          method: 'GET',
          headers: { Accept: 'application/json', Authorization: authorization, 'User-Agent': userAgent },
          redirect: 'error',
          signal: AbortSignal.timeout(config.timeoutMs),
        });
        text = await response.text();
      } catch (err) {
        const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
        const reason = timedOut ? `no answer within ${config.timeoutMs} ms` : describeNetworkError(err);
        throw new AppError('CONFLUENCE_UNAVAILABLE', `${where} could not be read: ${reason}.`, { timeout: timedOut });
      }
      const status = response.status;
      if (status === 401 || status === 403) {
        throw new AppError(
          'CONFLUENCE_AUTH_FAILED',
          `${where}: Confluence answered ${status}: ${status === 401 ? 'the email and API token were not accepted (CONFLUENCE_EMAIL, CONFLUENCE_API_TOKEN)' : 'the account may not read this page'}.`,
          { httpStatus: status },
        );
      }
      if (status === 404) {
        throw new AppError(
          'CONFLUENCE_PAGE_NOT_FOUND',
          `${where} is gone: Confluence answered 404 (deleted, moved to the trash, or not visible to ${config.email}).`,
          { httpStatus: status },
        );
      }
      if (status === 429 || status >= 500) {
        throw new AppError('CONFLUENCE_UNAVAILABLE', `${where} could not be read: Confluence answered ${status}${summary(text)}.`, {
          httpStatus: status,
        });
      }
      if (status !== 200) {
        throw new AppError('CONFLUENCE_ERROR', `${where}: Confluence answered ${status}${summary(text)}.`, { httpStatus: status });
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new AppError('CONFLUENCE_ERROR', `${where}: the answer is not JSON.`, { httpStatus: status });
      }
      const parsed = pageAnswer.safeParse(json);
      if (!parsed.success) {
        const first = parsed.error.issues[0];
        throw new AppError(
          'CONFLUENCE_ERROR',
          `${where}: the answer is not a page (${first?.path.join('.') || 'body'}: ${first?.message}).`,
          {
            httpStatus: status,
          },
        );
      }
      const page = parsed.data;
      if (!page.body.storage)
        throw new AppError('CONFLUENCE_ERROR', `${where}: the answer has no storage-format body.`, { httpStatus: status });
      options.logger?.debug({ pageId, version: page.version.number }, 'Confluence page read');
      return {
        id: page.id,
        title: page.title,
        status: page.status,
        version: page.version.number,
        versionCreatedAt: page.version.createdAt ?? null,
        storage: page.body.storage.value,
      };
    },
  };
}

/** The first error title or message of an Atlassian error body, for the message; never the request. */
function summary(text: string): string {
  try {
    const body = JSON.parse(text) as { errors?: { title?: unknown; detail?: unknown }[]; message?: unknown };
    const first = body.errors?.[0];
    const said = first ? [first.title, first.detail].filter((s) => typeof s === 'string' && s).join(': ') : body.message;
    return typeof said === 'string' && said ? ` (${said.slice(0, 200)})` : '';
  } catch {
    return '';
  }
}

function describeNetworkError(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  const cause = e.cause?.code ?? e.cause?.message;
  return [e.message ?? String(err), cause].filter(Boolean).join(': ');
}
