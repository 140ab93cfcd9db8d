import type { AppContext } from '../app-context.js';
import type { OktaRateBudget } from '../connectors/okta/okta-rate-limiter.js';
import type { PolicySourceKind, SyncTrigger } from '../db/repositories/policy.repository.js';
import { BUILT_IN_STORES, type StoreType } from '../domain/credential-store.js';

/** Whether a connector answered, and why not (error texts can name hosts: admins only). */
interface Reachability {
  reachable: boolean;
  error: string | null;
}

export interface ConnectorStatus {
  okta: Reachability & { rateLimits: OktaRateBudget[] };
  smtp: Reachability & { devMailbox: boolean };
  policy: PolicySourceStatus;
  /** Configured or not (not pinged: the incident jobs show failures, docs/operations.md). */
  serviceNow: { configured: boolean; instanceUrl: string | null };
  /** Every store the catalog may name: the built-ins, then STORES_FILE's; LDAP stores are pinged. */
  stores: StoreStatus[];
  slack: SlackStatus;
  teams: TeamsStatus;
}

/**
 * The Slack channel: over HTTP nothing is checked (Slack calls us); in Socket Mode whether our
 * WebSocket to Slack is open now, and why the last attempt failed.
 */
interface SlackStatus {
  configured: boolean;
  mode: 'http' | 'socket' | null;
  /** Socket Mode only; null over HTTP or without Slack. */
  connected: boolean | null;
  error: string | null;
  /** One line for people: "Socket Mode, connected", "Socket Mode, disconnected", "HTTP (POST /slack/events)". */
  summary: string | null;
}

function slackStatus(ctx: AppContext): SlackStatus {
  if (!ctx.slack) return { configured: false, mode: null, connected: null, error: null, summary: null };
  const socket = ctx.slack.socketStatus();
  if (!socket) return { configured: true, mode: 'http', connected: null, error: null, summary: 'HTTP (POST /slack/events)' };
  return {
    configured: true,
    mode: 'socket',
    connected: socket.connected,
    error: socket.error,
    summary: `Socket Mode, ${socket.connected ? 'connected' : 'disconnected'}`,
  };
}

/**
 * The Teams channel: configuration facts only. Teams calls us (POST /api/messages); the one thing
 * we could call, Entra's token endpoint, takes the client secret and leaves a sign-in in the
 * tenant's logs on every look at this page, so it is not called here — a lapsed secret shows as
 * TEAMS_ERROR on the first outbound message (docs/teams.md).
 */
interface TeamsStatus {
  configured: boolean;
  /** The Azure Bot's Microsoft App ID (public: the Teams app manifest carries it); never the secret. */
  appId: string | null;
  tenantId: string | null;
  /** Where Teams must send activities: the Azure Bot's messaging endpoint, on PUBLIC_URL. */
  endpoint: string | null;
  /** Whether TEAMS_APPROVERS_CONVERSATION is set (approval cards are posted); its id is not shown. */
  approversConversation: boolean;
}

function teamsStatus(ctx: AppContext): TeamsStatus {
  const config = ctx.config.teams;
  if (!ctx.teams || !config) return { configured: false, appId: null, tenantId: null, endpoint: null, approversConversation: false };
  return {
    configured: true,
    appId: config.appId,
    tenantId: ctx.teams.tenantId,
    endpoint: '/api/messages',
    approversConversation: ctx.teams.approversConversation !== undefined,
  };
}

/** A credential store as admins see it; `reachable` is null when it is not checked (built-ins, executors). */
interface StoreStatus {
  name: string;
  type: 'built-in' | StoreType;
  /** Where its resets go (the directory's or the executor's URL); null for the built-ins. */
  target: string | null;
  reachable: boolean | null;
  error: string | null;
}

/**
 * The stores: a bind and unbind for each LDAP store (an executor is not called: that would send a
 * job); the built-ins go through Okta and mail, whose status is above.
 */
async function storeStatuses(ctx: AppContext): Promise<StoreStatus[]> {
  const builtIns = Object.keys(BUILT_IN_STORES).map((name) => ({
    name,
    type: 'built-in' as const,
    target: null,
    reachable: null,
    error: null,
  }));
  const configured = await Promise.all(
    [...ctx.stores.types].map(async ([name, type]): Promise<StoreStatus> => {
      if (type === 'external') return { name, type, target: ctx.stores.external(name).client.url, reachable: null, error: null };
      const client = ctx.stores.ldap(name);
      return { name, type, target: client.url, ...(await reach(() => client.check())) };
    }),
  );
  return [...builtIns, ...configured];
}

/** The policy source: the page (if any), the policy in force, and how its latest sync went. */
interface PolicySourceStatus {
  confluence: { pageId: string; pageUrl: string; syncMinutes: number } | null;
  source: PolicySourceKind;
  version: string;
  lastSync: { at: string; ok: boolean; trigger: SyncTrigger; errorCode: string | null; error: string | null } | null;
  lastSuccessfulSyncAt: string | null;
}

/** What the policy service recorded (no new read of the page: syncing is POST /api/v1/policy/sync). */
async function policySourceStatus(ctx: AppContext): Promise<PolicySourceStatus> {
  const view = await ctx.policies.view();
  const last = view.lastSync;
  return {
    confluence: view.confluence,
    source: view.source,
    version: view.version,
    lastSync: last ? { at: last.at, ok: last.ok, trigger: last.trigger, errorCode: last.errorCode, error: last.error } : null,
    lastSuccessfulSyncAt: view.lastSuccessfulSyncAt,
  };
}

async function reach(fn: () => Promise<unknown>): Promise<Reachability> {
  try {
    await fn();
    return { reachable: true, error: null };
  } catch (err) {
    return { reachable: false, error: (err as Error).message };
  }
}

/**
 * Pings Okta (the readiness probe) and SMTP (connect and authenticate) in parallel, and reads the
 * policy source's latest sync from the database.
 */
export async function connectorStatus(ctx: AppContext): Promise<ConnectorStatus> {
  const [okta, smtp, policy, stores] = await Promise.all([
    reach(() => ctx.okta.ping()),
    reach(() => ctx.mailer.verify()),
    policySourceStatus(ctx),
    storeStatuses(ctx),
  ]);
  return {
    okta: { ...okta, rateLimits: ctx.okta.rateLimits() },
    smtp: { ...smtp, devMailbox: ctx.config.smtpUrl === undefined },
    policy,
    serviceNow: { configured: ctx.serviceNow !== undefined, instanceUrl: ctx.serviceNow?.instanceUrl ?? null },
    stores,
    slack: slackStatus(ctx),
    teams: teamsStatus(ctx),
  };
}
