import { Anchor } from '@mantine/core';
import type { Request } from '../api';
import { t } from '../i18n/translate';

/** The ServiceNow incident opened for the request's escalation, as a link to it; '—' when none. */
export function IncidentLink({ incident }: { incident: Request['incident'] }) {
  if (!incident) return '—';
  // Only ever a link to the instance; anything else is shown as text.
  if (!/^https?:\/\//i.test(incident.url)) return incident.number;
  return (
    <Anchor
      href={incident.url}
      target="_blank"
      rel="noopener noreferrer"
      size="sm"
      aria-label={t('field.incidentLinkLabel', { number: incident.number })}
      data-testid="incident-link"
    >
      {incident.number}
    </Anchor>
  );
}
