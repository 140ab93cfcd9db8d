import { Anchor, Badge, Button, Group, Paper, SimpleGrid, Skeleton, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { type ConnectorStatus, useConnectorStatus } from '../api';
import { ErrorAlert } from '../components/error-alert';
import { RelativeTime } from '../components/relative-time';
import { t } from '../i18n/translate';
import { AdminPage } from './admin-page';

/**
 * `/admin/connectors`: whether Okta and SMTP answer now, Okta's rate-limit budget, the dev
 * mailbox, the policy source (Confluence or not, and how its latest sync went), the credential
 * stores, and the chat channels (Slack, Microsoft Teams).
 */
export function ConnectorsAdminPage() {
  return (
    <AdminPage title={t('admin.connectors.title')}>
      <Connectors />
    </AdminPage>
  );
}

function Connectors() {
  const status = useConnectorStatus();
  if (status.isPending) return <Skeleton height={420} />;
  if (status.isError) return <ErrorAlert error={status.error} onRetry={() => void status.refetch()} />;
  const { okta, smtp, policy, stores, slack, teams } = status.data;
  const unknown = t('admin.connectors.unknown');
  return (
    <Stack gap="md">
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <StatusCard title={t('admin.connectors.okta')} {...reachability(okta.reachable)} error={okta.error}>
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
        <StatusCard title={t('admin.connectors.smtp')} {...reachability(smtp.reachable)} error={smtp.error}>
          <Text size="sm" c={smtp.devMailbox ? 'orange.9' : undefined}>
            {smtp.devMailbox ? t('admin.connectors.devMailbox') : t('admin.connectors.smtpConfigured')}
          </Text>
        </StatusCard>
        <PolicySourceCard policy={policy} />
        <StoresCard stores={stores} />
        <SlackCard slack={slack} />
        <TeamsCard teams={teams} />
      </SimpleGrid>
      <Group>
        <Button variant="default" loading={status.isFetching} onClick={() => void status.refetch()}>
          {t('admin.connectors.refresh')}
        </Button>
      </Group>
    </Stack>
  );
}

const reachability = (reachable: boolean) => ({
  badge: reachable ? t('admin.connectors.reachable') : t('admin.connectors.unreachable'),
  ok: reachable,
});

/**
 * The policy source: the Confluence page (or none), the policy in force, and the latest sync as
 * the server recorded it; a failed sync shows its error (with the lines of every problem).
 */
function PolicySourceCard({ policy }: { policy: ConnectorStatus['policy'] }) {
  const { confluence, lastSync } = policy;
  const badge = !confluence
    ? { badge: t('admin.connectors.noConfluence'), ok: null }
    : lastSync && !lastSync.ok
      ? { badge: t('admin.connectors.syncFailed'), ok: false }
      : { badge: t('admin.connectors.synced'), ok: lastSync ? true : null };
  return (
    <StatusCard title={t('admin.connectors.policy')} {...badge} error={lastSync && !lastSync.ok ? lastSync.error : null}>
      <Stack gap={4}>
        <Text size="sm">
          {confluence
            ? t('admin.connectors.confluencePage', { id: confluence.pageId, minutes: confluence.syncMinutes })
            : t('admin.connectors.noConfluenceBody')}
        </Text>
        <Text size="sm">
          {t('admin.connectors.policyInForce', { version: policy.version, source: t(`policy.sourceKind.${policy.source}`) })}
        </Text>
        <Text size="sm" data-testid="connectors-last-sync">
          {t('admin.connectors.lastSync')}{' '}
          {lastSync ? (
            <>
              <RelativeTime iso={lastSync.at} /> · {lastSync.ok ? t('policy.sync.ok') : t('policy.sync.failed')}
            </>
          ) : (
            t('admin.connectors.neverSynced')
          )}
        </Text>
        {lastSync && !lastSync.ok && (
          <Text size="sm">
            {t('admin.connectors.lastOk')}{' '}
            {policy.lastSuccessfulSyncAt ? <RelativeTime iso={policy.lastSuccessfulSyncAt} /> : t('policy.sync.neverOk')}
          </Text>
        )}
        <Anchor component={Link} to="/policy" size="sm">
          {t('admin.connectors.openPolicy')}
        </Anchor>
      </Stack>
    </StatusCard>
  );
}

/**
 * The credential stores the catalog may name: the built-ins, then STORES_FILE's, with where each
 * sends its resets; LDAP directories were bound to just now, executors are not called.
 */
function StoresCard({ stores }: { stores: ConnectorStatus['stores'] }) {
  const checked = stores.filter((s) => s.reachable !== null);
  const down = checked.filter((s) => s.reachable === false);
  const badge =
    checked.length === 0
      ? { badge: t('admin.connectors.storesCount', { count: stores.length }), ok: null }
      : reachability(down.length === 0);
  return (
    <StatusCard title={t('admin.connectors.stores')} {...badge} error={null}>
      <ul style={{ margin: 0, paddingInlineStart: '1.2em' }} data-testid="connectors-stores">
        {stores.map((store) => (
          <li key={store.name}>
            <Text size="sm">
              <Text span fw={500}>
                {store.name}
              </Text>{' '}
              · {t(`admin.connectors.storeType.${store.type}`)}
              {store.target && <> · {store.target}</>}
              {store.reachable !== null && <> · {store.reachable ? t('admin.connectors.reachable') : t('admin.connectors.unreachable')}</>}
            </Text>
            {store.error && (
              <Text size="sm" c="red.8" style={{ overflowWrap: 'anywhere' }}>
                {store.error}
              </Text>
            )}
          </li>
        ))}
      </ul>
      <Text size="sm" c="dimmed" mt="xs">
        {t('admin.connectors.storesHint')}
      </Text>
    </StatusCard>
  );
}

const notConfigured = () => ({ badge: t('admin.connectors.notConfigured'), ok: null });

/**
 * Slack: over HTTP nothing can be checked from here (Slack calls us at POST /slack/events); in
 * Socket Mode whether our WebSocket is open now, with the last failure.
 */
function SlackCard({ slack }: { slack: ConnectorStatus['slack'] }) {
  const badge =
    slack.mode === 'socket'
      ? { badge: slack.connected ? t('admin.connectors.connected') : t('admin.connectors.disconnected'), ok: slack.connected === true }
      : slack.configured
        ? { badge: t('admin.connectors.slackHttp'), ok: null }
        : notConfigured();
  const body = !slack.configured
    ? t('admin.connectors.slackNone')
    : slack.mode === 'socket'
      ? t('admin.connectors.slackSocketBody')
      : t('admin.connectors.slackHttpBody', { path: '/slack/events' });
  return (
    <StatusCard title={t('admin.connectors.slack')} {...badge} error={slack.error}>
      <Text size="sm" data-testid="connectors-slack">
        {body}
      </Text>
    </StatusCard>
  );
}

/** Microsoft Teams: configuration only (Microsoft is not called: that would spend the client secret). */
function TeamsCard({ teams }: { teams: ConnectorStatus['teams'] }) {
  if (!teams.configured) {
    return (
      <StatusCard title={t('admin.connectors.teams')} {...notConfigured()} error={null}>
        <Text size="sm" data-testid="connectors-teams">
          {t('admin.connectors.teamsNone')}
        </Text>
      </StatusCard>
    );
  }
  return (
    <StatusCard title={t('admin.connectors.teams')} badge={t('admin.connectors.configured')} ok={null} error={null}>
      <Stack gap={4} data-testid="connectors-teams">
        <Text size="sm">{t('admin.connectors.teamsEndpoint', { path: teams.endpoint ?? '/api/messages' })}</Text>
        <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
          {t('admin.connectors.teamsApp', { appId: teams.appId ?? '?', tenantId: teams.tenantId ?? '?' })}
        </Text>
        <Text size="sm">{teams.approversConversation ? t('admin.connectors.teamsApprovers') : t('admin.connectors.teamsNoApprovers')}</Text>
      </Stack>
    </StatusCard>
  );
}

/** A connector's card; `ok` colours the badge (green, red, or grey when there is nothing to judge). */
function StatusCard({
  title,
  badge,
  ok,
  error,
  children,
}: {
  title: string;
  badge: string;
  ok: boolean | null;
  error: string | null;
  children: ReactNode;
}) {
  return (
    <Paper withBorder p="md" component="section" aria-label={title}>
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h4">
          {title}
        </Title>
        <Badge color={ok === null ? 'gray' : ok ? 'green' : 'red'}>{badge}</Badge>
      </Group>
      {error && (
        <Text size="sm" c="red.8" mb="sm" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
          {error}
        </Text>
      )}
      {children}
    </Paper>
  );
}
