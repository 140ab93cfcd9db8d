import { t } from '../i18n/translate';
import { DeadEndPage } from './dead-end-page';

/** Any address the app does not know. */
export function NotFoundPage() {
  return <DeadEndPage title={t('notFound.title')} body={t('notFound.body')} icon="alert" />;
}
