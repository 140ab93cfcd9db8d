import { Button, EmptyState } from '@mantine/core';
import { Link } from 'react-router';
import { Icon } from '../components/icon';
import { PageTitle } from '../components/page-title';
import type { MessageKey } from '../i18n/en';
import { t } from '../i18n/translate';

/** A page this person's role does not open (the review queue for requesters, the admin pages). */
export function NotAllowedPage({ body = 'notAllowed.body' }: { body?: MessageKey }) {
  return (
    <>
      <PageTitle title={t('notAllowed.title')} />
      <EmptyState icon={<Icon name="lock" size={32} />} description={t(body)} py="xl" align="left">
        <EmptyState.Actions>
          <Button component={Link} to="/">
            {t('nav.newRequest')}
          </Button>
        </EmptyState.Actions>
      </EmptyState>
    </>
  );
}
