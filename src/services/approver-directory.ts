/**
 * Who the approvers of a request are: the active members of its approver group in Okta — the
 * catalog app's `approverGroup`, else the policy's `escalation.approverGroup`; the request's
 * `next_owner` holds the name. They are the people notified of an escalation and the people
 * allowed to decide it. Groups and members come from the Okta connector, cached briefly
 * (`groupCacheTtlMs`, 60 s), so a change in Okta applies within a minute.
 */
import type { AppContext } from '../app-context.js';
import type { OktaConnector } from '../connectors/okta/index.js';
import { appendAuditEvent } from '../db/repositories/audit.repository.js';
import type { PasswordRequest } from '../db/repositories/request.repository.js';
import type { Principal } from '../db/repositories/token.repository.js';
import type { OktaGroup, OktaUser } from '../domain/okta-facts.js';
import { AppError } from '../errors/error-codes.js';

/** An approver group as Okta knows it: its active members, or missing. */
type ApproverGroup = { kind: 'found'; group: OktaGroup; members: OktaUser[] } | { kind: 'missing'; name: string };

/** Resolves a group name to the group's ACTIVE members (two cached Okta calls). */
export async function resolveApproverGroup(okta: OktaConnector, name: string): Promise<ApproverGroup> {
  const group = await okta.findGroupByName(name);
  if (!group) return { kind: 'missing', name };
  const members = await okta.listGroupMembers(group.id);
  return members ? { kind: 'found', group, members } : { kind: 'missing', name };
}

/** The approver group a request waits for. */
function approverGroupOf(ctx: Pick<AppContext, 'policy'>, request: Pick<PasswordRequest, 'nextOwner'>): string {
  return request.nextOwner ?? ctx.policy.escalation.approverGroup;
}

/**
 * Whether `member` is the person the request is for (its requester or named account): nobody is
 * asked to approve, or reminded of, a reset of their own account.
 */
export function isRequestSubject(member: OktaUser, request: Pick<PasswordRequest, 'requester' | 'targetUser' | 'oktaUserId'>): boolean {
  if (request.oktaUserId && member.id === request.oktaUserId) return true;
  const addresses = new Set([request.requester, request.targetUser].filter((a): a is string => !!a).map((a) => a.toLowerCase()));
  return addresses.has(member.login.toLowerCase()) || addresses.has(member.email.toLowerCase());
}

/**
 * Decision rights, checked after separation of duties (checkDecidable): an approver must be an
 * active member of the request's approver group, compared by Okta user id (their address is
 * resolved to their Okta user as assertNotOwnRequest does). When the group does not exist in
 * Okta, only admins may decide. Admins may decide any request (break-glass): when they are not an
 * active member of the group, a Message event records that an admin decided outside it.
 */
export async function assertMayDecide(ctx: AppContext, principal: Principal, request: PasswordRequest): Promise<void> {
  const groupName = approverGroupOf(ctx, request);
  if (principal.role === 'admin') {
    const why = await adminOutsideGroup(ctx, principal, groupName).catch((err: Error) => `the group could not be checked (${err.message})`);
    if (why) {
      await appendAuditEvent(ctx.db, {
        requestId: request.id,
        actor: principal.email,
        eventType: 'Message',
        details: { kind: 'break_glass', role: 'admin', approverGroup: groupName, note: `An admin is deciding this request: ${why}.` },
      });
    }
    return;
  }
  const group = await resolveApproverGroup(ctx.okta, groupName);
  if (group.kind === 'missing') {
    throw new AppError(
      'APPROVER_GROUP_MISSING',
      `The approver group "${groupName}" does not exist in Okta, so only admins may decide this request. Create the group in Okta and add the approvers, or name an existing group (the app's approverGroup in the catalog, or escalation.approverGroup in the policy).`,
      { approverGroup: groupName },
    );
  }
  const approver = await ctx.identities.resolve(principal.email);
  if (approver.kind !== 'found' || !group.members.some((m) => m.id === approver.user.id)) {
    throw new AppError(
      'NOT_AN_APPROVER',
      `Only active members of the Okta group "${groupName}" may decide this request, and ${principal.email} is not one. Ask a member, or an Okta admin to add you to the group.`,
      { approverGroup: groupName },
    );
  }
}

/** Why an admin's decision is break-glass (not an active member of the group); null when it is not. */
async function adminOutsideGroup(ctx: AppContext, principal: Principal, groupName: string): Promise<string | null> {
  const group = await resolveApproverGroup(ctx.okta, groupName);
  if (group.kind === 'missing') return `the approver group "${groupName}" does not exist in Okta`;
  const admin = await ctx.identities.resolve(principal.email);
  if (admin.kind === 'found' && group.members.some((m) => m.id === admin.user.id)) return null;
  return `they are not an active member of the approver group "${groupName}"`;
}
