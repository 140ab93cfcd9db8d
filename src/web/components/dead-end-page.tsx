import { Button, EmptyState } from '@mantine/core';
import { Link } from 'react-router';
import { t } from '../i18n/translate';
import { Icon, type IconName } from './icon';
import { PageTitle } from './page-title';

/** A page with nothing to show here (unknown address, a role that may not open it): says why, and offers a way on. */
export function DeadEndPage({ title, body, icon }: { title: string; body: string; icon: IconName }) {
  return (
    <>
      <PageTitle title={title} />
      <EmptyState icon={<Icon name={icon} size={32} />} description={body} py="xl" align="left">
        <EmptyState.Actions>
          <Button component={Link} to="/">
            {t('nav.newRequest')}
          </Button>
        </EmptyState.Actions>
      </EmptyState>
    </>
  );
}
