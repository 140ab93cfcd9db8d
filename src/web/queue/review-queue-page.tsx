import { Alert, EmptyState, Grid, Group, Paper, Select, Skeleton, Stack, Text } from '@mantine/core';
import { useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { type Request, useEscalatedRequests } from '../api';
import { ErrorAlert } from '../components/error-alert';
import { Icon } from '../components/icon';
import { PageTitle } from '../components/page-title';
import { useIsPhone } from '../components/use-is-phone';
import { useMinuteTick } from '../components/use-minute-tick';
import type { MessageKey } from '../i18n/en';
import { t } from '../i18n/translate';
import { NotAllowedPage } from '../session/not-allowed-page';
import { canReview, useMe } from '../session/session-context';
import type { Verdict } from './decision-form';
import { PriorityCounts } from './priority-counts';
import { QueueList } from './queue-list';
import { awaitingDecision, countByPriority, sortForReview } from './queue-order';
import { ReviewDrawer } from './review-drawer';
import { ReviewPanel } from './review-panel';

const ALL_APPS = 'all';

const NOTICES: Record<Verdict, MessageKey> = {
  approve: 'queue.approvedNotice',
  deny: 'queue.deniedNotice',
  return: 'queue.returnedNotice',
};

/** `/queue`: escalated requests for approvers and admins; `?selected=<id>` opens one. */
export function ReviewQueuePage() {
  const me = useMe();
  if (!canReview(me)) return <NotAllowedPage />;
  return <ReviewQueue />;
}

function ReviewQueue() {
  useMinuteTick();
  const escalated = useEscalatedRequests();
  const [params, setParams] = useSearchParams();
  const [app, setApp] = useState(ALL_APPS);
  const [decided, setDecided] = useState<{ request: Request; verdict: Verdict } | null>(null);
  const isPhone = useIsPhone();

  const waiting = useMemo(() => sortForReview(awaitingDecision(escalated.data ?? [])), [escalated.data]);
  const apps = useMemo(() => [...new Set(waiting.map((r) => r.app))].sort((a, b) => a.localeCompare(b)), [waiting]);
  const shown = app === ALL_APPS ? waiting : waiting.filter((r) => r.app === app);
  const selectedId = params.get('selected');
  const selected = waiting.find((r) => r.request_id === selectedId) ?? null;
  const select = (id: string | null) => setParams(id ? { selected: id } : {});
  const onDecided = (request: Request) => (verdict: Verdict) => {
    setDecided({ request, verdict });
    select(null);
  };

  const panel = selected && <ReviewPanel request={selected} onDecided={onDecided(selected)} />;
  return (
    <>
      <PageTitle title={t('queue.title')} />
      {decided && (
        <Alert
          color="green"
          icon={<Icon name="check" />}
          mb="md"
          role="status"
          withCloseButton
          onClose={() => setDecided(null)}
          closeButtonLabel={t('action.dismiss')}
        >
          {t(NOTICES[decided.verdict], {
            app: decided.request.app,
            requester: decided.request.requester,
          })}
        </Alert>
      )}
      {escalated.error && <ErrorAlert error={escalated.error} onRetry={() => void escalated.refetch()} />}
      <Group justify="space-between" align="flex-end" mb="md" wrap="wrap" gap="md">
        <PriorityCounts counts={escalated.data ? countByPriority(waiting) : null} />
        <Select
          label={t('queue.filterApp')}
          data={[{ value: ALL_APPS, label: t('queue.allApps') }, ...apps.map((a) => ({ value: a, label: a }))]}
          value={app}
          onChange={(value) => setApp(value ?? ALL_APPS)}
          allowDeselect={false}
          searchable
          w={240}
        />
      </Group>
      {escalated.isPending ? (
        <Stack gap={8} role="status" aria-label={t('common.loading')}>
          {[0, 1, 2].map((i) => (
            <Skeleton key={i} h={96} />
          ))}
        </Stack>
      ) : shown.length === 0 ? (
        escalated.data && (
          <EmptyState icon={<Icon name="check" size={32} />} title={t('queue.empty')} description={t('queue.emptyHint')} py="xl" />
        )
      ) : (
        <Grid gap="lg">
          <Grid.Col span={{ base: 12, md: 5 }}>
            <QueueList requests={shown} selectedId={selected?.request_id ?? null} onSelect={select} />
          </Grid.Col>
          {!isPhone && (
            <Grid.Col span={{ base: 12, md: 7 }}>
              <Paper
                withBorder
                p="lg"
                style={{ position: 'sticky', top: 76, maxHeight: 'calc(100vh - 92px)', overflowY: 'auto' }}
                component="section"
                aria-label={t('queue.panelLabel')}
              >
                {panel ?? <Text c="dimmed">{t('queue.selectHint')}</Text>}
              </Paper>
            </Grid.Col>
          )}
        </Grid>
      )}
      {isPhone && (
        <ReviewDrawer opened={selected !== null} onClose={() => select(null)}>
          {panel}
        </ReviewDrawer>
      )}
    </>
  );
}
