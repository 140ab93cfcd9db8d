import { Text } from '@mantine/core';
import { useSearchParams } from 'react-router';
import { PageTitle } from '../components/page-title';
import { t } from '../i18n/translate';
import { NewRequestForm } from './new-request-form';
import { RequestFollow } from './request-follow';

/** `/`: ask for a reset, then watch it being decided. `?request=<id>` keeps following after a reload. */
export function NewRequestPage() {
  const [params, setParams] = useSearchParams();
  const following = params.get('request');
  return (
    <div style={{ maxWidth: 720 }}>
      <PageTitle title={t('newRequest.title')} />
      {following ? (
        <RequestFollow id={following} onAnother={() => setParams({})} />
      ) : (
        <>
          <Text mb="lg">{t('newRequest.intro')}</Text>
          <NewRequestForm onCreated={(id) => setParams({ request: id })} />
        </>
      )}
    </div>
  );
}
