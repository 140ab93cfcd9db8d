import { Button, Group } from '@mantine/core';
import type { ReactNode } from 'react';
import { Link, useLocation } from 'react-router';
import { useDevMailbox } from '../api';
import { PageTitle } from '../components/page-title';
import type { MessageKey } from '../i18n/en';
import { t } from '../i18n/translate';
import { NotAllowedPage } from '../session/not-allowed-page';
import { useMe } from '../session/session-context';

const TABS: { to: string; label: MessageKey }[] = [
  { to: '/admin/apps', label: 'admin.tab.apps' },
  { to: '/admin/tokens', label: 'admin.tab.tokens' },
  { to: '/admin/connectors', label: 'admin.tab.connectors' },
  { to: '/admin/decisions', label: 'admin.tab.decisions' },
];
const MAILBOX_TAB: { to: string; label: MessageKey } = { to: '/admin/mailbox', label: 'admin.tab.mailbox' };

/**
 * The frame of every admin page: admins only (unless `open`: the page checks access itself), a
 * title, and links between the admin pages (the mailbox's only when the server has a dev mailbox).
 */
export function AdminPage({ title, children, open = false }: { title: string; children: ReactNode; open?: boolean }) {
  const me = useMe();
  const { pathname } = useLocation();
  const admin = me.role === 'admin';
  const mailbox = useDevMailbox(admin);
  if (!admin && !open) return <NotAllowedPage body="notAllowed.adminBody" />;
  const tabs = mailbox.data ? [...TABS, MAILBOX_TAB] : TABS;
  return (
    <>
      <PageTitle title={title} />
      {admin && (
        <Group component="nav" aria-label={t('admin.tabsLabel')} gap="xs" mb="lg">
          {tabs.map((tab) => {
            const active = pathname.startsWith(tab.to);
            return (
              <Button
                key={tab.to}
                component={Link}
                to={tab.to}
                size="xs"
                variant={active ? 'filled' : 'default'}
                aria-current={active ? 'page' : undefined}
              >
                {t(tab.label)}
              </Button>
            );
          })}
        </Group>
      )}
      {children}
    </>
  );
}
