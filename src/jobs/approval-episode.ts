/**
 * What the chat channels' approval messages show (slack-approval.jobs.ts, teams-approval.jobs.ts):
 * the escalated request as approvers see it, the one-line summary for notifications, and how an
 * escalation episode ended. One place, so Slack and Teams never tell an episode differently.
 */
import type { AppContext } from '../app-context.js';
import { listAuditEvents } from '../db/repositories/audit.repository.js';
import type { PasswordRequest } from '../db/repositories/request.repository.js';
import { STATUS_LABELS } from '../domain/lifecycle.js';
import { AGENT_ACTOR } from './audited-call.js';

/** The request as approvers see it in a chat message or card. */
export interface ApprovalView {
  requestId: string;
  requester: string;
  app: string;
  priority: string;
  rationale: string;
  justification: string;
  /** The request in resetdesk's web app, when resetdesk's address is known. */
  url?: string;
}

/** The request as the approvers see it, with its link in the web app when resetdesk's address is known. */
export function approvalView(ctx: AppContext, request: PasswordRequest): ApprovalView {
  const base = ctx.baseUrl();
  return {
    requestId: request.id,
    requester: request.targetUser ? `${request.requester} (for ${request.targetUser})` : request.requester,
    app: request.app,
    priority: request.priority,
    rationale: request.rationale ?? '(none recorded)',
    justification: request.justification,
    ...(base ? { url: `${base.replace(/\/+$/, '')}/requests/${encodeURIComponent(request.id)}` } : {}),
  };
}

/** The plain text of an approval message (shown where blocks and cards cannot be: notifications, screen readers). */
export function approvalSummary(view: ApprovalView, state: string): string {
  return `Password reset for ${view.app} requested by ${view.requester}: ${state}.`;
}

/**
 * How the episode ended, from its audit trail: the first approver's decision, return or
 * cancellation after the Escalation event that opened it. Falls back to the request's status.
 */
export async function episodeOutcome(ctx: AppContext, request: PasswordRequest, cycle: string): Promise<{ decision: string; by: string }> {
  const events = await listAuditEvents(ctx.db, request.id);
  const start = events.findIndex((e) => e.eventId === cycle);
  for (const e of start < 0 ? [] : events.slice(start + 1)) {
    if (e.eventType === 'Approval') return { decision: 'Approved', by: e.actor };
    if (e.eventType === 'Rejection' && e.actor !== AGENT_ACTOR) return { decision: 'Denied', by: e.actor };
    if (e.eventType === 'Message' && e.details.kind === 'question' && e.details.reason === 'returned') {
      return { decision: 'Returned for information', by: e.actor };
    }
    if (e.eventType === 'Message' && e.details.kind === 'cancel') {
      return { decision: 'Cancelled', by: typeof e.details.by === 'string' ? e.details.by : e.actor };
    }
  }
  if (request.manualDecision && request.decidedBy) return { decision: request.manualDecision, by: request.decidedBy };
  const status = request.status === 'Closed' && request.resolution ? request.resolution : request.status;
  return { decision: STATUS_LABELS[status], by: AGENT_ACTOR };
}
