import { Paper, Stack, Text } from '@mantine/core';
import type { AuditEvent } from '../api';
import { RelativeTime } from '../components/relative-time';
import { t } from '../i18n/translate';
import { auditEventView } from '../requests/audit-event-view';

/** One question or answer from a request's log. */
export interface HistoryEntry {
  id: string;
  kind: 'question' | 'answer';
  actor: string;
  text: string;
  at: string;
}

/**
 * The questions asked about a request and the requester's answers, oldest first, from its audit
 * log (Message events of kind `question` and `answer`).
 */
export function questionHistory(events: readonly AuditEvent[]): HistoryEntry[] {
  const entries: HistoryEntry[] = [];
  for (const event of events) {
    const kind = event.details.kind;
    if (event.eventType !== 'Message' || (kind !== 'question' && kind !== 'answer')) continue;
    entries.push({ id: event.eventId, kind, actor: event.actor, text: auditEventView(event).text ?? '—', at: event.createdAt });
  }
  return entries;
}

/** The history as a short list: who asked or answered, when, and what they wrote. */
export function QuestionHistory({ entries }: { entries: HistoryEntry[] }) {
  return (
    <Stack gap="xs" component="ol" p={0} m={0} style={{ listStyle: 'none' }} data-testid="question-history">
      {entries.map((entry) => (
        <Paper
          key={entry.id}
          component="li"
          withBorder
          p="sm"
          ml={entry.kind === 'answer' ? 'lg' : 0}
          bg={entry.kind === 'question' ? 'var(--mantine-color-yellow-0)' : 'var(--mantine-color-gray-0)'}
        >
          <Text size="xs" c="dimmed">
            {t(entry.kind === 'question' ? 'queue.historyQuestion' : 'queue.historyAnswer', { actor: entry.actor })} ·{' '}
            <RelativeTime iso={entry.at} />
          </Text>
          <Text size="sm" style={{ overflowWrap: 'anywhere', whiteSpace: 'pre-wrap' }}>
            {entry.text}
          </Text>
        </Paper>
      ))}
    </Stack>
  );
}
