import { Code, DataList, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import type { Request } from '../api';
import { formatExactTime } from '../i18n/format';
import { t } from '../i18n/translate';
import { decisionText } from './decision-text';
import { IncidentLink } from './incident-link';
import { RuleText } from './rule-text';
import { PriorityBadge, StatusBadge } from './status-badge';

const NONE = '—';

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
