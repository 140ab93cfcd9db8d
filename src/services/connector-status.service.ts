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
  };
}
