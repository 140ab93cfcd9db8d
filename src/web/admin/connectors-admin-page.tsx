import { Badge, Button, Group, Paper, SimpleGrid, Skeleton, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { useConnectorStatus } from '../api';
import { ErrorAlert } from '../components/error-alert';
import { t } from '../i18n/translate';
import { AdminPage } from './admin-page';

/** `/admin/connectors`: whether Okta and SMTP answer now, Okta's rate-limit budget, the dev mailbox. */
export function ConnectorsAdminPage() {
  return (
    <AdminPage title={t('admin.connectors.title')}>
      <Connectors />
    </AdminPage>
  );
}

function Connectors() {
  const status = useConnectorStatus();
  if (status.isPending) return <Skeleton height={160} />;
  if (status.isError) return <ErrorAlert error={status.error} onRetry={() => void status.refetch()} />;
  const { okta, smtp } = status.data;
  const unknown = t('admin.connectors.unknown');
  return (
    <Stack gap="md">
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <StatusCard title={t('admin.connectors.okta')} reachable={okta.reachable} error={okta.error}>
          <Text fw={500} size="sm">
            {t('admin.connectors.rateLimits')}
          </Text>
          {okta.rateLimits.length === 0 ? (
            <Text size="sm" c="dimmed">
              {t('admin.connectors.noRateLimits')}
            </Text>
          ) : (
            <ul style={{ margin: 0, paddingInlineStart: '1.2em' }}>
              {okta.rateLimits.map((b) => (
                <li key={b.bucket}>
                  <Text size="sm">
                    {t('admin.connectors.budget', {
                      bucket: b.bucket,
                      remaining: b.remaining ?? unknown,
                      limit: b.limit ?? unknown,
                    })}
                  </Text>
                </li>
              ))}
            </ul>
          )}
        </StatusCard>
        <StatusCard title={t('admin.connectors.smtp')} reachable={smtp.reachable} error={smtp.error}>
          <Text size="sm" c={smtp.devMailbox ? 'orange.9' : undefined}>
            {smtp.devMailbox ? t('admin.connectors.devMailbox') : t('admin.connectors.smtpConfigured')}
          </Text>
        </StatusCard>
      </SimpleGrid>
      <Group>
        <Button variant="default" loading={status.isFetching} onClick={() => void status.refetch()}>
          {t('admin.connectors.refresh')}
        </Button>
      </Group>
    </Stack>
  );
}

function StatusCard({
  title,
  reachable,
  error,
  children,
}: {
  title: string;
  reachable: boolean;
  error: string | null;
  children: ReactNode;
}) {
  return (
    <Paper withBorder p="md" component="section" aria-label={title}>
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h4">
          {title}
        </Title>
        <Badge color={reachable ? 'green' : 'red'}>{reachable ? t('admin.connectors.reachable') : t('admin.connectors.unreachable')}</Badge>
      </Group>
      {error && (
        <Text size="sm" c="red.8" mb="sm">
          {error}
        </Text>
      )}
      {children}
    </Paper>
  );
}
