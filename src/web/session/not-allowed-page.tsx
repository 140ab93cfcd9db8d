import { DeadEndPage } from '../components/dead-end-page';
import type { MessageKey } from '../i18n/en';
import { t } from '../i18n/translate';

/** A page this person's role does not open (the review queue for requesters, the admin pages). */
export function NotAllowedPage({ body = 'notAllowed.body' }: { body?: MessageKey }) {
  return <DeadEndPage title={t('notAllowed.title')} body={t(body)} icon="lock" />;
}
