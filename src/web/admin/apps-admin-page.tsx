import { Alert, Badge, Button, FileButton, Group, Modal, Skeleton, Table, Text } from '@mantine/core';
import { useMemo, useState } from 'react';
import { APPS_EXPORT_URL, ApiError, type CatalogApp, useApps, useCoverageReport, useDeleteApp, useImportApps } from '../api';
import { ErrorAlert, errorMessage } from '../components/error-alert';
import { Icon } from '../components/icon';
import { t } from '../i18n/translate';
import { AdminPage } from './admin-page';
import { AppFormModal } from './app-form-modal';
import { AppsSyncModal } from './apps-sync-modal';
import { byCoverage, CoverageBadge, CoverageSummary } from './coverage-badge';

/**
 * `/admin/apps`: the catalog, with add, edit, delete, CSV import and export, the sync from Okta,
 * and each app's reset path from the coverage report (gaps first).
 */
export function AppsAdminPage() {
  return (
    <AdminPage title={t('admin.apps.title')}>
      <AppsAdmin />
    </AdminPage>
  );
}

function AppsAdmin() {
  const apps = useApps();
  const [editing, setEditing] = useState<{ app: CatalogApp | null } | null>(null);
  const [deleting, setDeleting] = useState<CatalogApp | null>(null);
  const remove = useDeleteApp();
  const importer = useImportApps();
  const coverage = useCoverageReport();
  const [syncing, setSyncing] = useState(false);
  const rows = useMemo(() => byCoverage(apps.data ?? [], coverage.data), [apps.data, coverage.data]);

  const importFile = async (file: File | null) => {
    if (file) importer.mutate(await file.text());
  };
  const importLines = importer.error instanceof ApiError ? (importer.error.details as { lines?: unknown } | undefined)?.lines : undefined;

  return (
    <>
      <Group gap="sm" mb="md">
        <Button leftSection={<Icon name="plus" size={16} />} onClick={() => setEditing({ app: null })}>
          {t('admin.apps.add')}
        </Button>
        <FileButton onChange={(file) => void importFile(file)} accept=".csv,text/csv">
          {(props) => (
            <Button variant="default" loading={importer.isPending} {...props}>
              {t('admin.apps.import')}
            </Button>
          )}
        </FileButton>
        <Button variant="default" component="a" href={APPS_EXPORT_URL} download="apps.csv">
          {t('admin.apps.export')}
        </Button>
        <Button variant="default" onClick={() => setSyncing(true)}>
          {t('admin.apps.sync')}
        </Button>
      </Group>

      <CoverageSummary report={coverage.data} error={coverage.error} />

      {importer.isSuccess && (
        <Alert color="green" role="status" mb="md" withCloseButton closeButtonLabel={t('action.dismiss')} onClose={() => importer.reset()}>
          {t('admin.apps.imported', importer.data)}
        </Alert>
      )}
      {importer.isError && (
        <Alert color="red" role="alert" mb="md" title={t('admin.apps.importFailed')}>
          {Array.isArray(importLines) ? (
            <ul>
              {(importLines as { line: number; message: string }[]).map((l) => (
                <li key={`${l.line}:${l.message}`}>{t('admin.apps.importLine', { line: l.line, message: l.message })}</li>
              ))}
            </ul>
          ) : (
            errorMessage(importer.error)
          )}
        </Alert>
      )}

      {apps.isPending && <Skeleton height={160} />}
      {apps.isError && <ErrorAlert error={apps.error} onRetry={() => void apps.refetch()} />}
      {apps.data?.length === 0 && <Text c="dimmed">{t('admin.apps.empty')}</Text>}
      {apps.data && apps.data.length > 0 && (
        <Table.ScrollContainer minWidth={960}>
          <Table verticalSpacing="sm" bg="white" withTableBorder aria-label={t('admin.apps.tableCaption')}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{t('admin.apps.column.name')}</Table.Th>
                <Table.Th scope="col" miw={210}>
                  {t('admin.apps.column.path')}
                </Table.Th>
                <Table.Th scope="col">{t('admin.apps.column.method')}</Table.Th>
                <Table.Th scope="col">{t('admin.apps.column.sensitive')}</Table.Th>
                <Table.Th scope="col">{t('admin.apps.column.approverGroup')}</Table.Th>
                <Table.Th scope="col">{t('admin.apps.column.oktaAppId')}</Table.Th>
                <Table.Th scope="col">{t('admin.apps.column.actions')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map(({ app, coverage: row }) => (
                <Table.Tr key={app.id}>
                  <Table.Th scope="row" fw={500}>
                    {app.name}
                    {app.aliases.length > 0 && (
                      <Text size="xs" c="dimmed">
                        {t('admin.apps.aliases', { aliases: app.aliases.join(', ') })}
                      </Text>
                    )}
                    {app.resetUrl && (
                      <Text size="xs" c="dimmed">
                        {app.resetUrl}
                      </Text>
                    )}
                  </Table.Th>
                  <Table.Td>
                    <CoverageBadge row={row} />
                  </Table.Td>
                  <Table.Td>{app.store ? t('admin.apps.byStore', { store: app.store }) : t(`admin.method.${app.resetMethod}`)}</Table.Td>
                  <Table.Td>{app.sensitive ? <Badge color="orange">{t('common.yes')}</Badge> : t('common.no')}</Table.Td>
                  <Table.Td>{app.approverGroup ?? '—'}</Table.Td>
                  <Table.Td>
                    {app.oktaAppId ?? '—'}
                    {app.okta?.status && (
                      <Badge ml="xs" color={app.okta.status === 'ACTIVE' ? 'gray' : 'red'} variant="light">
                        {t('admin.apps.oktaStatus', { status: app.okta.status })}
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Group gap="xs" wrap="nowrap">
                      <Button
                        size="xs"
                        variant="default"
                        onClick={() => setEditing({ app })}
                        aria-label={t('admin.apps.editLabel', { name: app.name })}
                      >
                        {t('admin.apps.edit')}
                      </Button>
                      <Button
                        size="xs"
                        variant="default"
                        color="red"
                        onClick={() => setDeleting(app)}
                        aria-label={t('admin.apps.deleteLabel', { name: app.name })}
                      >
                        {t('admin.apps.delete')}
                      </Button>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}

      <AppsSyncModal opened={syncing} onClose={() => setSyncing(false)} />
      <AppFormModal app={editing?.app ?? null} opened={editing !== null} onClose={() => setEditing(null)} />
      <Modal
        opened={deleting !== null}
        onClose={() => setDeleting(null)}
        title={deleting ? t('admin.apps.deleteTitle', { name: deleting.name }) : ''}
        centered
        closeButtonProps={{ 'aria-label': t('action.close') }}
      >
        <Text>{t('admin.apps.deleteBody')}</Text>
        {remove.isError && (
          <Alert color="red" role="alert" mt="md">
            {errorMessage(remove.error)}
          </Alert>
        )}
        <Group justify="flex-end" mt="lg" gap="sm">
          <Button variant="default" onClick={() => setDeleting(null)}>
            {t('action.cancel')}
          </Button>
          <Button
            color="red"
            loading={remove.isPending}
            onClick={() => deleting && remove.mutate(deleting.id, { onSuccess: () => setDeleting(null) })}
          >
            {t('admin.apps.deleteConfirm')}
          </Button>
        </Group>
      </Modal>
    </>
  );
}
