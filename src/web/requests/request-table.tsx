import { Anchor, Badge, Group, Table, Text } from '@mantine/core';
import { Link } from 'react-router';
import type { Request } from '../api';
import { RelativeTime } from '../components/relative-time';
import { t } from '../i18n/translate';
import { StatusBadge } from './status-badge';

/** Requests as a table (wide screens); the app name links to the request; those in `needsAnswer` stand out. */
export function RequestTable({ requests, needsAnswer }: { requests: Request[]; needsAnswer: ReadonlySet<string> }) {
  return (
    <Table.ScrollContainer minWidth={560}>
      <Table verticalSpacing="sm" highlightOnHover bg="white" withTableBorder aria-label={t('myRequests.tableCaption')}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t('field.app')}</Table.Th>
            <Table.Th scope="col">{t('field.status')}</Table.Th>
            <Table.Th scope="col">{t('field.created')}</Table.Th>
            <Table.Th scope="col">{t('field.reference')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {requests.map((request) => (
            <Table.Tr
              key={request.request_id}
              bg={needsAnswer.has(request.request_id) ? 'var(--mantine-color-yellow-0)' : undefined}
              data-needs-answer={needsAnswer.has(request.request_id) || undefined}
            >
              <Table.Td>
                <Anchor component={Link} to={`/requests/${encodeURIComponent(request.request_id)}`} fw={600}>
                  {request.app}
                </Anchor>
                {request.targetUser && (
                  <Text size="xs" c="dimmed">
                    {t('field.forUser', { user: request.targetUser })}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                <Group gap={6}>
                  <StatusBadge request={request} />
                  {needsAnswer.has(request.request_id) && <NeedsAnswerBadge />}
                </Group>
              </Table.Td>
              <Table.Td>
                <RelativeTime iso={request.createdAt} />
              </Table.Td>
              <Table.Td>
                <Text size="xs" ff="monospace" c="dimmed">
                  {request.request_id}
                </Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** Marks a request that waits for the person's answer. */
export function NeedsAnswerBadge() {
  return (
    <Badge color="yellow" variant="filled" c="dark.9" data-testid="needs-answer">
      {t('myRequests.needsAnswerBadge')}
    </Badge>
  );
}
