import { Code, Paper, Skeleton, Stack, Text, Title } from '@mantine/core';
import { ApiError, useDevMailbox } from '../api';
import { ErrorAlert } from '../components/error-alert';
import { RelativeTime } from '../components/relative-time';
import { t } from '../i18n/translate';
import { NotAllowedPage } from '../session/not-allowed-page';
import { useMe } from '../session/session-context';
import { AdminPage } from './admin-page';

/**
 * `/admin/mailbox`: what the built-in dev mailbox received, newest first, refreshed as mail
 * arrives. A demo window: the server shows admins every message and, in the demo, everyone else
 * the mail sent to them (elsewhere a 403), so this page asks it rather than checking the role.
 */
export function MailboxAdminPage() {
  const me = useMe();
  const admin = me.role === 'admin';
  const mailbox = useDevMailbox(true, true);
  if (mailbox.error instanceof ApiError && (mailbox.error.status === 403 || mailbox.error.status === 401))
    return <NotAllowedPage body="notAllowed.adminBody" />;
  return (
    <AdminPage title={admin ? t('admin.mailbox.title') : t('mailbox.ownTitle')} open>
      {mailbox.isPending && <Skeleton height={160} />}
      {mailbox.isError && <ErrorAlert error={mailbox.error} onRetry={() => void mailbox.refetch()} />}
      {mailbox.data === null && <Text c="dimmed">{t('admin.mailbox.none')}</Text>}
      {mailbox.data && (
        <Stack gap="md">
          <Text c="dimmed">{admin ? t('admin.mailbox.intro') : t('mailbox.ownIntro', { email: me.email })}</Text>
          {mailbox.data.length === 0 && <Text c="dimmed">{t('admin.mailbox.empty')}</Text>}
          {mailbox.data.map((mail) => (
            <Paper key={mail.messageId} withBorder p="md" bg="white" component="article">
              <Title order={2} size="h4">
                {mail.subject}
              </Title>
              <Text size="sm" c="dimmed" mb="sm">
                {t('admin.mailbox.to')}: {mail.to.join(', ')} · <RelativeTime iso={mail.receivedAt} />
              </Text>
              <Code block aria-label={t('admin.mailbox.text', { subject: mail.subject })} style={{ whiteSpace: 'pre-wrap' }}>
                {mail.text}
              </Code>
            </Paper>
          ))}
        </Stack>
      )}
    </AdminPage>
  );
}
