import {
  Alert,
  Anchor,
  Badge,
  Button,
  Code,
  CopyButton,
  DataList,
  Group,
  Paper,
  SimpleGrid,
  Skeleton,
  Stack,
  Table,
  Text,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { type ReactNode, useId, useState } from 'react';
import { useSearchParams } from 'react-router';
import { ApiError, type PolicyView, usePolicy, useSyncPolicy } from '../api';
import { ErrorAlert, errorMessage } from '../components/error-alert';
import { Icon } from '../components/icon';
import { PageTitle } from '../components/page-title';
import { RelativeTime } from '../components/relative-time';
import { UntrustedText } from '../components/untrusted-text';
import { formatExactTime } from '../i18n/format';
import { t } from '../i18n/translate';
import { NotAllowedPage } from '../session/not-allowed-page';
import { canReview, useMe } from '../session/session-context';
import { issueLine } from './policy-text';
import { ReplacePolicyModal } from './replace-policy-modal';

type PolicySource = PolicyView['source'];

/**
 * `/policy`: the policy in force, where it came from, the reference text approvers read before
 * deciding, its YAML and history (approvers and admins); admins also sync the policy page and
 * replace the policy. `?version=` names the version a decision used (the review panel's link).
 */
export function PolicyPage() {
  const me = useMe();
  if (!canReview(me)) return <NotAllowedPage body="notAllowed.policyBody" />;
  return (
    <>
      <PageTitle title={t('policy.title')} />
      <Text size="sm" c="dimmed" mt={-8} mb="lg">
        {t('policy.intro')}
      </Text>
      <PolicyContent admin={me.role === 'admin'} />
    </>
  );
}

function PolicyContent({ admin }: { admin: boolean }) {
  const policy = usePolicy();
  const [params] = useSearchParams();
  const [replacing, setReplacing] = useState(false);
  const [replaced, setReplaced] = useState<string | null>(null);
  if (policy.isPending) return <Skeleton h={720} radius="md" data-testid="policy-loading" />;
  if (policy.isError) return <ErrorAlert title={t('policy.loadFailed')} error={policy.error} onRetry={() => void policy.refetch()} />;
  const view = policy.data;
  const decidedUnder = params.get('version');
  return (
    <Stack gap="lg" data-testid="policy">
      {replaced && (
        <Alert color="green" role="status" withCloseButton closeButtonLabel={t('action.dismiss')} onClose={() => setReplaced(null)}>
          {t('policy.replace.done', { version: replaced })}
        </Alert>
      )}
      {decidedUnder && (
        <Alert color="blue" icon={<Icon name="scale" />}>
          {decidedUnder === view.version
            ? t('policy.fromDecisionSame', { version: decidedUnder })
            : t('policy.fromDecisionOther', { version: decidedUnder, current: view.version })}
        </Alert>
      )}
      <SimpleGrid cols={{ base: 1, md: view.confluence ? 2 : 1 }} spacing="lg">
        <Summary view={view} />
        {view.confluence && <SyncStatus view={view} admin={admin} />}
      </SimpleGrid>
      <Section title={t('policy.reference.title')}>
        {view.referenceText ? (
          <UntrustedText label={t('policy.reference.label')} text={view.referenceText} />
        ) : (
          <Text size="sm" c="dimmed">
            {view.source === 'file' || view.source === 'default' ? t('policy.reference.noneFile') : t('policy.reference.nonePage')}
          </Text>
        )}
      </Section>
      <Section
        title={t('policy.yaml.title')}
        actions={
          <>
            <CopyButton value={view.yaml}>
              {({ copied, copy }) => (
                <Button variant="default" size="xs" leftSection={<Icon name={copied ? 'check' : 'copy'} size={14} />} onClick={copy}>
                  {copied ? t('policy.yaml.copied') : t('policy.yaml.copy')}
                </Button>
              )}
            </CopyButton>
            {admin && (
              <Button size="xs" onClick={() => setReplacing(true)}>
                {t('policy.replace.button')}
              </Button>
            )}
          </>
        }
      >
        {/* Focusable so keyboard users can scroll it. */}
        <Code block tabIndex={0} data-testid="policy-yaml" style={{ maxHeight: 480, overflow: 'auto' }}>
          {view.yaml}
        </Code>
      </Section>
      <Section title={t('policy.history.title')}>
        <History view={view} decidedUnder={decidedUnder} />
      </Section>
      {admin && (
        <ReplacePolicyModal
          policy={view}
          opened={replacing}
          onClose={() => setReplacing(false)}
          onReplaced={(next) => {
            setReplacing(false);
            setReplaced(next.version);
          }}
        />
      )}
    </Stack>
  );
}

/** A titled card; `actions` sit by the title. */
function Section({ title, actions, children }: { title: string; actions?: ReactNode; children: ReactNode }) {
  const id = useId();
  return (
    <Paper withBorder p="md" component="section" aria-labelledby={id}>
      <Group justify="space-between" mb="sm" gap="xs">
        <Title order={2} size="h4" id={id}>
          {title}
        </Title>
        {actions && <Group gap="xs">{actions}</Group>}
      </Group>
      {children}
    </Paper>
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

/** An exact time, in the markup too. */
function ExactTime({ iso }: { iso: string }) {
  return <time dateTime={iso}>{formatExactTime(iso)}</time>;
}

/** A link out of the app (the Confluence page), saying that it opens a new tab. */
function ExternalLink({ href, children }: { href: string; children: ReactNode }) {
  return (
    <Anchor href={href} target="_blank" rel="noopener noreferrer" fz="inherit">
      {children}
      <VisuallyHidden> {t('policy.newTab')}</VisuallyHidden>
    </Anchor>
  );
}

/** Where the policy in force came from, in words: the page (linked), the file, the admin and when, or the default. */
function SourceText({ view }: { view: PolicyView }) {
  switch (view.source) {
    case 'confluence':
      return (
        <>
          {t('policy.source.confluence')}:{' '}
          {view.confluence ? <ExternalLink href={view.confluence.pageUrl}>{view.sourceRef}</ExternalLink> : view.sourceRef}
        </>
      );
    case 'file':
      return (
        <>
          {t('policy.source.file')} <Code>{view.sourceRef}</Code>
        </>
      );
    case 'admin':
      return <>{t('policy.source.admin', { email: view.sourceRef, time: formatExactTime(view.activatedAt) })}</>;
    default:
      return <>{t('policy.source.default')}</>;
  }
}

function Summary({ view }: { view: PolicyView }) {
  return (
    <Section title={t('policy.summary')}>
      <DataList withDivider size="sm" labelWidth="min(150px, 40%)">
        <Row label={t('policy.version')}>
          <Code fz="sm" data-testid="policy-version">
            {view.version}
          </Code>
        </Row>
        <Row label={t('policy.source')}>
          <SourceText view={view} />
        </Row>
        <Row label={t('policy.activatedAt')}>
          <ExactTime iso={view.activatedAt} />
        </Row>
      </DataList>
    </Section>
  );
}

/** The policy page and how its latest read went; admins can read it now. */
function SyncStatus({ view, admin }: { view: PolicyView; admin: boolean }) {
  const { confluence, lastSync } = view;
  const failed = lastSync !== null && !lastSync.ok;
  return (
    <Section title={t('policy.sync.title')}>
      <Stack gap="sm">
        <DataList withDivider size="sm" labelWidth="min(150px, 40%)">
          {confluence && (
            <Row label={t('policy.sync.page')}>
              <ExternalLink href={confluence.pageUrl}>{t('policy.sync.pageLink', { id: confluence.pageId })}</ExternalLink>
              <Text size="xs" c="dimmed">
                {t('policy.sync.every', { minutes: confluence.syncMinutes })}
              </Text>
            </Row>
          )}
          <Row label={t('policy.sync.last')}>
            {lastSync ? (
              <Group gap="xs" data-testid="policy-last-sync">
                <Badge color={lastSync.ok ? 'green' : 'red'} variant="light">
                  {lastSync.ok ? t('policy.sync.ok') : t('policy.sync.failed')}
                </Badge>
                <Text size="sm" span>
                  <RelativeTime iso={lastSync.at} />, {t(`policy.sync.trigger.${lastSync.trigger}`)}
                </Text>
              </Group>
            ) : (
              t('policy.sync.never')
            )}
          </Row>
          {failed && (
            <Row label={t('policy.sync.lastOk')}>
              {view.lastSuccessfulSyncAt ? <RelativeTime iso={view.lastSuccessfulSyncAt} /> : t('policy.sync.neverOk')}
            </Row>
          )}
        </DataList>
        {failed && (
          <Alert color="red" icon={<Icon name="alert" />} title={t('policy.sync.problem')} data-testid="policy-sync-error">
            {lastSync.errors.length > 0 ? (
              <ul style={{ margin: 0, paddingInlineStart: '1.2em' }}>
                {lastSync.errors.map((issue) => (
                  <li key={`${issue.line}:${issue.path}:${issue.message}`} style={{ overflowWrap: 'anywhere' }}>
                    {issueLine(issue)}
                  </li>
                ))}
              </ul>
            ) : (
              <Text size="sm" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
                {lastSync.error}
              </Text>
            )}
            <Text size="sm" mt="xs">
              {t('policy.sync.kept')}
            </Text>
          </Alert>
        )}
        {admin && <SyncButton />}
      </Stack>
    </Section>
  );
}

/** "Sync now", and what came of it. */
function SyncButton() {
  const sync = useSyncPolicy();
  // A failed read is recorded: the card above shows its lines. Other failures (no connection) only here.
  const recorded =
    sync.error instanceof ApiError && (sync.error.code === 'POLICY_SOURCE_INVALID' || sync.error.code.startsWith('CONFLUENCE_'));
  return (
    <Stack gap="xs">
      <Group>
        <Button variant="default" leftSection={<Icon name="refresh" size={16} />} loading={sync.isPending} onClick={() => sync.mutate()}>
          {t('policy.sync.now')}
        </Button>
      </Group>
      <div role="status">
        {sync.isSuccess && (
          <Text size="sm" c="green.9">
            {sync.data.changed
              ? t('policy.sync.doneChanged', { page: sync.data.pageVersion, version: sync.data.version })
              : t('policy.sync.doneUnchanged', { version: sync.data.version })}
          </Text>
        )}
        {sync.isError && (
          <Text size="sm" c="red.9">
            {t('policy.sync.doneFailed')}
            {recorded ? '.' : `: ${errorMessage(sync.error)}`}
          </Text>
        )}
      </div>
    </Stack>
  );
}

function sourceKind(source: PolicySource): string {
  return t(`policy.sourceKind.${source}`);
}

/** The latest activations, newest first; the first is in force, the one a decision used is marked. */
function History({ view, decidedUnder }: { view: PolicyView; decidedUnder: string | null }) {
  if (view.history.length === 0) {
    return (
      <Text size="sm" c="dimmed">
        {t('policy.history.empty')}
      </Text>
    );
  }
  return (
    <Table verticalSpacing="xs" aria-label={t('policy.history.caption')} data-testid="policy-history">
      <Table.Thead>
        <Table.Tr>
          <Table.Th scope="col">{t('policy.history.column.version')}</Table.Th>
          <Table.Th scope="col">{t('policy.history.column.source')}</Table.Th>
          <Table.Th scope="col">{t('policy.history.column.activatedAt')}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {view.history.map((entry, i) => (
          <Table.Tr key={`${entry.activatedAt}:${entry.version}:${entry.sourceRef}`}>
            <Table.Th scope="row" fw={500} style={{ overflowWrap: 'anywhere' }}>
              <Group gap={6}>
                <span>{entry.version}</span>
                {i === 0 && (
                  <Badge size="sm" color="green" variant="light">
                    {t('policy.history.active')}
                  </Badge>
                )}
                {decidedUnder === entry.version && decidedUnder !== view.version && (
                  <Badge size="sm" color="blue" variant="light">
                    {t('policy.history.decided')}
                  </Badge>
                )}
              </Group>
            </Table.Th>
            <Table.Td style={{ overflowWrap: 'anywhere' }}>
              {sourceKind(entry.source)}
              <Text size="xs" c="dimmed">
                {entry.sourceRef}
              </Text>
            </Table.Td>
            <Table.Td>
              <ExactTime iso={entry.activatedAt} />
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
