import { Button, Group } from '@mantine/core';
import type { ReactNode } from 'react';
import { Link, useLocation } from 'react-router';
import { PageTitle } from '../components/page-title';
import type { MessageKey } from '../i18n/en';
import { t } from '../i18n/translate';
import { NotAllowedPage } from '../session/not-allowed-page';
import { useMe } from '../session/session-context';

const TABS: { to: string; label: MessageKey }[] = [
  { to: '/admin/apps', label: 'admin.tab.apps' },
  { to: '/admin/tokens', label: 'admin.tab.tokens' },
  { to: '/admin/connectors', label: 'admin.tab.connectors' },
];

/** The frame of every admin page: admins only, a title, and links between the admin pages. */
export function AdminPage({ title, children }: { title: string; children: ReactNode }) {
  const me = useMe();
  const { pathname } = useLocation();
  if (me.role !== 'admin') return <NotAllowedPage body="notAllowed.adminBody" />;
  return (
    <>
      <PageTitle title={title} />
      <Group component="nav" aria-label={t('admin.tabsLabel')} gap="xs" mb="lg">
        {TABS.map((tab) => {
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
      {children}
    </>
  );
}
