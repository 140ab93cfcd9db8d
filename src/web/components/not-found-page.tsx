import { Button, EmptyState } from '@mantine/core';
import { Link } from 'react-router';
import { t } from '../i18n/translate';
import { Icon } from './icon';
import { PageTitle } from './page-title';

/** Any address the app does not know. */
export function NotFoundPage() {
  return (
    <>
      <PageTitle title={t('notFound.title')} />
      <EmptyState icon={<Icon name="alert" size={32} />} description={t('notFound.body')} py="xl" align="left">
        <EmptyState.Actions>
          <Button component={Link} to="/">
            {t('nav.newRequest')}
          </Button>
        </EmptyState.Actions>
      </EmptyState>
    </>
  );
}
