import type { Me, Request } from '../api';
import { t } from '../i18n/translate';
import { effectiveStatus, statusText } from './request-status';
import { isVerificationRule } from './rule-text';

/** What the requester should expect now, in plain words. */
export interface NextStep {
  /** How it went, which sets the colour and icon; `question`: the requester has to answer first. */
  tone: 'working' | 'done' | 'waiting' | 'question' | 'denied' | 'failed';
  headline: string;
  /** The policy's reasoning or a hint; null when there is nothing to add. */
  detail: string | null;
}

/** The parts of the active policy the texts quote (GET /api/v1/me's `policy`). */
export type PolicyTimes = Pick<Me['policy'], 'approvalSlaHours' | 'answerWithinHours'>;

/** The next step for a request, from its status, question, rationale and the policy's times. */
export function nextStep(request: Request, policy: PolicyTimes): NextStep {
  const rationale = request.rationale;
  switch (effectiveStatus(request)) {
    case 'New':
    case 'Triaging':
      return { tone: 'working', headline: t('next.checking'), detail: t('next.checkingDetail') };
    case 'Waiting':
      // The Okta Verify push went unanswered: a new one is a click away (a second miss cancels).
      if (request.question?.reason === 'verification_timeout')
        return { tone: 'question', headline: t('next.pushExpired'), detail: t('next.pushExpiredDetail') };
      // Otherwise a question for the requester: which app, or what an approver asked.
      return {
        tone: 'question',
        headline: t('next.answer'),
        detail: t('next.answerDetail', { hours: policy.answerWithinHours }),
      };
    case 'Completed':
      // A directory reset emails the new password itself; an external system reports it done.
      if (request.resetMethod === 'directory')
        return { tone: 'done', headline: t('next.inboxPassword', { app: request.app }), detail: rationale };
      if (request.resetMethod === 'external')
        return { tone: 'done', headline: t('next.externalDone', { app: request.app }), detail: rationale };
      return { tone: 'done', headline: t('next.inbox', { app: request.app }), detail: rationale };
    case 'Escalated':
      // An approved Okta reset stays Escalated until Okta has sent its email.
      if (request.manualDecision === 'Approved') return { tone: 'working', headline: t('next.resetting'), detail: rationale };
      // A denied push, too many wrong codes, or no factor to verify with: IT confirms who it is.
      if (isVerificationRule(request.ruleId))
        return { tone: 'waiting', headline: t('next.verifyEscalated', { hours: policy.approvalSlaHours }), detail: rationale };
      return { tone: 'waiting', headline: t('next.approvalWithin', { hours: policy.approvalSlaHours }), detail: rationale };
    case 'Rejected':
      return {
        tone: 'denied',
        headline: rationale ? t('next.deniedBecause', { rationale }) : t('next.denied'),
        detail: t('next.deniedDetail'),
      };
    case 'PendingExternal':
      return { tone: 'waiting', headline: statusText('PendingExternal'), detail: rationale };
    case 'Verifying':
      // The requester proves it is them before anything acts: the card below says how.
      return {
        tone: 'question',
        headline: t('next.verify'),
        detail: verifyDetail(request),
      };
    case 'Failed':
      return { tone: 'failed', headline: t('next.failed'), detail: rationale };
    case 'Cancelled':
      return { tone: 'failed', headline: t('next.cancelled'), detail: rationale ?? t('next.cancelledDetail') };
    case 'Closed':
      return { tone: 'failed', headline: statusText('Closed'), detail: rationale };
  }
}

/** How to prove it is you: the push, a code, or either. */
function verifyDetail(request: Request): string {
  const push = request.verification?.push != null;
  const codes = (request.verification?.codes.length ?? 0) > 0;
  if (push && codes) return t('next.verifyPushOrCode');
  return push ? t('next.verifyPush') : t('next.verifyCode');
}
