import { Alert, Button, Group, Modal, Text } from '@mantine/core';
import { useEffect } from 'react';
import { useSyncApps } from '../api';
import { errorMessage } from '../components/error-alert';
import { t } from '../i18n/translate';

/**
 * "Sync from Okta": opening it runs a dry run (POST /api/v1/apps/sync?dryRun=true) and lists
 * exactly what the sync would change; "Apply changes" runs it for real.
 */
export function AppsSyncModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const preview = useSyncApps();
  const apply = useSyncApps();
  const { mutate: runPreview, reset: resetPreview } = preview;
  const { reset: resetApply } = apply;

  useEffect(() => {
    if (opened) {
      resetApply();
      runPreview(true);
    } else resetPreview();
  }, [opened, runPreview, resetPreview, resetApply]);

  const diff = preview.data;
  const changes = diff ? diff.added.length + diff.updated.length + diff.flagged.length : 0;

  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={t('admin.apps.syncTitle')}
      centered
      size="lg"
      closeButtonProps={{ 'aria-label': t('action.close') }}
    >
      {preview.isPending && <Text c="dimmed">{t('admin.apps.syncReading')}</Text>}
      {preview.isError && (
        <Alert color="red" role="alert">
          {errorMessage(preview.error)}
        </Alert>
      )}
      {apply.isError && (
        <Alert color="red" role="alert" mb="md">
          {errorMessage(apply.error)}
        </Alert>
      )}
      {apply.data ? (
        <Alert color="green" role="status">
          {t('admin.apps.synced', {
            added: apply.data.added.length,
            updated: apply.data.updated.length,
            flagged: apply.data.flagged.length,
          })}
        </Alert>
      ) : (
        diff && (
          <>
            <Text mb="sm">
              {t('admin.apps.syncCounts', {
                added: diff.added.length,
                updated: diff.updated.length,
                flagged: diff.flagged.length,
                unchanged: diff.unchanged,
              })}
            </Text>
            {changes === 0 ? (
              <Text c="dimmed">{t('admin.apps.syncNone')}</Text>
            ) : (
              <ul aria-label={t('admin.apps.syncTitle')}>
                {diff.added.map((a) => (
                  <li key={`a:${a.oktaAppId}`}>{t('admin.apps.syncAdded', { name: a.name, mode: a.signOnMode })}</li>
                ))}
                {diff.updated.map((u) => (
                  <li key={`u:${u.oktaAppId}`}>
                    {t('admin.apps.syncUpdated', {
                      name: u.name,
                      changes: u.changes.map((c) => `${c.field}: ${c.before ?? '—'} → ${c.after ?? '—'}`).join(', '),
                    })}
                  </li>
                ))}
                {diff.flagged.map((f) => (
                  <li key={`f:${f.oktaAppId}`}>{t('admin.apps.syncFlagged', { name: f.name, status: f.status })}</li>
                ))}
              </ul>
            )}
          </>
        )
      )}
      <Group justify="flex-end" mt="lg" gap="sm">
        <Button variant="default" onClick={onClose}>
          {apply.data ? t('action.close') : t('action.cancel')}
        </Button>
        {!apply.data && (
          <Button disabled={!diff || changes === 0} loading={apply.isPending} onClick={() => apply.mutate(false)}>
            {t('admin.apps.syncApply')}
          </Button>
        )}
      </Group>
    </Modal>
  );
}
