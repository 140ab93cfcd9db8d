import { Text } from '@mantine/core';
import { useLocation, useSearchParams } from 'react-router';
import { PageTitle } from '../components/page-title';
import { t } from '../i18n/translate';
import { NewRequestForm } from './new-request-form';
import { RequestFollow } from './request-follow';

/**
 * `/`: ask for a reset, then watch it being decided. `?request=<id>` keeps following after a
 * reload; the navigation's state says when the form found that request already open.
 */
export function NewRequestPage() {
  const [params, setParams] = useSearchParams();
  const { state } = useLocation();
  const following = params.get('request');
  const existing = (state as { existing?: unknown } | null)?.existing === true;
  return (
    <div style={{ maxWidth: 720 }}>
      <PageTitle title={t('newRequest.title')} />
      {following ? (
        <RequestFollow key={following} id={following} existing={existing} onAnother={() => setParams({})} />
      ) : (
        <>
          <Text mb="lg">{t('newRequest.intro')}</Text>
          <NewRequestForm onCreated={(id, isExisting) => setParams({ request: id }, { state: { existing: isExisting } })} />
        </>
      )}
    </div>
  );
}
