import { Badge, Button, Group, Skeleton, Table, Text } from '@mantine/core';
import { Link } from 'react-router';
import { DECISIONS_EXPORT_URL, useDecisions } from '../api';
import { ErrorAlert } from '../components/error-alert';
import { RelativeTime } from '../components/relative-time';
import { t } from '../i18n/translate';
import { AdminPage } from './admin-page';

const OUTCOME_COLOR = { Approved: 'green', Denied: 'red', Escalated: 'orange' } as const;

/** `/admin/decisions`: the decision log, newest first, and its CSV export. */
export function DecisionsAdminPage() {
  return (
    <AdminPage title={t('admin.decisions.title')}>
      <Decisions />
    </AdminPage>
  );
}

function Decisions() {
  const decisions = useDecisions();
  return (
    <>
      <Group justify="space-between" mb="md">
        <Text c="dimmed">{t('admin.decisions.intro')}</Text>
        <Button variant="default" component="a" href={DECISIONS_EXPORT_URL} download="decisions.csv">
          {t('admin.decisions.export')}
        </Button>
      </Group>
      {decisions.isPending && <Skeleton height={160} />}
      {decisions.isError && <ErrorAlert error={decisions.error} onRetry={() => void decisions.refetch()} />}
      {decisions.data?.length === 0 && <Text c="dimmed">{t('admin.decisions.empty')}</Text>}
      {decisions.data && decisions.data.length > 0 && (
        <Table.ScrollContainer minWidth={1200}>
          <Table verticalSpacing="sm" bg="white" withTableBorder aria-label={t('admin.decisions.tableCaption')}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{t('admin.decisions.column.date')}</Table.Th>
                <Table.Th scope="col">{t('admin.decisions.column.request')}</Table.Th>
                <Table.Th scope="col">{t('admin.decisions.column.source')}</Table.Th>
                <Table.Th scope="col">{t('admin.decisions.column.outcome')}</Table.Th>
                <Table.Th scope="col">{t('admin.decisions.column.rule')}</Table.Th>
                <Table.Th scope="col">{t('admin.decisions.column.app')}</Table.Th>
                <Table.Th scope="col">{t('admin.decisions.column.requester')}</Table.Th>
                <Table.Th scope="col">{t('admin.decisions.column.rationale')}</Table.Th>
                <Table.Th scope="col">{t('admin.decisions.column.decidedBy')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {decisions.data.map((d) => (
                <Table.Tr key={`${d.requestId}-${d.date}-${d.source}`}>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>
                    <RelativeTime iso={d.date} />
                  </Table.Td>
                  <Table.Td>
                    <Link to={`/requests/${encodeURIComponent(d.requestId)}`}>
                      <Text ff="monospace" size="sm" span>
                        {d.requestId}
                      </Text>
                    </Link>
                  </Table.Td>
                  <Table.Td>{t(d.source === 'engine' ? 'admin.decisions.source.engine' : 'admin.decisions.source.human')}</Table.Td>
                  <Table.Td style={{ minWidth: 110 }}>
                    <Badge color={OUTCOME_COLOR[d.outcome]} styles={{ label: { overflow: 'visible' } }}>
                      {d.outcome}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{d.ruleId ?? '—'}</Table.Td>
                  <Table.Td>{d.app}</Table.Td>
                  <Table.Td>{d.requester}</Table.Td>
                  <Table.Td style={{ minWidth: 240 }}>{d.rationale}</Table.Td>
                  <Table.Td>{d.decidedBy}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </>
  );
}
