import { Alert, Button, Group, Paper, Skeleton, Stack, Text } from '@mantine/core';
import { Link } from 'react-router';
import { type Request, useRequest, useRequestStream } from '../api';
import { ErrorAlert } from '../components/error-alert';
import { Icon } from '../components/icon';
import { t } from '../i18n/translate';
import { isMyAddress, useMe } from '../session/session-context';
import { CancelRequestButton, canCancel } from './cancel-request';
import { NextStepAlert } from './next-step-alert';
import { QuestionCard, waitsForAnswer } from './question-card';
import { isInTriage } from './request-status';
import { StatusBadge } from './status-badge';
import { VerificationCard, waitsForVerification } from './verification-card';

/**
 * Re-reads the request every second while triage runs (every 5 s while it waits for an answer,
 * every 3 s while the phone may approve a push).
 */
const pollWhileTriaging = (request: Request | undefined) => {
  if (!request) return 1000;
  if (request.status === 'Waiting') return 5000;
  if (request.status === 'Verifying') return 3000;
  // An approver may decide at any moment: the page turns Completed (or Denied) by itself.
  if (request.status === 'Escalated') return 3000;
  if (request.status === 'PendingExternal') return 15_000;
  return isInTriage(request.status) ? 1000 : false;
};

/**
 * Follows a just-filed request live until it is decided for good, saying what happens next:
 * server-sent events while they work, polling when they do not. A question for the requester is
 * answered right here; `existing` says the form found this request already open.
 */
export function RequestFollow({ id, existing = false, onAnother }: { id: string; existing?: boolean; onAnother: () => void }) {
  const me = useMe();
  const live = useRequestStream(id);
  const request = useRequest(id, live ? () => false : pollWhileTriaging);
  const data = request.data;
  const mine = data ? isMyAddress(me, data.requester) : true;
  return (
    <Paper withBorder p={{ base: 'md', sm: 'xl' }}>
      <Stack gap="md">
        {existing && (
          <Alert color="blue" icon={<Icon name="inbox" />} data-testid="existing-request">
            {data ? t('follow.existing', { app: data.app }) : t('follow.existingNoApp')}
          </Alert>
        )}
        <Group justify="space-between" wrap="wrap" gap="xs">
          <Text component="h2" fw={650} size="lg">
            {data ? t('follow.titleWithApp', { app: data.app }) : t('follow.title')}
          </Text>
          {data ? <StatusBadge request={data} /> : <Skeleton h={20} w={90} />}
        </Group>
        <Text size="sm" c="dimmed">
          {t('follow.reference', { id })}
        </Text>
        {request.error && <ErrorAlert error={request.error} onRetry={() => void request.refetch()} />}
        {data ? <NextStepAlert request={data} /> : !request.error && <Skeleton h={84} radius="md" />}
        {data && waitsForAnswer(data, mine) && <QuestionCard request={data} question={data.question} />}
        {data && waitsForVerification(data, mine) && <VerificationCard request={data} verification={data.verification} />}
        <Group gap="sm">
          <Button component={Link} to={`/requests/${encodeURIComponent(id)}`} variant="light">
            {t('follow.details')}
          </Button>
          <Button variant="default" onClick={onAnother} leftSection={<Icon name="plus" size={16} />}>
            {t('follow.another')}
          </Button>
          {data && canCancel(me, data) && <CancelRequestButton request={data} mine={mine} />}
        </Group>
      </Stack>
    </Paper>
  );
}
