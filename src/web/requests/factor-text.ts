import type { MessageKey } from '../i18n/en';
import { t } from '../i18n/translate';

/** The kinds of Okta factor the app words differently (Okta's `factorType`s, grouped). */
export type FactorKind = 'push' | 'totp' | 'sms' | 'call' | 'email' | 'token' | 'other';

/** `token:software:totp` → totp, `sms` → sms, `token:hardware` → token, …; anything else → other. */
export function factorKind(factorType: string): FactorKind {
  switch (factorType) {
    case 'push':
    case 'sms':
    case 'call':
    case 'email':
      return factorType;
  }
  if (factorType.startsWith('token:software')) return 'totp';
  if (factorType === 'token' || factorType.startsWith('token:')) return 'token';
  return 'other';
}

/** The factor as a noun, for the timeline: "SMS code", "Okta Verify push". */
export function factorText(factorType: string): string {
  const kind = factorKind(factorType);
  return kind === 'other' ? factorType : t(`factor.${kind}` satisfies MessageKey);
}

/** The requester's choice of how to get a code: "Text me a code", "Code from your authenticator app". */
export function factorChoiceText(factorType: string): string {
  const kind = factorKind(factorType);
  if (kind === 'other' || kind === 'push') return t('verify.factor.other', { factor: factorType });
  return t(`verify.factor.${kind}` satisfies MessageKey);
}

/** What happened once Okta sent the code: "We sent a code to your phone." */
export function codeSentText(factorType: string): string {
  const kind = factorKind(factorType);
  return kind === 'sms' || kind === 'call' || kind === 'email' ? t(`verify.sent.${kind}` satisfies MessageKey) : t('verify.sent.other');
}
