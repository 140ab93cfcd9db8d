import type { Logger } from 'pino';
import { AppError } from '../../errors/error-codes.js';
import { nowMs } from '../../time.js';
import { VERSION } from '../../version.js';
import { signatureHeaders } from './signature.js';
import type { ExternalExecutorClient, ExternalJob, ExternalStoreConfig } from './types.js';

type ConnectorFetch = (input: string, init: RequestInit) => Promise<Response>;

export interface ExternalExecutorConnectorOptions {
  logger?: Logger;
  /** For tests; default the global fetch. */
  fetch?: ConnectorFetch;
}

/** How much of an answer's body is read: enough for the message, never an unbounded download. */
const MAX_BODY_BYTES = 4096;
const MAX_SNIPPET_CHARS = 200;
/** Visible ASCII: what a header value can carry without surprises. */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * The executor's job webhook. One attempt per call: the job queue retries what is retryable.
 * 408, 429, 5xx, network errors and timeouts → EXECUTOR_UNAVAILABLE (retried with backoff); any
 * other answer that is not 2xx, a redirect included → EXECUTOR_REJECTED (the request fails
 * visibly). Errors and logs name the URL without its query (it might carry a key) and never a secret.
 */
export function buildExternalExecutorClient(
  config: ExternalStoreConfig,
  options: ExternalExecutorConnectorOptions = {},
): ExternalExecutorClient {
  const doFetch: ConnectorFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const secrets = config.nextSecret === undefined ? [config.secret] : [config.secret, config.nextSecret];
  const where = describeUrl(config.url);
  const userAgent = `resetdesk/${VERSION}`;

  return {
    url: config.url,
    secrets,
    async dispatch(job: ExternalJob, idempotencyKey: string) {
      if (!IDEMPOTENCY_KEY.test(idempotencyKey)) throw new TypeError('The idempotency key must be 1-255 visible ASCII characters.');
      const body = JSON.stringify(job);
      const headers: Record<string, string> = {
        accept: 'application/json',
        'content-type': 'application/json',
        'user-agent': userAgent,
        'idempotency-key': idempotencyKey,
        ...signatureHeaders(secrets, body, nowMs() / 1000),
      };
      let status: number;
      let text: string;
      try {
        const response = await doFetch(config.url, {
          method: 'POST',
          headers,
          body,
          redirect: 'error',
          signal: AbortSignal.timeout(config.requestTimeoutMs),
        });
        status = response.status;
        text = await readSnippet(response);
      } catch (err) {
        if (isRedirectRefusal(err)) {
          // Following it would send the signed job somewhere else; the configured URL is wrong.
          throw new AppError('EXECUTOR_REJECTED', `External executor at ${where}: answered with a redirect; set url to the final address.`);
        }
        const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
        const reason = timedOut ? `no answer within ${config.requestTimeoutMs} ms` : describeNetworkError(err);
        throw new AppError('EXECUTOR_UNAVAILABLE', `External executor at ${where}: sending the job failed: ${reason}.`, {
          timeout: timedOut,
        });
      }

      const said = summary(text);
      if (status >= 200 && status < 300) {
        options.logger?.debug({ requestId: job.request_id, executor: where, httpStatus: status }, 'external executor accepted the job');
        return { status };
      }
      if (status === 408 || status === 429 || status >= 500) {
        throw new AppError('EXECUTOR_UNAVAILABLE', `External executor at ${where}: answered ${status}${said}.`, { httpStatus: status });
      }
      throw new AppError('EXECUTOR_REJECTED', `External executor at ${where}: refused the job: answered ${status}${said}.`, {
        httpStatus: status,
      });
    },
  };
}

/** The first MAX_BODY_BYTES of the body as text; the rest is discarded unread. */
async function readSnippet(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < MAX_BODY_BYTES) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  if (size >= MAX_BODY_BYTES) await reader.cancel().catch(() => undefined);
  return Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString('utf8');
}

/** ` (<at most 200 chars of the body>)`, on one line: the executor's words may explain a refusal. */
function summary(text: string): string {
  const flat = text.replace(/\p{Cc}+/gu, ' ').trim();
  return flat ? ` (${flat.slice(0, MAX_SNIPPET_CHARS)})` : '';
}

function describeUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}

/** undici refuses a redirect (with `redirect: 'error'`) as a TypeError whose cause says so. */
function isRedirectRefusal(err: unknown): boolean {
  const cause = (err as { cause?: { message?: unknown } } | null)?.cause;
  return typeof cause?.message === 'string' && cause.message.includes('redirect');
}

function describeNetworkError(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  const cause = e.cause?.code ?? e.cause?.message;
  return [e.message ?? String(err), cause].filter(Boolean).join(': ');
}
