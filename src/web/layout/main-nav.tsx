import { NavLink, Stack } from '@mantine/core';
import { Link, useLocation } from 'react-router';
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

/** The pages this person may use; approvers and admins also get the review queue. */
export function MainNav({ onNavigate }: { onNavigate: () => void }) {
  const me = useMe();
  const { pathname } = useLocation();
  const items = canReview(me) ? [...REQUESTER_ITEMS, REVIEW_ITEM] : REQUESTER_ITEMS;
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
