import { Code, DataList, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import type { Request } from '../api';
import { formatDuration, formatExactTime } from '../i18n/format';
import { locale, t } from '../i18n/translate';
import { decisionText } from './decision-text';
import { IncidentLink } from './incident-link';
import { RuleText } from './rule-text';
import { PriorityBadge, StatusBadge } from './status-badge';

const NONE = '—';
const amount = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });

/**
 * What the LLM agent cost on this request: "3 runs (1 failed), 1,234 tokens in / 567 out, 2.1 s",
 * then refused tool calls and the models. The API sends it to approvers and admins only.
 */
export function AgentUsage({ usage }: { usage: NonNullable<Request['agentUsage']> }) {
  const runs = usage.runs === 1 ? t('agentUsage.run') : t('agentUsage.runs', { count: amount.format(usage.runs) });
  const line = t('agentUsage.line', {
    runs: usage.failedRuns > 0 ? t('agentUsage.withFailed', { runs, failed: amount.format(usage.failedRuns) }) : runs,
    tokensIn: amount.format(usage.promptTokens),
    tokensOut: amount.format(usage.completionTokens),
    latency: formatDuration(usage.latencyMs),
  });
  return (
    <div data-testid="agent-usage">
      <Text size="sm">{line}</Text>
      {usage.rejectedCalls > 0 && <Text size="sm">{t('agentUsage.refused', { count: amount.format(usage.rejectedCalls) })}</Text>}
      {usage.models.length > 0 && (
        <Text size="sm" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
          {t('agentUsage.models', { models: usage.models.join(', ') })}
        </Text>
      )}
    </div>
  );
}

/** Everything known about a request, as a list of labelled values. */
export function RequestMetadata({ request }: { request: Request }) {
  const decidedBy = request.decidedBy ?? (request.decidedAt ? t('detail.decidedByPolicy') : null);
  const rows: [string, ReactNode][] = [
    [t('field.requester'), request.requester],
    ...(request.targetUser ? [[t('field.targetUser'), request.targetUser] as [string, ReactNode]] : []),
    [t('field.app'), request.app],
    [t('field.status'), <StatusBadge key="s" request={request} />],
    [t('field.priority'), <PriorityBadge key="p" priority={request.priority} />],
    [t('field.decision'), request.decision ? decisionText(request.decision) : NONE],
    [t('field.rationale'), request.rationale ?? NONE],
    [t('field.rule'), request.ruleId ? <RuleText key="r" ruleId={request.ruleId} /> : NONE],
    [t('field.policyVersion'), request.policyVersion ?? NONE],
    [t('field.decidedBy'), decidedBy ?? NONE],
    [t('field.decidedAt'), request.decidedAt ? formatExactTime(request.decidedAt) : NONE],
    [t('field.nextOwner'), request.next_owner ?? NONE],
    ...(request.incident ? [[t('field.incident'), <IncidentLink key="i" incident={request.incident} />] as [string, ReactNode]] : []),
    ...(request.store ? [[t('field.store'), request.store] as [string, ReactNode]] : []),
    ...(request.externalResult
      ? [
          [
            t('field.externalResult'),
            t('field.externalResultAt', {
              at: formatExactTime(request.externalResult.at),
              message: request.externalResult.message ?? NONE,
            }),
          ] as [string, ReactNode],
        ]
      : []),
    ...(request.agentUsage ? [[t('field.agentUsage'), <AgentUsage key="a" usage={request.agentUsage} />] as [string, ReactNode]] : []),
    [t('field.created'), formatExactTime(request.createdAt)],
    [t('field.reference'), <Code key="id">{request.request_id}</Code>],
  ];
  return (
    <DataList withDivider labelWidth="min(150px, 40%)" size="sm" data-testid="request-metadata">
      {rows.map(([label, value]) => (
        <DataList.Item key={label}>
          <DataList.ItemLabel>{label}</DataList.ItemLabel>
          <DataList.ItemValue>{typeof value === 'string' ? <Text size="sm">{value}</Text> : value}</DataList.ItemValue>
        </DataList.Item>
      ))}
    </DataList>
  );
}
