import type { AppContext } from '../app-context.js';
import type { OktaConnector } from '../connectors/okta/index.js';
import { TtlCache } from '../connectors/okta/ttl-cache.js';
import type { PasswordRequest } from '../db/repositories/request.repository.js';
import type { Principal } from '../db/repositories/token.repository.js';
import type { UserLookup } from '../domain/okta-facts.js';
import { AppError } from '../errors/error-codes.js';

/** How long an address's Okta identity is reused; approvals are rare, logins rarely change. */
const IDENTITY_TTL_MS = 60_000;

/** Finds the Okta user behind an address (login, then email), briefly cached. */
export interface IdentityResolver {
  resolve(address: string): Promise<UserLookup>;
}

export function createIdentityResolver(okta: OktaConnector, now: () => number = Date.now): IdentityResolver {
  const cache = new TtlCache<UserLookup>(IDENTITY_TTL_MS, now, 10_000);
  return { resolve: (address) => cache.getOrLoad(address.trim().toLowerCase(), () => okta.findUser(address)) };
}

/**
 * Nobody decides a reset of their own account. One person can appear under several addresses
 * (an Okta login and a different email), so the check compares Okta user ids, not strings: the
 * approver's own Okta user against the account the request would reset — the requester's, as
 * resolved at triage, and the named target's. An approver resetdesk cannot match to exactly one
 * Okta user may not decide at all.
 */
export async function assertNotOwnRequest(ctx: AppContext, principal: Principal, request: PasswordRequest): Promise<void> {
  const self = new Set([principal.email.toLowerCase()]);
  const accounts = [request.requester, request.targetUser].filter((a): a is string => !!a).map((a) => a.toLowerCase());
  if (accounts.some((a) => self.has(a))) throw selfDecision();

  const approver = await ctx.identities.resolve(principal.email);
  if (approver.kind !== 'found') {
    throw new AppError(
      'APPROVER_UNVERIFIED',
      approver.kind === 'ambiguous'
        ? `Your address (${principal.email}) matches several Okta users, so resetdesk cannot check that this request is not for your own account.`
        : `Your address (${principal.email}) matches no Okta user, so resetdesk cannot check that this request is not for your own account.`,
    );
  }
  self.add(approver.user.login.toLowerCase()).add(approver.user.email.toLowerCase());
  if (accounts.some((a) => self.has(a))) throw selfDecision();

  const accountIds = new Set<string>();
  if (request.oktaUserId) accountIds.add(request.oktaUserId);
  // Addresses triage did not resolve (a named target, or a triage that never reached Okta).
  const unresolved = [request.oktaUserId ? null : request.requester, request.targetUser].filter((a): a is string => !!a);
  for (const address of new Set(unresolved.map((a) => a.toLowerCase()))) {
    const lookup = await ctx.identities.resolve(address);
    if (lookup.kind === 'found') accountIds.add(lookup.user.id);
    if (lookup.kind === 'ambiguous') {
      throw new AppError(
        'SELF_DECISION',
        `"${address}" matches several Okta users, so resetdesk cannot rule out that this is your own account.`,
      );
    }
  }
  if (accountIds.has(approver.user.id)) throw selfDecision();
}

function selfDecision(): AppError {
  return new AppError('SELF_DECISION', 'Nobody may decide a request for their own account; ask another approver.');
}
