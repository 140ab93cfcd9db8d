/**
 * The request core every Okta call goes through: headers, per-attempt timeout, retries with
 * backoff, rate-limit buckets, the one 401 retry with a fresh OAuth token, error mapping and
 * same-origin pagination. Operations live in okta.connector.ts.
 */
import { type Span, SpanStatusCode, trace } from '@opentelemetry/api';
import { AppError } from '../../errors/error-codes.js';
import { nextLinkUrl } from './link-header.js';
import type { SharedBudgetLedger } from './okta-cluster-budget.js';
import { oauthErrorFrom, oktaApiErrorFrom, oktaRateLimited, oktaUnavailable, scrubSecrets } from './okta-errors.js';
import { OktaRateLimiter } from './okta-rate-limiter.js';

/** pino-compatible subset. */
export interface OktaLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/**
 * Told of every attempt's answer, for metrics (src/observability/): the operation is the bucket
 * (method + path template), so its values are bounded; nothing of the request or answer is passed.
 */
export interface OktaCallObserver {
  /** `status`: the HTTP status, or 'error' when no answer came (timeout, connection failure). */
  onAttempt(operation: string, status: number | 'error', durationMs: number): void;
}

/** Supplies the Authorization header; implemented in okta-auth.ts. */
export interface OktaCredentials {
  authorization(): Promise<string>;
  /** The API answered 401 to `authorization`; true when a retry with a new credential may work. */
  rejected(authorization: string): boolean;
  /** Every secret currently held, to scrub from error messages. */
  secrets(): string[];
}

export interface OktaHttpDeps {
  orgUrl: string;
  timeoutMs: number;
  maxRetries: number;
  userAgent: string;
  fetch: typeof fetch;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  logger: OktaLogger | undefined;
  observer?: OktaCallObserver | undefined;
  /** Okta's budget shared with the other instances on the same database (okta-cluster-budget.ts). */
  ledger?: SharedBudgetLedger | undefined;
}

export interface OktaRequest {
  method: 'GET' | 'POST' | 'DELETE';
  /** A path under orgUrl (`/api/v1/users`) or an absolute URL on orgUrl (a next link). */
  url: string;
  /** Rate-limit bucket and the name used in logs and errors: method + path template. */
  bucket: string;
  query?: Record<string, string>;
  form?: URLSearchParams;
  json?: unknown;
  /** false only for the token endpoint, which authenticates with its form. */
  authenticated?: boolean;
  /** Statuses the caller handles (e.g. 404 → null), returned instead of thrown. */
  passStatuses?: readonly number[];
  /** Overrides the connector's maxRetries for this request (a readiness probe wants 0). */
  maxRetries?: number;
  /**
   * Whether sending the request twice is harmless. Non-idempotent requests are only retried
   * when Okta certainly did not act: 429, 503, or no connection was made.
   */
  idempotent: boolean;
  errorStyle?: 'api' | 'oauth';
}

export interface OktaResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON, the raw text when not JSON, or undefined when empty. */
  body: unknown;
  url: string;
}

type FailureKind = 'timeout' | 'connect' | 'network';

// Errors raised before any byte of the request reached Okta: always safe to retry.
const CONNECT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

function classifyFailure(err: unknown): { kind: FailureKind; reason: string } {
  const error = err as { name?: string; cause?: { code?: string; name?: string } } | undefined;
  if (error?.name === 'TimeoutError' || error?.name === 'AbortError') return { kind: 'timeout', reason: 'timed out' };
  const code = error?.cause?.code;
  if (code && CONNECT_CODES.has(code)) return { kind: 'connect', reason: code };
  return { kind: 'network', reason: code ?? error?.cause?.name ?? error?.name ?? 'network error' };
}

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text();
  if (text === '') return undefined;
  const type = res.headers.get('content-type') ?? '';
  if (!type.includes('json')) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

const MAX_PAGES = 1000;

// A no-op until an OpenTelemetry SDK is registered (src/observability/tracing.ts).
const tracer = trace.getTracer('resetdesk');

/** What one answer adds to the call's span: its status and the bucket's remaining budget. */
function traceAnswer(span: Span, res: Response): void {
  span.setAttribute('http.response.status_code', res.status);
  const remaining = Number.parseInt(res.headers.get('x-rate-limit-remaining') ?? '', 10);
  if (Number.isFinite(remaining)) span.setAttribute('okta.rate_limit.remaining', remaining);
}

export class OktaHttp {
  readonly limiter: OktaRateLimiter;
  private readonly org: URL;
  private readonly credentials: OktaCredentials;

  constructor(
    private readonly deps: OktaHttpDeps,
    makeCredentials: (http: OktaHttp) => OktaCredentials,
  ) {
    this.org = new URL(deps.orgUrl);
    this.limiter = new OktaRateLimiter({
      now: deps.now,
      sleep: deps.sleep,
      random: deps.random,
      onWait: (bucket, waitMs) => deps.logger?.info({ bucket, waitMs }, 'okta rate-limit budget spent; waiting for reset'),
      ledger: deps.ledger,
      onLedgerError: (bucket, err) =>
        deps.logger?.warn(
          { bucket, err: (err as Error).message },
          'okta budget ledger unavailable; this instance counts alone for a while',
        ),
    });
    this.credentials = makeCredentials(this);
  }

  /** True when `url` is on orgUrl's origin and under its path: the only place a token may go. */
  isOrgUrl(url: string): boolean {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return false;
    }
    const base = this.org.pathname.replace(/\/+$/, '');
    return target.origin === this.org.origin && (base === '' || target.pathname === base || target.pathname.startsWith(`${base}/`));
  }

  private buildUrl(req: OktaRequest): string {
    const url = /^https?:\/\//i.test(req.url) ? req.url : `${this.deps.orgUrl}${req.url}`;
    if (!this.isOrgUrl(url)) throw new AppError('OKTA_ERROR', `Refusing to call ${req.bucket} outside orgUrl`);
    if (!req.query) return url;
    // encodeURIComponent rather than URLSearchParams: `%20`, not `+`, as Okta's docs show.
    const query = Object.entries(req.query)
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
      .join('&');
    return `${url}${url.includes('?') ? '&' : '?'}${query}`;
  }

  private backoffMs(retry: number): number {
    const ceiling = Math.min(8_000, 250 * 2 ** (retry - 1));
    return Math.round(ceiling / 2 + this.deps.random() * (ceiling / 2));
  }

  /** One call, all its attempts in one span (`okta <bucket>`) when tracing is on. */
  request(req: OktaRequest): Promise<OktaResponse> {
    const attributes = { 'http.request.method': req.method, 'url.template': req.bucket.replace(/^[A-Z]+ /, '') };
    return tracer.startActiveSpan(`okta ${req.bucket}`, { attributes }, async (span) => {
      try {
        return await this.send(req, span);
      } catch (err) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
        if (err instanceof AppError) span.setAttribute('error.type', err.code);
        throw err;
      } finally {
        span.end();
      }
    });
  }

  private async send(req: OktaRequest, span: Span): Promise<OktaResponse> {
    const url = this.buildUrl(req);
    const op = req.bucket;
    const { logger } = this.deps;
    const maxRetries = req.maxRetries ?? this.deps.maxRetries;
    let retries = 0;
    let sends = 0;
    let authRetried = false;

    const retryAfter = async (waitMs: number, why: object): Promise<void> => {
      retries += 1;
      logger?.warn({ op, attempt: sends, waitMs, ...why }, 'okta request will be retried');
      await this.deps.sleep(waitMs);
    };

    for (;;) {
      const authorization = req.authenticated === false ? undefined : await this.credentials.authorization();
      const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': this.deps.userAgent };
      if (authorization) headers.Authorization = authorization;
      let body: string | undefined;
      if (req.form) {
        headers['Content-Type'] = 'application/x-www-form-urlencoded';
        body = req.form.toString();
      } else if (req.json !== undefined) {
        headers['Content-Type'] = 'application/json';
        body = JSON.stringify(req.json);
      } else if (req.method === 'POST') {
        // Okta documents its body-less lifecycle POSTs with a JSON content type.
        headers['Content-Type'] = 'application/json';
      }

      const ticket = await this.limiter.acquire(op);
      sends += 1;
      span.setAttribute('okta.attempts', sends);
      const started = this.deps.now();
      let res: Response;
      let parsed: unknown;
      try {
        res = await this.deps.fetch(url, {
          method: req.method,
          headers,
          body,
          redirect: 'manual', // a redirect could carry the credential elsewhere
          signal: AbortSignal.timeout(this.deps.timeoutMs),
        });
        parsed = await readBody(res);
      } catch (err) {
        this.limiter.complete(op, undefined, ticket);
        this.deps.observer?.onAttempt(op, 'error', this.deps.now() - started);
        const failure = classifyFailure(err);
        const retryable = req.idempotent || failure.kind === 'connect';
        if (!retryable || retries >= maxRetries) {
          throw oktaUnavailable(op, failure.reason, sends, !req.idempotent && failure.kind !== 'connect');
        }
        await retryAfter(this.backoffMs(retries + 1), { failure: failure.reason });
        continue;
      }
      this.limiter.complete(op, res.headers, ticket);
      traceAnswer(span, res);
      this.deps.observer?.onAttempt(op, res.status, this.deps.now() - started);
      logger?.debug({ op, status: res.status, attempt: sends, ms: this.deps.now() - started }, 'okta response');

      if (res.status === 429) {
        if (retries >= maxRetries) throw oktaRateLimited(op, sends);
        if (this.limiter.markSpent(op, res.headers)) {
          // The next acquire() waits for X-Rate-Limit-Reset (plus jitter) before resending.
          retries += 1;
          logger?.warn({ op, attempt: sends, status: 429 }, 'okta rate limit hit; retrying after the reset');
        } else {
          await retryAfter(this.backoffMs(retries + 1), { status: 429 });
        }
        continue;
      }
      if (res.status >= 500) {
        // 503 means Okta did not take the request; other 5xx may follow a partial write.
        const retryable = req.idempotent || res.status === 503;
        if (!retryable || retries >= maxRetries) {
          const summary = oktaApiErrorFrom(res.status, op, parsed, this.credentials.secrets()).message;
          throw oktaUnavailable(op, summary, sends, !retryable);
        }
        await retryAfter(this.backoffMs(retries + 1), { status: res.status });
        continue;
      }
      if (res.status === 401 && authorization && !authRetried && this.credentials.rejected(authorization)) {
        // A cached OAuth token may have been revoked or expired early: one retry with a new one.
        authRetried = true;
        logger?.info({ op }, 'okta rejected the access token; retrying once with a new one');
        continue;
      }
      if ((res.status >= 200 && res.status < 300) || req.passStatuses?.includes(res.status)) {
        return { status: res.status, headers: res.headers, body: parsed, url };
      }
      const secrets = this.credentials.secrets();
      throw req.errorStyle === 'oauth' ? oauthErrorFrom(res.status, parsed, secrets) : oktaApiErrorFrom(res.status, op, parsed, secrets);
    }
  }

  /** GETs every page of a list, following `Link: <…>; rel="next"` only on orgUrl. */
  async listAll(path: string, bucket: string, query?: Record<string, string>): Promise<unknown[]> {
    const items: unknown[] = [];
    const seen = new Set<string>();
    let next: { url: string; query?: Record<string, string> } | undefined = query ? { url: path, query } : { url: path };
    for (let page = 1; next; page += 1) {
      if (page > MAX_PAGES) throw new AppError('OKTA_ERROR', `Okta returned more than ${MAX_PAGES} pages for ${bucket}`);
      const res = await this.request({ method: 'GET', bucket, idempotent: true, ...next });
      if (!Array.isArray(res.body)) throw new AppError('OKTA_ERROR', `Okta answered ${bucket} with something other than a list`);
      items.push(...(res.body as unknown[]));
      const link = nextLinkUrl(res.headers.get('link'), res.url);
      if (!link) break;
      if (!this.isOrgUrl(link)) {
        // Fail closed: a partial group list could hide a privileged group from the policy.
        throw new AppError(
          'OKTA_ERROR',
          scrubSecrets(
            `Okta's next link for ${bucket} points outside orgUrl (${new URL(link).origin}); not followed`,
            this.credentials.secrets(),
          ),
        );
      }
      if (seen.has(link)) throw new AppError('OKTA_ERROR', `Okta's pagination for ${bucket} loops`);
      seen.add(link);
      next = { url: link };
    }
    return items;
  }
}
