import type { Logger } from 'pino';
import { z } from 'zod';
import { AppError } from '../../errors/error-codes.js';
import { nowMs } from '../../time.js';
import { VERSION } from '../../version.js';
import type { IncidentRef, NewIncident, ServiceNowClient, ServiceNowConfig } from './types.js';

type ConnectorFetch = (input: string, init: RequestInit) => Promise<Response>;

export interface ServiceNowConnectorOptions {
  logger?: Logger;
  /** For tests; default the global fetch. */
  fetch?: ConnectorFetch;
}

/** The fields resetdesk asks for (`sysparm_fields`) and reads; anything else is ignored. */
const FIELDS = 'sys_id,number';
const incidentRecord = z.object({ sys_id: z.string().min(1), number: z.string().min(1) });
const oneRecord = z.object({ result: incidentRecord });
const records = z.object({ result: z.array(incidentRecord) });
const tokenAnswer = z.object({ access_token: z.string().min(1), expires_in: z.coerce.number().positive().optional() });

/** A token is refreshed this long before it expires, so no call carries one that lapses in flight. */
const TOKEN_MARGIN_MS = 60_000;

/**
 * The incident table through ServiceNow's Table API (`/api/now/table/incident`), with Basic
 * credentials or an OAuth client-credentials token from `/oauth_token.do` (cached until shortly
 * before it expires; a 401 drops it and the call is tried once more with a new one). One attempt
 * per call otherwise: the job queue retries. Errors name the call and the HTTP status, never the
 * credentials: 401/403 → SERVICENOW_AUTH_FAILED, 429/5xx/network/timeout →
 * SERVICENOW_UNAVAILABLE, anything else → SERVICENOW_ERROR.
 */
export function buildServiceNowClient(config: ServiceNowConfig, options: ServiceNowConnectorOptions = {}): ServiceNowClient {
  const doFetch: ConnectorFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const base = config.instanceUrl;
  const userAgent = config.userAgent ?? `resetdesk/${VERSION}`;
  const tableUrl = `${base}/api/now/table/incident`;
  let token: { value: string; expiresAt: number } | null = null;
  let pendingToken: Promise<string> | null = null;

  async function exchange(what: string, url: string, init: RequestInit): Promise<{ status: number; text: string }> {
    try {
      const response = await doFetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(config.timeoutMs) });
      return { status: response.status, text: await response.text() };
    } catch (err) {
      const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
      const reason = timedOut ? `no answer within ${config.timeoutMs} ms` : describeNetworkError(err);
      throw new AppError('SERVICENOW_UNAVAILABLE', `ServiceNow at ${base}: ${what} failed: ${reason}.`, { timeout: timedOut });
    }
  }

  function failure(what: string, status: number, text: string): AppError {
    if (status === 401 || status === 403) {
      const hint =
        config.auth.kind === 'basic' ? 'SERVICENOW_USERNAME and SERVICENOW_PASSWORD' : 'SERVICENOW_CLIENT_ID and SERVICENOW_CLIENT_SECRET';
      const why = status === 401 ? `the credentials were not accepted (${hint})` : 'the account lacks the role for the incident table';
      return new AppError('SERVICENOW_AUTH_FAILED', `ServiceNow at ${base}: ${what}: answered ${status}: ${why}${summary(text)}.`, {
        httpStatus: status,
      });
    }
    if (status === 429 || status >= 500) {
      return new AppError('SERVICENOW_UNAVAILABLE', `ServiceNow at ${base}: ${what}: answered ${status}${summary(text)}.`, {
        httpStatus: status,
      });
    }
    return new AppError('SERVICENOW_ERROR', `ServiceNow at ${base}: ${what}: answered ${status}${summary(text)}.`, { httpStatus: status });
  }

  async function fetchToken(): Promise<string> {
    if (config.auth.kind !== 'oauth') throw new Error('not an OAuth configuration');
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: config.auth.clientId,
      client_secret: config.auth.clientSecret,
    });
    const { status, text } = await exchange('the OAuth token request', `${base}/oauth_token.do`, {
      method: 'POST',
      headers: { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded', 'User-Agent': userAgent },
      body: form.toString(),
    });
    // The token endpoint answers 401 (or 400 invalid_client) to wrong client credentials.
    if (status === 400 || status === 401) throw failure('the OAuth token request', 401, text);
    if (status !== 200) throw failure('the OAuth token request', status, text);
    const parsed = tokenAnswer.safeParse(safeJson(text));
    if (!parsed.success) throw new AppError('SERVICENOW_ERROR', `ServiceNow at ${base}: the OAuth token answer has no access_token.`);
    const lifetimeMs = (parsed.data.expires_in ?? 1800) * 1000;
    token = { value: parsed.data.access_token, expiresAt: nowMs() + Math.max(0, lifetimeMs - TOKEN_MARGIN_MS) };
    options.logger?.debug({ expiresInMs: lifetimeMs }, 'ServiceNow OAuth token obtained');
    return token.value;
  }

  async function authorization(): Promise<string> {
    if (config.auth.kind === 'basic') {
      return `Basic ${Buffer.from(`${config.auth.username}:${config.auth.password}`, 'utf8').toString('base64')}`;
    }
    if (token && token.expiresAt > nowMs()) return `Bearer ${token.value}`;
    // Concurrent calls share one token request.
    pendingToken ??= fetchToken().finally(() => {
      pendingToken = null;
    });
    return `Bearer ${await pendingToken}`;
  }

  /** One Table API call; the parsed `result` envelope of a 200/201, else the error. */
  async function call<T>(what: string, method: string, url: string, schema: z.ZodType<T>, body?: unknown): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const headers: Record<string, string> = { Accept: 'application/json', Authorization: await authorization(), 'User-Agent': userAgent };
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      const { status, text } = await exchange(what, url, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      if (status === 401 && config.auth.kind === 'oauth' && attempt === 1) {
        // The token was revoked or expired early: get a new one and try once more.
        token = null;
        continue;
      }
      if (status !== 200 && status !== 201) throw failure(what, status, text);
      const parsed = schema.safeParse(safeJson(text));
      if (!parsed.success) {
        const first = parsed.error.issues[0];
        throw new AppError(
          'SERVICENOW_ERROR',
          `ServiceNow at ${base}: ${what}: the answer is not the expected result (${first?.path.join('.') || 'body'}: ${first?.message}).`,
          { httpStatus: status },
        );
      }
      return parsed.data;
    }
  }

  const ref = (r: { sys_id: string; number: string }): IncidentRef => ({ sysId: r.sys_id, number: r.number });
  const query = (params: Record<string, string>) => new URLSearchParams(params).toString();

  return {
    instanceUrl: base,
    incidentUrl: (sysId) => `${base}/nav_to.do?uri=${encodeURIComponent(`incident.do?sys_id=${sysId}`)}`,
    async findIncident(correlationId) {
      const url = `${tableUrl}?${query({
        sysparm_query: `correlation_id=${correlationId}`,
        sysparm_limit: '1',
        sysparm_fields: FIELDS,
      })}`;
      const answer = await call('looking the incident up', 'GET', url, records);
      const first = answer.result[0];
      return first ? ref(first) : null;
    },
    async createIncident(incident: NewIncident) {
      const url = `${tableUrl}?${query({ sysparm_input_display_value: 'true', sysparm_fields: FIELDS })}`;
      return ref((await call('creating the incident', 'POST', url, oneRecord, incident)).result);
    },
    async updateIncident(sysId, fields) {
      const url = `${tableUrl}/${encodeURIComponent(sysId)}?${query({ sysparm_input_display_value: 'true', sysparm_fields: FIELDS })}`;
      return ref((await call(`updating incident ${sysId}`, 'PATCH', url, oneRecord, fields)).result);
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** ServiceNow's error body `{ error: { message, detail }, status: "failure" }`, for the message; never the request. */
function summary(text: string): string {
  const body = safeJson(text) as { error?: { message?: unknown; detail?: unknown } | string; error_description?: unknown } | undefined;
  if (!body || typeof body !== 'object') return '';
  const error = body.error;
  const said =
    typeof error === 'object' && error !== null
      ? [error.message, error.detail].filter((s) => typeof s === 'string' && s).join(': ')
      : [error, body.error_description].filter((s) => typeof s === 'string' && s).join(': ');
  return said ? ` (${said.slice(0, 200)})` : '';
}

function describeNetworkError(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  const cause = e.cause?.code ?? e.cause?.message;
  return [e.message ?? String(err), cause].filter(Boolean).join(': ');
}
