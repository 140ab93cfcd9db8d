import type { AuditEvent, RequestStatus } from '../api';
import type { IconName } from '../components/icon';
import { formatDuration } from '../i18n/format';
import { t } from '../i18n/translate';
import { decisionText } from './decision-text';
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
      return plain('x', 'red', t('event.rejection', { actor: event.actor }), str(d.comment) ?? str(d.reason));
    case 'Closure':
      return plain('lock', 'gray', t('event.closure', { resolution: closureResolution(d.resolution) }), null);
    case 'Message':
      if (d.channel === 'email') {
        return plain('mail', 'blue', t('event.email', { to: str(d.to) ?? '—' }), str(d.subject));
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
}
