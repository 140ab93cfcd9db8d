/**
 * An approver's verdict on an escalated request, turned into a decision the applier can carry
 * out like the engine's. Pure: the caller looks up the request and the catalog's reset URL.
 */
import type { DecisionAction, HumanDecision } from './decision.js';

/** What an approval depends on: how the request was to be reset, as triage stored it. */
export interface ApprovalFacts {
  /** The request's stored reset method (`swa_link`, `okta_reset`, `external`), or null. */
  resetMethod: string | null;
  /** The catalog's reset URL for the app, if any. */
  resetUrl: string | null;
  /** The request's rationale so far (triage's). */
  rationale: string | null;
}

/** The approver, their verdict and comment. */
export interface ApproverVerdict {
  outcome: 'Approved' | 'Denied';
  approver: string;
  comment: string | null;
}

/**
 * Denied → Rejected, and the requester is told. Approved → whatever the reset method allows:
 * an Okta reset job (Escalated until it completes), the catalog's reset link, hand-over to an
 * external system (PendingExternal), or, with no automatic path, a reset the approver does by hand.
 */
export function humanDecision(verdict: ApproverVerdict, facts: ApprovalFacts): HumanDecision {
  const { outcome, approver, comment } = verdict;
  const base = {
    source: 'human' as const,
    outcome,
    decidedBy: approver,
    comment,
    rationale: comment ? `${outcome} by ${approver}: ${comment}` : `${outcome} by ${approver}.`,
    requestRationale: null,
  };
  const decision = (nextStatus: HumanDecision['nextStatus'], action: DecisionAction): HumanDecision => ({
    ...base,
    nextStatus,
    actions: [action],
  });

  if (outcome === 'Denied') return decision('Rejected', { type: 'notify_requester', notice: 'rejected_by_approver', comment });
  if (facts.resetMethod === 'okta_reset') return decision(null, { type: 'okta_reset' });
  if (facts.resetMethod === 'external') return decision('PendingExternal', { type: 'notify_requester', notice: 'pending_external' });
  if (facts.resetMethod === 'swa_link' && facts.resetUrl) return decision('Completed', { type: 'send_reset_link', url: facts.resetUrl });
  // No automatic reset path (no reset link, a bookmark app, triage failed): the approver does it.
  return {
    ...decision('Completed', { type: 'notify_requester', notice: 'approved_manual', comment }),
    requestRationale: `${facts.rationale ?? ''} Approved by ${approver}, who resets it by hand.`.trim(),
  };
}
