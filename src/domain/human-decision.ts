/**
 * An approver's verdict on an escalated request, turned into a decision the applier can carry
 * out like the engine's. Pure: the caller looks up the request and the catalog's reset URL.
 */
import type { DecisionAction, HumanDecision } from './decision.js';
import { isLockedOut } from './decision-engine.js';

/** What an approval depends on: how the request was to be reset, as triage stored it. */
export interface ApprovalFacts {
  /** The request's stored reset method (`swa_link`, `okta_reset`, `external`), or null. */
  resetMethod: string | null;
  /** The catalog's reset URL for the app, if any. */
  resetUrl: string | null;
  /** The credential store triage chose (the request's `store`), if any: it resets an approved request. */
  store?: string | null;
  /** The request's rationale so far (triage's). */
  rationale: string | null;
  /**
   * The requester's Okta status as triage last saw it (the engine's decision facts), if known. A
   * LOCKED_OUT account is unlocked before its reset link goes out.
   */
  userStatus?: string | null;
}

/** The approver, their verdict and comment. */
export interface ApproverVerdict {
  outcome: 'Approved' | 'Denied';
  approver: string;
  comment: string | null;
}

/**
 * Denied → Rejected, and the requester is told. Approved → whatever the reset method allows:
 * an Okta reset job (Escalated until it completes), a directory reset (likewise), the catalog's
 * reset link, hand-over to an external system (PendingExternal; to its executor when the request
 * names an external store), or, with no automatic path, a reset the approver does by hand.
 * A reset link for an account triage found LOCKED_OUT unlocks it first (the `okta-unlock` job,
 * Escalated until it completes): the approval is the human's permission, whatever
 * `policy.unlock.allowed` says about unlocking without one.
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
  const store = facts.store ?? null;
  // The directory-reset job completes the request and emails the new password: Escalated until then.
  if (facts.resetMethod === 'directory' && store) return decision(null, { type: 'directory_reset', store });
  if (facts.resetMethod === 'external') {
    const notice: DecisionAction = { type: 'notify_requester', notice: 'pending_external' };
    return { ...decision('PendingExternal', notice), actions: store ? [{ type: 'external_dispatch', store }, notice] : [notice] };
  }
  if (facts.resetMethod === 'swa_link' && facts.resetUrl) {
    return unlockingFirst(decision('Completed', { type: 'send_reset_link', url: facts.resetUrl }), facts.userStatus ?? null);
  }
  // No automatic reset path (no reset link, a bookmark app, triage failed): the approver does it.
  return {
    ...decision('Completed', { type: 'notify_requester', notice: 'approved_manual', comment }),
    requestRationale: `${facts.rationale ?? ''} Approved by ${approver}, who resets it by hand.`.trim(),
  };
}

/**
 * An approval that emails a reset link to an account triage found LOCKED_OUT: unlock it first.
 * The request stays Escalated (claimed) until the `okta-unlock` job completes it and sends the
 * link. Anything else, or a decision that already unlocks, is returned as it is.
 */
export function unlockingFirst(decision: HumanDecision, userStatus: string | null): HumanDecision {
  if (decision.outcome !== 'Approved' || userStatus === null || !isLockedOut(userStatus)) return decision;
  if (decision.actions.some((a) => a.type === 'okta_unlock') || !decision.actions.some((a) => a.type === 'send_reset_link'))
    return decision;
  return { ...decision, nextStatus: null, actions: [{ type: 'okta_unlock' }, ...decision.actions] };
}
