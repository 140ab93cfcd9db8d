import { NavLink, Stack } from '@mantine/core';
import { Link, useLocation } from 'react-router';
import { useDevMailbox } from '../api';
import { Icon, type IconName } from '../components/icon';
import type { MessageKey } from '../i18n/en';
import { t } from '../i18n/translate';
import { canReview, useMe } from '../session/session-context';

interface NavItem {
  to: string;
  label: MessageKey;
  icon: IconName;
  /** Which paths count as this page, for `aria-current`. */
  matches: (path: string) => boolean;
}

const REQUESTER_ITEMS: NavItem[] = [
  { to: '/', label: 'nav.newRequest', icon: 'plus', matches: (p) => p === '/' },
  { to: '/requests', label: 'nav.myRequests', icon: 'list', matches: (p) => p.startsWith('/requests') },
];
const REVIEW_ITEM: NavItem = { to: '/queue', label: 'nav.queue', icon: 'inbox', matches: (p) => p.startsWith('/queue') };
const DASHBOARD_ITEM: NavItem = { to: '/dashboard', label: 'nav.dashboard', icon: 'chart', matches: (p) => p.startsWith('/dashboard') };
const POLICY_ITEM: NavItem = { to: '/policy', label: 'nav.policy', icon: 'document', matches: (p) => p.startsWith('/policy') };
const ADMIN_ITEM: NavItem = {
  to: '/admin/apps',
  label: 'nav.admin',
  icon: 'lock',
  matches: (p) => p.startsWith('/admin') && !p.startsWith('/admin/mailbox'),
};
/** The demo's dev mailbox, for everyone who is not an admin (admins reach it among the admin pages). */
const MAILBOX_ITEM: NavItem = { to: '/admin/mailbox', label: 'nav.mailbox', icon: 'mail', matches: (p) => p.startsWith('/admin/mailbox') };

/**
 * The pages this person may use; approvers and admins also get the review queue, the
 * dashboard and the policy, admins the admin pages. Where the server has a dev mailbox it will show them (the
 * demo), everyone else gets their mail too.
 */
export function MainNav({ onNavigate }: { onNavigate: () => void }) {
  const me = useMe();
  const { pathname } = useLocation();
  const admin = me.role === 'admin';
  const mailbox = useDevMailbox(!admin);
  const reviewer = canReview(me) ? [...REQUESTER_ITEMS, REVIEW_ITEM, DASHBOARD_ITEM, POLICY_ITEM] : REQUESTER_ITEMS;
  const items = admin ? [...reviewer, ADMIN_ITEM] : mailbox.data ? [...reviewer, MAILBOX_ITEM] : reviewer;
  return (
    <Stack gap={4}>
      {items.map((item) => {
        const active = item.matches(pathname);
        return (
          <NavLink
            key={item.to}
            component={Link}
            to={item.to}
            label={t(item.label)}
            leftSection={<Icon name={item.icon} />}
            active={active}
            aria-current={active ? 'page' : undefined}
            onClick={onNavigate}
            fw={500}
          />
        );
      })}
    </Stack>
  );
}
