import type { Request } from '../api';
import { t } from '../i18n/translate';
import { effectiveStatus, statusText } from './request-status';

/** What the requester should expect now, in plain words. */
export interface NextStep {
  /** How it went, which sets the colour and icon. */
  tone: 'working' | 'done' | 'waiting' | 'denied' | 'failed';
  headline: string;
  /** The policy's reasoning or a hint; null when there is nothing to add. */
  detail: string | null;
}

/** The next step for a request, from its status, rationale and rule. */
export function nextStep(request: Request): NextStep {
  const rationale = request.rationale;
  switch (effectiveStatus(request)) {
    case 'New':
    case 'Triaging':
      return { tone: 'working', headline: t('next.checking'), detail: t('next.checkingDetail') };
    case 'Waiting':
      return { tone: 'working', headline: t('next.retrying'), detail: t('next.retryingDetail') };
    case 'Completed':
      return { tone: 'done', headline: t('next.inbox', { app: request.app }), detail: rationale };
    case 'Escalated':
      // An approved Okta reset stays Escalated until Okta has sent its email.
      if (request.manualDecision === 'Approved') return { tone: 'working', headline: t('next.resetting'), detail: rationale };
      return { tone: 'waiting', headline: t('next.approval'), detail: rationale };
    case 'Rejected':
      return {
        tone: 'denied',
        headline: rationale ? t('next.deniedBecause', { rationale }) : t('next.denied'),
        detail: t('next.deniedDetail'),
      };
    case 'PendingExternal':
      return { tone: 'waiting', headline: statusText('PendingExternal'), detail: rationale };
    case 'Failed':
      return { tone: 'failed', headline: t('next.failed'), detail: rationale };
    case 'Cancelled':
    case 'Closed':
      return { tone: 'failed', headline: statusText(effectiveStatus(request)), detail: rationale };
  }
}
