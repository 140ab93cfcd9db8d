import { Anchor, Group, Paper, Stack, Text } from '@mantine/core';
import { Link } from 'react-router';
import type { Request } from '../api';
import { RelativeTime } from '../components/relative-time';
import { t } from '../i18n/translate';
import { NeedsAnswerBadge } from './request-table';
import { StatusBadge } from './status-badge';

/** Requests as a list of cards (phones). */
export function RequestCards({ requests, needsAnswer }: { requests: Request[]; needsAnswer: ReadonlySet<string> }) {
  return (
    <Stack gap="sm" component="ul" p={0} m={0} style={{ listStyle: 'none' }} aria-label={t('myRequests.tableCaption')}>
      {requests.map((request) => (
        <Paper
          key={request.request_id}
          component="li"
          withBorder
          p="md"
          bg={needsAnswer.has(request.request_id) ? 'var(--mantine-color-yellow-0)' : undefined}
          data-needs-answer={needsAnswer.has(request.request_id) || undefined}
        >
          <Group justify="space-between" align="flex-start" wrap="nowrap" gap="sm">
            <Anchor
              component={Link}
              to={`/requests/${encodeURIComponent(request.request_id)}`}
              fw={600}
              style={{ overflowWrap: 'anywhere' }}
            >
              {request.app}
            </Anchor>
            <StatusBadge request={request} />
          </Group>
          {needsAnswer.has(request.request_id) && (
            <Group mt={6}>
              <NeedsAnswerBadge />
            </Group>
          )}
          <Text size="sm" c="dimmed" mt={6}>
            {t('field.created')}: <RelativeTime iso={request.createdAt} />
          </Text>
          {request.targetUser && (
            <Text size="sm" c="dimmed">
              {t('field.forUser', { user: request.targetUser })}
            </Text>
          )}
        </Paper>
      ))}
    </Stack>
  );
}
