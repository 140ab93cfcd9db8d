import type { MessageKey } from '../i18n/en';
import { t } from '../i18n/translate';

const DECISIONS: Record<string, MessageKey> = {
  Approved: 'decision.Approved',
  Rejected: 'decision.Rejected',
  Denied: 'decision.Denied',
  Escalated: 'decision.Escalated',
  Cancelled: 'decision.Cancelled',
};

/** A decision or outcome (Approved, Rejected/Denied, Escalated, Cancelled) in the reader's language. */
export function decisionText(decision: string): string {
  const key = DECISIONS[decision];
  return key ? t(key) : decision;
}
