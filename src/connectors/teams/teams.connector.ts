import type { Logger } from 'pino';
import { z } from 'zod';
import { AppError } from '../../errors/error-codes.js';
import { nowMs } from '../../time.js';
import { BOT_CONNECTOR_SCOPE, TOKEN_RENEW_BEFORE_MS, tokenEndpointOf } from './constant.js';
import { createInboundAuthenticator } from './inbound.js';
import type { OutboundActivity, TeamsConfig, TeamsConnector, TeamsConversationRef } from './types.js';

export interface TeamsConnectorOptions {
  logger?: Logger;
}

/**
 * One Azure Bot in one tenant. Inbound: the Bot Framework SDK checks each activity's token
 * (inbound.ts). Outbound: the Bot Connector REST API (`/v3/conversations/…`) with fetch and the
 * bot's token from the client-credentials grant, cached until shortly before it expires.
 *
 * The token is fetched by hand rather than through the SDK's MSAL credentials: MSAL only accepts
 * an https authority it can discover, so it cannot be pointed at a token endpoint on loopback (the
 * tests' fake Microsoft), and the grant itself is one form POST. The token goes only to a
 * conversation's `serviceUrl` — one that came in a validated activity (the caller stores it) or
 * the configured `serviceUrl` — which the callers pass as a `TeamsConversationRef`; never to a URL
 * read from an unvalidated body. Nothing is called at construction.
 */
export function buildTeamsConnector(config: TeamsConfig, options: TeamsConnectorOptions = {}): TeamsConnector {
  const { logger } = options;
  const authenticate = createInboundAuthenticator(config);
  const tokenUrl = config.loginUrl ?? tokenEndpointOf(config.tenantId);
  let cached: { token: string; renewAt: number } | null = null;
  let pending: Promise<string> | null = null;

  async function fetchToken(): Promise<string> {
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: config.appId,
      client_secret: config.appPassword,
      scope: BOT_CONNECTOR_SCOPE,
    });
    const res = await call('token', tokenUrl, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    if (!res.ok) {
      const code = res.status >= 500 || res.status === 429 ? 'TEAMS_UNAVAILABLE' : 'TEAMS_ERROR';
      // The error's description may echo the client id, never the secret; keep only Entra's error code.
      const error = z.object({ error: z.string() }).safeParse(await res.json().catch(() => null));
      throw new AppError(
        code,
        `Microsoft Entra refused the bot's token (HTTP ${res.status}${error.success ? `, ${error.data.error.slice(0, 80)}` : ''}): check MICROSOFT_APP_ID, MICROSOFT_APP_PASSWORD and MICROSOFT_APP_TENANT_ID.`,
        { httpStatus: res.status },
      );
    }
    const answer = z
      .object({ access_token: z.string().min(1), expires_in: z.coerce.number().positive() })
      .safeParse(await res.json().catch(() => null));
    if (!answer.success) throw new AppError('TEAMS_ERROR', 'Microsoft Entra answered the token request without a token.');
    cached = { token: answer.data.access_token, renewAt: nowMs() + answer.data.expires_in * 1000 - TOKEN_RENEW_BEFORE_MS };
    return cached.token;
  }

  /** The bot's token; concurrent callers share one fetch. */
  async function token(): Promise<string> {
    if (cached && nowMs() < cached.renewAt) return cached.token;
    pending ??= fetchToken().finally(() => {
      pending = null;
    });
    return pending;
  }

  async function call(what: string, url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(config.requestTimeoutMs) });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      const timedOut = e.name === 'TimeoutError' || e.name === 'AbortError';
      throw new AppError('TEAMS_UNAVAILABLE', `Teams: ${what} failed: ${timedOut ? 'no answer in time' : (e.cause?.code ?? e.message)}.`, {
        timeout: timedOut,
      });
    }
  }

  /** One Bot Connector call; failures as TEAMS_UNAVAILABLE (retry) or TEAMS_ERROR (give up). */
  async function connectorCall(what: string, to: TeamsConversationRef, path: string, method: string, body?: unknown): Promise<Response> {
    const url = new URL(
      `v3/conversations/${encodeURIComponent(to.conversationId)}${path}`,
      to.serviceUrl.endsWith('/') ? to.serviceUrl : `${to.serviceUrl}/`,
    );
    const headers: Record<string, string> = { authorization: `Bearer ${await token()}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await call(what, url.toString(), { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    // A token Teams no longer takes (revoked, rotated secret): the next call fetches a new one.
    if (res.status === 401) cached = null;
    if (res.ok || res.status === 404) return res;
    const code = res.status >= 500 || res.status === 429 || res.status === 408 || res.status === 401 ? 'TEAMS_UNAVAILABLE' : 'TEAMS_ERROR';
    logger?.warn({ what, httpStatus: res.status }, 'Teams Bot Connector call failed');
    throw new AppError(code, `Teams: ${what} answered HTTP ${res.status}.`, { httpStatus: res.status });
  }

  const message = (activity: OutboundActivity, to: TeamsConversationRef) => ({
    type: 'message',
    ...activity,
    ...(activity.attachments ? {} : { textFormat: 'plain' }),
    conversation: { id: to.conversationId },
    channelData: { tenant: { id: to.tenantId } },
  });

  return {
    authenticate,
    tenantId: config.tenantId,
    serviceUrl: config.serviceUrl,
    approversConversation: config.approversConversation,

    async send(to, activity) {
      const res = await connectorCall('send activity', to, '/activities', 'POST', message(activity, to));
      if (res.status === 404)
        throw new AppError('TEAMS_ERROR', 'Teams: the conversation does not exist, or the bot is not in it.', { httpStatus: 404 });
      const answer = z.object({ id: z.string().min(1) }).safeParse(await res.json().catch(() => null));
      if (!answer.success) throw new AppError('TEAMS_ERROR', 'Teams: the posted activity came back without an id.');
      return { id: answer.data.id };
    },
    async update(to, activityId, activity) {
      const res = await connectorCall('update activity', to, `/activities/${encodeURIComponent(activityId)}`, 'PUT', {
        ...message(activity, to),
        id: activityId,
      });
      if (res.status === 404) throw new AppError('TEAMS_ERROR', 'Teams: the activity to update is gone.', { httpStatus: 404 });
    },
    async member(to, userId) {
      const res = await connectorCall('member lookup', to, `/members/${encodeURIComponent(userId)}`, 'GET');
      if (res.status === 404) return null;
      const member = z
        .object({
          id: z.string(),
          aadObjectId: z.string().optional(),
          email: z.string().optional(),
          userPrincipalName: z.string().optional(),
        })
        .safeParse(await res.json().catch(() => null));
      if (!member.success) throw new AppError('TEAMS_ERROR', 'Teams: the member lookup answered without a member.');
      const email = (member.data.email?.trim() || member.data.userPrincipalName?.trim() || '').toLowerCase();
      return { id: member.data.id, aadObjectId: member.data.aadObjectId ?? null, email: email.includes('@') ? email : null };
    },
  };
}
