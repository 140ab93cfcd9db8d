import type { AuditEvent, RequestStatus } from '../api';
import type { IconName } from '../components/icon';
import type { MessageKey } from '../i18n/en';
import { formatDuration } from '../i18n/format';
import { t } from '../i18n/translate';
import { decisionText } from './decision-text';
import { factorText } from './factor-text';
import { STATUSES, statusText } from './request-status';

/** How one audit event reads in the timeline. */
export interface AuditEventView {
  icon: IconName;
  color: string;
  title: string;
  /** A tool call's outcome; null for other events. */
  outcome: 'ok' | 'failed' | null;
  /** Short facts under the title: "84 ms", "Rule: swa_self_service". */
  meta: string[];
  /** Longer free text: a rationale, an approver's comment, an error message. */
  text: string | null;
  /** Raw details worth a look on demand (a tool call's arguments and result). */
  raw: unknown;
}

const plain = (icon: IconName, color: string, title: string, text: string | null): AuditEventView => ({
  icon,
  color,
  title,
  outcome: null,
  meta: [],
  text,
  raw: null,
});

const closureResolution = (value: unknown) =>
  typeof value === 'string' && (STATUSES as readonly string[]).includes(value) ? statusText(value as RequestStatus) : (str(value) ?? '—');

const str = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

const AGENT = 'resetdesk';

/** Who did it, in words: resetdesk itself, or the person's address. */
const who = (actor: unknown): string => (actor === AGENT ? t('event.byResetdesk') : (str(actor) ?? '—'));

/** The email templates the timeline names; others show their id. */
const EMAIL_TEMPLATES: Record<string, MessageKey> = {
  received: 'email.received',
  question: 'email.question',
  reset_link: 'email.reset_link',
  escalated: 'email.escalated',
  denied: 'email.denied',
  okta_reset_sent: 'email.okta_reset_sent',
  approved_manual: 'email.approved_manual',
  rejected_by_approver: 'email.rejected_by_approver',
  pending_external: 'email.pending_external',
  reset_failed: 'email.reset_failed',
  reset_failed_approver: 'email.reset_failed_approver',
  cancelled: 'email.cancelled',
  approver_escalated: 'email.approver_escalated',
  approver_reminder: 'email.approver_reminder',
};

function emailView(d: AuditEvent['details']): AuditEventView {
  const template = str(d.template);
  const key = template ? EMAIL_TEMPLATES[template] : undefined;
  const meta = template ? [key ? t(key) : template] : [];
  if (str(d.group)) meta.push(t('event.emailGroup', { group: String(d.group) }));
  return { ...plain('mail', 'blue', t('event.email', { to: str(d.to) ?? '—' }), str(d.subject)), meta };
}

/** A Message event: filed, asked, answered, cancelled, filed again, or an email. */
function messageView(event: AuditEvent): AuditEventView {
  const d = event.details;
  if (d.channel === 'email') return emailView(d);
  switch (d.kind) {
    case 'question': {
      const candidates = Array.isArray(d.candidates) ? d.candidates.filter((c): c is string => typeof c === 'string') : [];
      const title =
        d.reason === 'app_ambiguous'
          ? t('event.questionApp')
          : d.reason === 'verification_timeout'
            ? t('event.questionPushExpired')
            : t('event.questionReturned', { actor: who(event.actor) });
      return {
        ...plain('message', 'yellow', title, str(d.question)),
        meta: candidates.length > 0 ? [t('event.candidates', { apps: candidates.join(', ') })] : [],
      };
    }
    case 'answer': {
      const relayed = str(d.relayedBy) ? [t('event.relayedBy', { actor: String(d.relayedBy) })] : [];
      const text = [str(d.app) ? t('event.answerApp', { app: String(d.app) }) : null, str(d.message)].filter(Boolean).join(' — ');
      return { ...plain('message', 'teal', t('event.answer', { actor: who(event.actor) }), text || null), meta: relayed };
    }
    case 'cancel':
      return plain('x', 'gray', t('event.cancelled', { actor: who(d.by ?? event.actor) }), str(d.reason));
    case 'verification':
      return verificationView(event);
    case 'duplicate':
      return {
        ...plain('message', 'gray', t('event.duplicate', { actor: who(event.actor) }), t('event.duplicateText')),
        meta: str(d.channel) ? [t('event.channel', { channel: String(d.channel) })] : [],
      };
  }
  return {
    icon: 'message',
    color: 'gray',
    title: t('event.submitted', { actor: event.actor }),
    outcome: null,
    meta: [t('event.channel', { channel: str(d.channel) ?? '—' })],
    text: null,
    raw: null,
  };
}

/** A step of verifying the requester: a challenge started, a wrong code, or proven. */
function verificationView(event: AuditEvent): AuditEventView {
  const d = event.details;
  const factor = str(d.factorType) ? factorText(String(d.factorType)) : null;
  switch (d.step) {
    case 'started': {
      const meta = str(d.level) ? [t('event.verifyLevel', { level: String(d.level) })] : [];
      if (d.push === true)
        meta.push(
          typeof d.numberChallenge === 'number' ? t('event.verifyPushNumber', { number: d.numberChallenge }) : t('event.verifyPush'),
        );
      const codes = Array.isArray(d.codeFactors) ? d.codeFactors.filter((c): c is string => typeof c === 'string') : [];
      if (codes.length > 0) meta.push(t('event.verifyCodes', { factors: codes.map(factorText).join(', ') }));
      return { ...plain('shield', 'indigo', t('event.verifyStarted'), null), meta };
    }
    case 'wrong_code': {
      const meta = [...(factor ? [factor] : []), ...(typeof d.failures === 'number' ? [t('event.verifyFailures', { n: d.failures })] : [])];
      return { ...plain('x', 'red', t('event.verifyWrongCode', { actor: who(event.actor) }), null), meta };
    }
    case 'verified':
      return {
        ...plain('shield', 'green', t('event.verifyVerified', { actor: who(event.actor) }), null),
        meta: factor ? [t('event.verifyWith', { factor })] : [],
      };
  }
  return { ...plain('shield', 'gray', t('event.verifyStarted'), null), raw: d };
}

/** A refused new request: this account's resets for this app hit the policy's cooldown. */
function cooldownView(event: AuditEvent): AuditEventView {
  const d = event.details;
  const limit =
    typeof d.maxResets === 'number' && typeof d.perHours === 'number'
      ? t('event.cooldownText', { max: d.maxResets, hours: d.perHours })
      : null;
  return plain('clock', 'orange', t('event.cooldown', { actor: who(d.submittedBy ?? event.actor) }), limit);
}

/** The timeline's reading of an event, by type; unknown details stay available as raw JSON. */
export function auditEventView(event: AuditEvent): AuditEventView {
  const d = event.details;
  switch (event.eventType) {
    case 'Tool Call': {
      const ok = d.ok === true;
      const error = (d.error ?? null) as { code?: unknown; message?: unknown } | null;
      const meta: string[] = [];
      if (typeof d.durationMs === 'number') meta.push(formatDuration(d.durationMs));
      if (d.recovered === true) meta.push(t('event.recovered'));
      return {
        icon: 'plug',
        color: ok ? 'teal' : 'red',
        title: str(d.tool) ?? t('event.toolCall'),
        outcome: ok ? 'ok' : 'failed',
        meta,
        text: error ? [str(error.code), str(error.message)].filter(Boolean).join(': ') : null,
        raw: { args: d.args, ...(ok ? { result: d.result } : { error: d.error }) },
      };
    }
    case 'Decision':
      return {
        icon: 'scale',
        color: 'indigo',
        title: t('event.decision', { outcome: decisionText(String(d.outcome ?? '')) }),
        outcome: null,
        meta: [
          ...(str(d.ruleId) ? [t('event.rule', { rule: String(d.ruleId) })] : []),
          ...(str(d.policyVersion) ? [t('event.policy', { version: String(d.policyVersion) })] : []),
        ],
        text: str(d.rationale),
        raw: { facts: d.facts, actions: d.actions },
      };
    case 'Escalation':
      return plain('arrowUp', 'orange', t('event.escalation', { owner: str(d.nextOwner) ?? '—' }), str(d.reason));
    case 'Approval':
      return plain('check', 'green', t('event.approval', { actor: event.actor }), str(d.comment));
    case 'Rejection':
      if (d.kind === 'cooldown') return cooldownView(event);
      return plain('x', 'red', t('event.rejection', { actor: event.actor }), str(d.comment) ?? str(d.reason));
    case 'Closure':
      return plain('lock', 'gray', t('event.closure', { resolution: closureResolution(d.resolution) }), null);
    case 'Message':
      return messageView(event);
  }
}
