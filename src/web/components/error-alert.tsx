import { Alert, Button } from '@mantine/core';
import { ApiError } from '../api';
import { t } from '../i18n/translate';
import { Icon } from './icon';

/** What failed, in words for people: the server's message when it sent one. */
export function errorMessage(error: unknown): string {
  return error instanceof ApiError ? error.message : t('error.generic');
}

/** A failed load or action, with an optional way to try again. */
export function ErrorAlert({ error, title, onRetry }: { error: unknown; title?: string; onRetry?: () => void }) {
  return (
    <Alert color="red" title={title ?? t('error.title')} icon={<Icon name="alert" />} role="alert">
      {errorMessage(error)}
      {onRetry && (
        <div>
          <Button variant="light" color="red" size="xs" mt="sm" onClick={onRetry}>
            {t('action.retry')}
          </Button>
        </div>
      )}
    </Alert>
  );
}
