import { createSign, generateKeyPairSync, type KeyObject, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Microsoft's side of a Teams bot on 127.0.0.1, in its wire formats, written from the Bot
 * Framework's documentation: the OpenID metadata and JWKS whose key signs inbound tokens
 * (endorsed for `msteams`), Entra's client-credentials token endpoint (client id and secret
 * checked), and the Bot Connector API under `/teams/` (`POST|PUT …/v3/conversations/{id}/activities`,
 * `GET …/members/{id}`), which wants one of the tokens it issued. Helpers sign activities the way
 * the Bot Framework does (RS256 JWT, issuer https://api.botframework.com, audience the app id,
 * `serviceurl` claim), with node:crypto.
 */
interface FakeTeamsMember {
  aadObjectId: string;
  name: string;
  email?: string;
  userPrincipalName?: string;
}

interface ConnectorCall {
  method: 'POST' | 'PUT' | 'GET';
  conversationId: string;
  /** The activity id of a PUT, the member id of a GET. */
  targetId: string | null;
  body: Record<string, unknown> | null;
  token: string | null;
}

export interface FakeTeams {
  url: string;
  appId: string;
  appPassword: string;
  tenantId: string;
  openIdMetadataUrl: string;
  loginUrl: string;
  /** The Bot Connector service, as Teams names it in activities' serviceUrl. */
  serviceUrl: string;
  /** Teams user id (29:…) → who they are. */
  members: Map<string, FakeTeamsMember>;
  /** The environment resetdesk needs to use this fake. */
  env(extra?: Record<string, string>): Record<string, string>;
  /** A signed Bearer token for `activity`, as the Bot Framework would send it; `claims` override, `key: 'other'` signs with a key not in the JWKS. */
  tokenFor(activity: { serviceUrl: string }, opts?: { claims?: Record<string, unknown>; key?: 'other' }): string;
  message(opts: ActivityOptions & { text?: string; value?: unknown }): Record<string, unknown>;
  invoke(opts: ActivityOptions & { verb: string; data: Record<string, unknown> }): Record<string, unknown>;
  calls(): ConnectorCall[];
  /** Posted activities (POST), in order. */
  posted(conversationId?: string): ConnectorCall[];
  updated(conversationId?: string): ConnectorCall[];
  tokenRequests(): number;
  clearCalls(): void;
  close(): Promise<void>;
}

interface ActivityOptions {
  from: string;
  conversationId: string;
  conversationType?: 'personal' | 'groupChat' | 'channel';
  tenantId?: string;
  serviceUrl?: string;
}

const b64url = (v: Buffer | string) => Buffer.from(v).toString('base64url');

export async function startFakeTeams(): Promise<FakeTeams> {
  const appId = randomUUID();
  const appPassword = 'fake-teams-client-secret~0123456789';
  const tenantId = randomUUID();
  const kid = 'fake-bf-key-1';
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const jwk = publicKey.export({ format: 'jwk' });
  const issued = new Set<string>();
  let tokenCount = 0;
  let seq = 1000;
  const next = () => {
    seq += 1;
    return seq;
  };
  const log: ConnectorCall[] = [];
  const members = new Map<string, FakeTeamsMember>();

  const send = (res: ServerResponse, status: number, body?: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(body === undefined ? '' : JSON.stringify(body));
  };
  const readBody = (req: IncomingMessage) =>
    new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });

  let url = '';
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://teams.invalid').pathname;
    const text = await readBody(req);
    if (req.method === 'GET' && path === '/openid') {
      return send(res, 200, {
        issuer: 'https://api.botframework.com',
        jwks_uri: `${url}/keys`,
        id_token_signing_alg_values_supported: ['RS256'],
      });
    }
    if (req.method === 'GET' && path === '/keys') {
      return send(res, 200, { keys: [{ kty: 'RSA', use: 'sig', kid, n: jwk.n, e: jwk.e, endorsements: ['msteams'] }] });
    }
    if (req.method === 'POST' && path === `/${tenantId}/oauth2/v2.0/token`) {
      const form = new URLSearchParams(text);
      const ok =
        form.get('grant_type') === 'client_credentials' &&
        form.get('client_id') === appId &&
        form.get('client_secret') === appPassword &&
        form.get('scope') === 'https://api.botframework.com/.default';
      if (!ok) return send(res, 401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' });
      tokenCount += 1;
      const token = `fake-bot-token-${tokenCount}-${randomUUID()}`;
      issued.add(token);
      return send(res, 200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: token });
    }
    const m = /^\/teams\/v3\/conversations\/([^/]+)\/(activities|members)(?:\/([^/]+))?$/.exec(path);
    if (m) {
      const token = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1] ?? null;
      const conversationId = decodeURIComponent(m[1]!);
      const targetId = m[3] ? decodeURIComponent(m[3]) : null;
      const body = text ? (JSON.parse(text) as Record<string, unknown>) : null;
      log.push({ method: req.method as ConnectorCall['method'], conversationId, targetId, body, token });
      if (!token || !issued.has(token)) return send(res, 401, { message: 'Authorization has been denied for this request.' });
      if (m[2] === 'members' && req.method === 'GET' && targetId) {
        const member = members.get(targetId);
        if (!member) return send(res, 404, { error: { code: 'MemberNotFoundInConversation', message: 'The member was not found.' } });
        return send(res, 200, {
          id: targetId,
          name: member.name,
          aadObjectId: member.aadObjectId,
          email: member.email,
          userPrincipalName: member.userPrincipalName,
          tenantId,
        });
      }
      if (m[2] === 'activities' && req.method === 'POST' && !targetId) return send(res, 201, { id: `1700000${next()}` });
      if (m[2] === 'activities' && req.method === 'PUT' && targetId) return send(res, 200, { id: targetId });
    }
    return send(res, 404, { error: { code: 'NotFound', message: `${req.method} ${path}` } });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const serviceUrl = `${url}/teams/`;

  function sign(claims: Record<string, unknown>, key: KeyObject): string {
    const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid, x5t: kid }));
    const payload = b64url(JSON.stringify(claims));
    const signature = createSign('RSA-SHA256').update(`${header}.${payload}`).sign(key);
    return `${header}.${payload}.${b64url(signature)}`;
  }

  const base = (o: ActivityOptions) => {
    const type = o.conversationType ?? 'personal';
    const member = members.get(o.from);
    return {
      id: `f:${next()}`,
      timestamp: new Date().toISOString(),
      channelId: 'msteams',
      serviceUrl: o.serviceUrl ?? serviceUrl,
      from: { id: o.from, name: member?.name ?? 'Someone', aadObjectId: member?.aadObjectId ?? randomUUID() },
      conversation: {
        id: o.conversationId,
        conversationType: type,
        tenantId: o.tenantId ?? tenantId,
        ...(type === 'channel' ? { isGroup: true } : {}),
      },
      recipient: { id: `28:${appId}`, name: 'resetdesk' },
      locale: 'en-US',
      channelData: {
        tenant: { id: o.tenantId ?? tenantId },
        ...(type === 'channel' ? { channel: { id: o.conversationId.split(';')[0] } } : {}),
      },
    };
  };

  return {
    url,
    appId,
    appPassword,
    tenantId,
    openIdMetadataUrl: `${url}/openid`,
    loginUrl: `${url}/${tenantId}/oauth2/v2.0/token`,
    serviceUrl,
    members,
    env: (extra = {}) => ({
      MICROSOFT_APP_ID: appId,
      MICROSOFT_APP_PASSWORD: appPassword,
      MICROSOFT_APP_TENANT_ID: tenantId,
      TEAMS_OPENID_METADATA_URL: `${url}/openid`,
      TEAMS_LOGIN_URL: `${url}/${tenantId}/oauth2/v2.0/token`,
      TEAMS_SERVICE_URL: serviceUrl,
      ...extra,
    }),
    tokenFor(activity, opts = {}) {
      const now = Math.floor(Date.now() / 1000);
      const claims = {
        iss: 'https://api.botframework.com',
        aud: appId,
        serviceurl: activity.serviceUrl,
        nbf: now - 60,
        iat: now - 60,
        exp: now + 3600,
        ...opts.claims,
      };
      return sign(claims, opts.key === 'other' ? other : privateKey);
    },
    message: (o) => ({
      type: 'message',
      ...base(o),
      textFormat: 'plain',
      ...(o.text !== undefined ? { text: o.text } : {}),
      ...(o.value !== undefined ? { value: o.value } : {}),
    }),
    invoke: (o) => ({
      type: 'invoke',
      name: 'adaptiveCard/action',
      ...base(o),
      replyToId: '1700000999',
      value: { action: { type: 'Action.Execute', id: o.verb, verb: o.verb, data: o.data }, trigger: 'manual' },
    }),
    calls: () => [...log],
    posted: (conversationId) =>
      log.filter((c) => c.method === 'POST' && (conversationId === undefined || c.conversationId === conversationId)),
    updated: (conversationId) =>
      log.filter((c) => c.method === 'PUT' && (conversationId === undefined || c.conversationId === conversationId)),
    tokenRequests: () => tokenCount,
    clearCalls: () => {
      log.length = 0;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
