import { Button, Group, Paper, Skeleton, Stack, Text } from '@mantine/core';
import { Link } from 'react-router';
import { type Request, useRequest, useRequestStream } from '../api';
import { ErrorAlert } from '../components/error-alert';
import { Icon } from '../components/icon';
import { t } from '../i18n/translate';
import { NextStepAlert } from './next-step-alert';
import { isInTriage } from './request-status';
import { StatusBadge } from './status-badge';

/** Re-reads the request every second while triage runs (every 5 s while it waits to retry Okta). */
const pollWhileTriaging = (request: Request | undefined) => {
  if (!request) return 1000;
  if (request.status === 'Waiting') return 5000;
  // An approver may decide at any moment: the page turns Completed (or Denied) by itself.
  if (request.status === 'Escalated') return 3000;
  if (request.status === 'PendingExternal') return 15_000;
  return isInTriage(request.status) ? 1000 : false;
};

/**
 * Follows a just-filed request live until it is decided for good, saying what happens next:
 * server-sent events while they work, polling when they do not.
 */
export function RequestFollow({ id, onAnother }: { id: string; onAnother: () => void }) {
  const live = useRequestStream(id);
  const request = useRequest(id, live ? () => false : pollWhileTriaging);
  return (
    <Paper withBorder p={{ base: 'md', sm: 'xl' }}>
      <Stack gap="md">
        <Group justify="space-between" wrap="wrap" gap="xs">
          <Text component="h2" fw={650} size="lg">
            {request.data ? t('follow.titleWithApp', { app: request.data.app }) : t('follow.title')}
          </Text>
          {request.data ? <StatusBadge request={request.data} /> : <Skeleton h={20} w={90} />}
        </Group>
        <Text size="sm" c="dimmed">
          {t('follow.reference', { id })}
        </Text>
        {request.error && <ErrorAlert error={request.error} onRetry={() => void request.refetch()} />}
        {request.data ? <NextStepAlert request={request.data} /> : !request.error && <Skeleton h={84} radius="md" />}
        <Group gap="sm">
          <Button component={Link} to={`/requests/${encodeURIComponent(id)}`} variant="light">
            {t('follow.details')}
          </Button>
          <Button variant="default" onClick={onAnother} leftSection={<Icon name="plus" size={16} />}>
            {t('follow.another')}
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}
