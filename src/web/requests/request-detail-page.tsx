import { Anchor, Button, Group, Paper, SimpleGrid, Skeleton, Stack, Text, Title } from '@mantine/core';
import { type ReactNode, useId } from 'react';
import { Link, useParams } from 'react-router';
import { ApiError, type Request, useConversation, useRequest, useRequestEvents } from '../api';
import { ErrorAlert } from '../components/error-alert';
import { Icon } from '../components/icon';
import { JsonBlock } from '../components/json-block';
import { PageTitle } from '../components/page-title';
import { UntrustedText } from '../components/untrusted-text';
import { t } from '../i18n/translate';
import { canReview, isMyAddress, useMe } from '../session/session-context';
import { AuditTimeline } from './audit-timeline';
import { CancelRequestButton, canCancel } from './cancel-request';
import { ConversationView } from './conversation-view';
import { NextStepAlert } from './next-step-alert';
import { QuestionCard, waitsForAnswer } from './question-card';
import { RequestMetadata } from './request-metadata';
import { isInTriage } from './request-status';
import { StatusBadge } from './status-badge';
import { VerificationCard, waitsForVerification } from './verification-card';

/**
 * Fast while triage runs; every few seconds while the requester's answer is awaited (it may come
 * from this page or another channel) or their phone may approve a push; slowly while a person or
 * another system still has to act; not once settled.
 */
function refreshInterval(request: Request | undefined): number | false {
  if (!request || (isInTriage(request.status) && request.status !== 'Waiting')) return 2000;
  if (request.status === 'Waiting') return 5000;
  if (request.status === 'Verifying') return 3000;
  return request.status === 'Escalated' || request.status === 'PendingExternal' ? 15_000 : false;
}

/** `/requests/:id`: everything about one request — where it stands, why, and every step taken. */
export function RequestDetailPage() {
  const { id = '' } = useParams();
  const me = useMe();
  const request = useRequest(id, refreshInterval);
  // The log is read once the request is known to exist (and to be yours), so a bad link costs one 404.
  const events = useRequestEvents(request.data ? id : null, refreshInterval(request.data));
  const chat = request.data?.channel === 'slack' || request.data?.channel === 'teams';
  const conversation = useConversation(chat ? id : null, refreshInterval(request.data));
  const data = request.data;

  if (request.error && !data) {
    const notFound = request.error instanceof ApiError && request.error.status === 404;
    return (
      <>
        <PageTitle title={t('detail.notFoundTitle')} />
        <ErrorAlert
          error={request.error}
          title={notFound ? t('detail.notFoundHeading') : undefined}
          onRetry={notFound ? undefined : () => void request.refetch()}
        />
        <Group mt="md">
          <BackLink />
        </Group>
      </>
    );
  }

  const mine = data ? isMyAddress(me, data.requester) : true;
  const reviewable = data && canReview(me) && data.status === 'Escalated' && data.manualDecision === null;
  return (
    <>
      <BackLink />
      <PageTitle title={data ? t('detail.title', { app: data.app }) : t('detail.loadingTitle')}>
        {data ? t('detail.title', { app: data.app }) : <Skeleton h={32} w={280} />}
      </PageTitle>
      {data ? (
        <Stack gap="lg">
          <Group gap="sm" mih={30}>
            <StatusBadge request={data} />
            {canCancel(me, data) && <CancelRequestButton request={data} mine={mine} />}
            {reviewable && (
              <Button component={Link} to={`/queue?selected=${encodeURIComponent(data.request_id)}`} size="xs" variant="light">
                {t('detail.review')}
              </Button>
            )}
          </Group>
          <NextStepAlert request={data} />
          {waitsForAnswer(data, mine) && <QuestionCard request={data} question={data.question} />}
          {waitsForVerification(data, mine) && <VerificationCard request={data} verification={data.verification} />}
          <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
            <Section title={t('detail.details')}>
              <RequestMetadata request={data} />
            </Section>
            <Section title={t('detail.timeline')}>
              {events.error && <ErrorAlert error={events.error} onRetry={() => void events.refetch()} />}
              {events.data ? (
                <AuditTimeline events={events.data} />
              ) : (
                !events.error && <Skeleton h={420} role="status" aria-label={t('common.loading')} />
              )}
            </Section>
          </SimpleGrid>
          {/* Below the timeline only once it is in: its height is unknown until then, and these would jump. */}
          {(events.data || events.error) && (
            <>
              <Section title={t('detail.justification')}>
                <UntrustedText label={mine ? t('detail.yourJustification') : t('queue.justificationLabel')} text={data.justification} />
              </Section>
              {chat && (
                <Section title={t('conversation.title')}>
                  {conversation.error && <ErrorAlert error={conversation.error} onRetry={() => void conversation.refetch()} />}
                  {conversation.data && <ConversationView messages={conversation.data} />}
                </Section>
              )}
              <Section title={t('detail.data')}>
                <Text size="sm" c="dimmed" mb="sm">
                  {t('detail.dataHint')}
                </Text>
                <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
                  <JsonBlock title={t('detail.result')} value={data.result} testId="result-json" />
                  <JsonBlock title={t('detail.summary')} value={data.summary ?? null} testId="summary-json" />
                </SimpleGrid>
              </Section>
            </>
          )}
        </Stack>
      ) : (
        // One block until the request is in: what comes after has no height to move from.
        <Skeleton h={520} role="status" aria-label={t('common.loading')} />
      )}
    </>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  const id = useId();
  return (
    <Paper withBorder p={{ base: 'md', sm: 'lg' }} component="section" aria-labelledby={id}>
      <Title order={2} size="h4" mb="md" id={id}>
        {title}
      </Title>
      {children}
    </Paper>
  );
}

function BackLink() {
  return (
    <Anchor component={Link} to="/requests" size="sm" mb="xs" display="inline-flex" style={{ alignItems: 'center', gap: 4 }}>
      <Icon name="arrowLeft" size={14} />
      {t('detail.back')}
    </Anchor>
  );
}
