import { Button, Center, Chip, EmptyState, Group, Select, Skeleton, Stack } from '@mantine/core';
import { Link, useSearchParams } from 'react-router';
import { type Request, type RequestStatus, useRequestPages, useRequestsAwaitingRequester } from '../api';
import { ErrorAlert } from '../components/error-alert';
import { Icon } from '../components/icon';
import { PageTitle } from '../components/page-title';
import { useIsPhone } from '../components/use-is-phone';
import { useMinuteTick } from '../components/use-minute-tick';
import { t } from '../i18n/translate';
import { canReview, isMyAddress, useMe } from '../session/session-context';
import { waitsForAnswer } from './question-card';
import { RequestCards } from './request-cards';
import { STATUSES, statusText } from './request-status';
import { RequestTable } from './request-table';
import { waitsForVerification } from './verification-card';

const ALL = 'all';
/** `?needs=answer`: only the requests that wait for the person's answer. */
const NEEDS_ANSWER = 'answer';

/** Waits for its requester: a question to answer, or proof that it is them (Verifying). */
const needsAnswerFrom = (request: Request) => waitsForAnswer(request, true) || waitsForVerification(request, true);

/**
 * `/requests`: the signed-in person's requests, newest first, filterable by status (`?status=`)
 * or to those waiting for them (`?needs=answer`: a question, or Verifying), which also come first
 * and stand out.
 */
export function MyRequestsPage() {
  useMinuteTick();
  const me = useMe();
  const [params, setParams] = useSearchParams();
  const needsAnswer = params.get('needs') === NEEDS_ANSWER;
  const status = needsAnswer ? null : (STATUSES.find((s) => s === params.get('status')) ?? null);
  // "Needs your answer" spans two statuses (Waiting, Verifying): read as one short list instead of pages.
  const pages = useRequestPages(status, !needsAnswer);
  const awaiting = useRequestsAwaitingRequester(needsAnswer);
  const list = needsAnswer
    ? { data: awaiting.data, isPending: awaiting.isPending, error: awaiting.error, refetch: awaiting.refetch, hasNextPage: false }
    : {
        data: pages.data?.pages.flatMap((p) => p.requests),
        isPending: pages.isPending,
        error: pages.error,
        refetch: pages.refetch,
        hasNextPage: pages.hasNextPage,
      };
  const isPhone = useIsPhone();
  // Approvers and admins are shown everyone's requests by the API; this page is about their own.
  const all = list.data ?? [];
  const own = canReview(me) ? all.filter((r) => isMyAddress(me, r.requester)) : all;
  const waiting = new Set(own.filter(needsAnswerFrom).map((r) => r.request_id));
  const requests = needsAnswer
    ? own.filter((r) => waiting.has(r.request_id))
    : [...own.filter((r) => waiting.has(r.request_id)), ...own.filter((r) => !waiting.has(r.request_id))];

  return (
    <>
      <PageTitle title={t('myRequests.title')} />
      <Group justify="space-between" align="flex-end" mb="md" wrap="wrap">
        <Select
          label={t('myRequests.filterLabel')}
          data={[{ value: ALL, label: t('myRequests.allStatuses') }, ...STATUSES.map((s) => ({ value: s, label: statusText(s) }))]}
          value={status ?? ALL}
          onChange={(value) => setParams(value && value !== ALL ? { status: value } : {})}
          allowDeselect={false}
          disabled={needsAnswer}
          w={240}
        />
        <Chip
          checked={needsAnswer}
          onChange={(checked) => setParams(checked ? { needs: NEEDS_ANSWER } : {})}
          color="yellow"
          variant="outline"
          mb={4}
          mr="auto"
          data-testid="needs-answer-filter"
        >
          {t('myRequests.needsAnswer')}
        </Chip>
        <Button component={Link} to="/" leftSection={<Icon name="plus" size={16} />}>
          {t('nav.newRequest')}
        </Button>
      </Group>
      {list.isPending && <ListSkeleton />}
      {list.error && <ErrorAlert error={list.error} onRetry={() => void list.refetch()} />}
      {list.data && requests.length === 0 && !list.hasNextPage && (
        <NoRequests status={needsAnswer ? null : status} needsAnswer={needsAnswer} />
      )}
      {requests.length > 0 &&
        (isPhone ? <RequestCards requests={requests} needsAnswer={waiting} /> : <RequestTable requests={requests} needsAnswer={waiting} />)}
      {list.hasNextPage && (
        <Center mt="md">
          <Button variant="default" onClick={() => void pages.fetchNextPage()} loading={pages.isFetchingNextPage}>
            {t('myRequests.older')}
          </Button>
        </Center>
      )}
    </>
  );
}

function NoRequests({ status, needsAnswer }: { status: RequestStatus | null; needsAnswer: boolean }) {
  const title = needsAnswer
    ? t('myRequests.noneNeedAnswer')
    : status
      ? t('myRequests.noneWithStatus', { status: statusText(status) })
      : t('myRequests.none');
  return (
    <EmptyState
      icon={<Icon name="inbox" size={32} />}
      title={title}
      description={
        needsAnswer ? t('myRequests.noneNeedAnswerHint') : status ? t('myRequests.noneWithStatusHint') : t('myRequests.noneHint')
      }
      py="xl"
    >
      <EmptyState.Actions>
        <Button component={Link} to="/">
          {t('myRequests.askForReset')}
        </Button>
      </EmptyState.Actions>
    </EmptyState>
  );
}

/** Rows of the same height as the real ones, so nothing jumps when they arrive. */
function ListSkeleton() {
  return (
    <Stack gap={8} role="status" aria-label={t('common.loading')}>
      <Skeleton h={40} />
      {[0, 1, 2, 3, 4].map((i) => (
        <Skeleton key={i} h={52} />
      ))}
    </Stack>
  );
}
