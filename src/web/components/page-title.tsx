import { Title } from '@mantine/core';
import { type ReactNode, useEffect, useRef } from 'react';
import { useLocation } from 'react-router';
import { t } from '../i18n/translate';

/**
 * A page's one h1; it names the browser tab and, after navigating within the app, takes focus
 * so screen readers announce the new page.
 */
export function PageTitle({ title, children }: { title: string; children?: ReactNode }) {
  const ref = useRef<HTMLHeadingElement>(null);
  const { key } = useLocation();
  useEffect(() => {
    document.title = `${title} · ${t('app.name')}`;
  }, [title]);
  useEffect(() => {
    // 'default' is the page the browser loaded; only later navigations move focus.
    if (key !== 'default') ref.current?.focus({ preventScroll: true });
  }, [key]);
  return (
    <Title order={1} ref={ref} tabIndex={-1} size="h2" mb="lg" style={{ outline: 'none' }}>
      {children ?? title}
    </Title>
  );
}
