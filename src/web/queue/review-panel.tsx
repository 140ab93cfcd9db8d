import { Anchor, DataList, Group, Skeleton, Stack, Title } from '@mantine/core';
import { type ReactNode, useId } from 'react';
import { Link } from 'react-router';
import { type Request, useRequest, useRequestEvents } from '../api';
import { ErrorAlert } from '../components/error-alert';
import { UntrustedText } from '../components/untrusted-text';
import { t } from '../i18n/translate';
import { IncidentLink } from '../requests/incident-link';
import { AgentUsage } from '../requests/request-metadata';
import { RuleText } from '../requests/rule-text';
import { PriorityBadge } from '../requests/status-badge';
import { isMyAddress, useMe } from '../session/session-context';
import { AgeBadge } from './age-badge';
import { DecisionFacts } from './decision-facts';
import { DecisionForm, type Verdict } from './decision-form';
import { QuestionHistory, questionHistory } from './question-history';

/** Everything an approver needs to decide one escalated request, and the decision itself. */
export function ReviewPanel({ request, onDecided }: { request: Request; onDecided: (verdict: Verdict) => void }) {
  const me = useMe();
  const events = useRequestEvents(request.request_id);
  // The queue's list leaves out the agent's usage: it comes with the request itself (approvers, admins).
  const usage = useRequest(request.request_id).data?.agentUsage;
  const decision = events.data?.findLast((e) => e.eventType === 'Decision');
  const facts = (decision?.details.facts ?? {}) as Record<string, unknown>;
  const headingId = useId();
  const own = isMyAddress(me, request.requester) || isMyAddress(me, request.targetUser);
  const history = questionHistory(events.data ?? []);

  return (
    <Stack gap="lg" data-testid="review-panel">
      <div>
        <Title order={2} size="h3">
          {request.app}
        </Title>
        <Group gap="xs" mt={6}>
          <PriorityBadge priority={request.priority} />
          <AgeBadge since={request.createdAt} />
        </Group>
      </div>
      <DataList withDivider size="sm" labelWidth="min(150px, 40%)">
        <Row label={t('field.requester')}>{request.requester}</Row>
        {request.targetUser && <Row label={t('field.targetUser')}>{request.targetUser}</Row>}
        <Row label={t('field.app')}>{request.app}</Row>
        <Row label={t('field.rule')}>{request.ruleId ? <RuleText ruleId={request.ruleId} /> : '—'}</Row>
        <Row label={t('field.policyVersion')}>
          {request.policyVersion ? (
            <Anchor
              component={Link}
              to={`/policy?version=${encodeURIComponent(request.policyVersion)}`}
              size="sm"
              aria-label={t('queue.policyLinkLabel', { version: request.policyVersion })}
              data-testid="policy-link"
            >
              {t('queue.policyLink', { version: request.policyVersion })}
            </Anchor>
          ) : (
            '—'
          )}
        </Row>
        <Row label={t('field.rationale')}>{request.rationale ?? '—'}</Row>
        <Row label={t('field.nextOwner')}>{request.next_owner ?? '—'}</Row>
        {request.store && <Row label={t('field.store')}>{request.store}</Row>}
        {request.incident && (
          <Row label={t('field.incident')}>
            <IncidentLink incident={request.incident} />
          </Row>
        )}
        {usage && (
          <Row label={t('field.agentUsage')}>
            <AgentUsage usage={usage} />
          </Row>
        )}
      </DataList>
      <section aria-labelledby={`${headingId}-facts`}>
        <Title order={3} size="h5" mb="xs" id={`${headingId}-facts`}>
          {t('queue.facts')}
        </Title>
        {events.error && <ErrorAlert error={events.error} onRetry={() => void events.refetch()} />}
        {events.isPending ? <Skeleton h={240} /> : events.data && <DecisionFacts facts={facts} />}
      </section>
      <UntrustedText label={t('queue.justificationLabel')} text={request.justification} />
      {history.length > 0 && (
        <section aria-labelledby={`${headingId}-history`}>
          <Title order={3} size="h5" mb="xs" id={`${headingId}-history`}>
            {t('queue.history')}
          </Title>
          <QuestionHistory entries={history} />
        </section>
      )}
      <section aria-labelledby={`${headingId}-decide`}>
        <Title order={3} size="h5" mb="xs" id={`${headingId}-decide`}>
          {t('queue.decide')}
        </Title>
        <DecisionForm key={request.request_id} request={request} blockedReason={own ? t('queue.ownRequest') : null} onDecided={onDecided} />
      </section>
      <Anchor component={Link} to={`/requests/${encodeURIComponent(request.request_id)}`} size="sm">
        {t('queue.openFull')}
      </Anchor>
    </Stack>
  );
}

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <DataList.Item>
      <DataList.ItemLabel>{label}</DataList.ItemLabel>
      <DataList.ItemValue style={{ overflowWrap: 'anywhere' }}>{children}</DataList.ItemValue>
    </DataList.Item>
  );
}
