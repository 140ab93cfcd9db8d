import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { escapeHtml, handleLoginInteraction, htmlPage, renderMessagePage } from './demo-login-page.js';
import type { SandboxState } from './sandbox-state.js';

/**
 * The sandbox's demo identity provider: a real OpenID provider (oidc-provider) at
 * `<sandbox>/oidc` whose accounts are the sandbox's users, with their groups as the `groups`
 * claim, and a login page where one picks a demo user (no password). Only `serve`'s demo and
 * tests switch it on; with a real Okta org there is no sandbox and so no demo provider.
 */

/** A relying party the demo provider accepts (resetdesk, once it knows its callback URL). */
interface DemoOidcClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
}

export interface DemoOidcProvider {
  /** `<sandbox url>/oidc`. */
  readonly issuer: string;
  /** Registers (or replaces) a client; until one is registered the provider answers 503. */
  registerClient(client: DemoOidcClient): Promise<void>;
  /** Serves a request under /oidc. */
  handle(req: IncomingMessage, res: ServerResponse): void;
}

/** Mount point under the sandbox's URL. */
export const OIDC_PREFIX = '/oidc';

const SCOPE_CLAIMS = {
  // amr and auth_time go with openid, as in Okta's ID tokens (resetdesk reads amr: MFA at sign-in).
  openid: ['sub', 'amr', 'auth_time'],
  email: ['email', 'email_verified'],
  profile: ['name', 'given_name', 'family_name', 'preferred_username'],
  groups: ['groups'],
};

/** Lifetimes in seconds; oidc-provider asks for each one. */
const TTL = { AccessToken: 600, AuthorizationCode: 60, IdToken: 3600, Interaction: 600, Session: 8 * 3600, Grant: 8 * 3600 };

export async function createDemoOidcProvider(opts: { issuer: string; state: SandboxState; logger: Logger }): Promise<DemoOidcProvider> {
  // Loaded only when the demo provider runs: oidc-provider brings Koa and warns on some runtimes.
  const { Provider } = await import('oidc-provider');
  const clients = new Map<string, DemoOidcClient>();
  // One signing key and cookie key per sandbox: tokens and sessions die with it, as they should.
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwks = { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'sandbox-demo', alg: 'RS256', use: 'sig' }] };
  const cookieKeys = [randomBytes(32).toString('base64url')];
  const store = new Map<string, { payload: Record<string, unknown>; expiresAt: number }>();
  let provider: InstanceType<typeof Provider> | undefined;
  let callback: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;

  const build = () =>
    new Provider(opts.issuer, {
      adapter: memoryAdapter(store),
      jwks,
      cookies: { keys: cookieKeys },
      clients: [...clients.values()].map((c) => ({
        client_id: c.clientId,
        client_secret: c.clientSecret,
        redirect_uris: c.redirectUris,
        post_logout_redirect_uris: c.postLogoutRedirectUris,
        token_endpoint_auth_method: 'client_secret_basic',
      })),
      scopes: Object.keys(SCOPE_CLAIMS),
      claims: SCOPE_CLAIMS,
      pkce: { required: () => true },
      ttl: TTL,
      clientBasedCORS: () => false,
      features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource } },
      interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `${OIDC_PREFIX}/interaction/${interaction.uid}` },
      findAccount: (_ctx: unknown, sub: string) => findAccount(opts.state, sub),
      loadExistingGrant,
      renderError,
    });

  return {
    issuer: opts.issuer,
    async registerClient(client) {
      clients.set(client.clientId, client);
      provider = build();
      callback = provider.callback();
    },
    handle(req, res) {
      if (!provider || !callback) {
        renderMessagePage(res, 503, 'Not ready', 'No application has registered with the demo identity provider yet.');
        return;
      }
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      if (path.startsWith(`${OIDC_PREFIX}/interaction/`)) {
        handleLoginInteraction(provider, opts.state, req, res).catch((err: Error) => {
          opts.logger.debug({ error: err.message }, 'demo sign-in interaction failed');
          if (!res.headersSent)
            renderMessagePage(res, 400, 'Sign-in expired', 'This sign-in is no longer valid. Go back to resetdesk and sign in again.');
        });
        return;
      }
      // oidc-provider routes relative to its mount point and reads that from originalUrl.
      Object.assign(req, { originalUrl: req.url });
      req.url = req.url?.slice(OIDC_PREFIX.length) || '/';
      callback(req, res);
    },
  };
}

/** A sandbox user as an OpenID account: the claims Okta's org authorization server would give. */
function findAccount(state: SandboxState, sub: string) {
  const user = state.users.get(sub);
  if (!user) return undefined;
  return {
    accountId: user.id,
    claims: () => ({
      sub: user.id,
      email: user.email,
      email_verified: true,
      name: `${user.firstName} ${user.lastName}`,
      given_name: user.firstName,
      family_name: user.lastName,
      preferred_username: user.login,
      groups: state.groupsOf(user).map((g) => g.name),
    }),
  };
}

interface GrantContext {
  oidc: {
    client: { clientId: string };
    session: { accountId: string; grantIdFor(clientId: string): string | undefined };
    result?: { consent?: { grantId?: string } };
    requestParamScopes: Set<string>;
    provider: { Grant: typeof import('oidc-provider').Grant };
  };
}

/** The demo's clients are first-party: consent is implied, as for an Okta org's own apps. */
async function loadExistingGrant(ctx: GrantContext) {
  const { Grant } = ctx.oidc.provider;
  const grantId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
  if (grantId) return Grant.find(grantId);
  const grant = new Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
  grant.addOIDCScope([...ctx.oidc.requestParamScopes].join(' '));
  await grant.save();
  return grant;
}

type PageContext = { type: string; body: string };

async function renderError(ctx: PageContext, out: Record<string, string>) {
  ctx.type = 'html';
  ctx.body = htmlPage('Sign-in error', `<p>${escapeHtml(out.error ?? 'error')}: ${escapeHtml(out.error_description ?? '')}</p>`);
}

async function logoutSource(ctx: PageContext, form: string) {
  ctx.type = 'html';
  ctx.body = htmlPage(
    'Sign out of the demo identity provider?',
    `${form}<p><button type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>Yes, sign me out</button>
<button type="submit" form="op.logoutForm">No, stay signed in</button></p>`,
  );
}

async function postLogoutSuccessSource(ctx: PageContext) {
  ctx.type = 'html';
  ctx.body = htmlPage('Signed out', '<p>You are signed out of the demo identity provider.</p>');
}

/** oidc-provider's storage, per sandbox (its built-in one is shared by every provider in the process). */
function memoryAdapter(store: Map<string, { payload: Record<string, unknown>; expiresAt: number }>) {
  const get = (key: string) => {
    const entry = store.get(key);
    if (entry && entry.expiresAt <= Date.now()) store.delete(key);
    return entry && entry.expiresAt > Date.now() ? entry.payload : undefined;
  };
  return class SandboxAdapter {
    constructor(private readonly model: string) {}
    private key(id: string) {
      return `${this.model}:${id}`;
    }
    async upsert(id: string, payload: Record<string, unknown>, expiresIn?: number) {
      const expiresAt = Date.now() + (expiresIn ?? 24 * 3600) * 1000;
      store.set(this.key(id), { payload, expiresAt });
      if (this.model === 'Session') store.set(`SessionUid:${String(payload.uid)}`, { payload: { id }, expiresAt });
    }
    async find(id: string) {
      return get(this.key(id));
    }
    async findByUid(uid: string) {
      const ref = get(`SessionUid:${uid}`);
      return ref ? this.find(String(ref.id)) : undefined;
    }
    async findByUserCode() {
      return undefined;
    }
    async consume(id: string) {
      const payload = get(this.key(id));
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id: string) {
      store.delete(this.key(id));
    }
    async revokeByGrantId(grantId: string) {
      for (const [key, entry] of store) if (entry.payload.grantId === grantId) store.delete(key);
    }
  };
}
