import { Button, Center, Loader, Paper, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { ApiError, useMeQuery } from '../api';
import { errorMessage } from '../components/error-alert';
import { t } from '../i18n/translate';
import { MeProvider } from './session-context';
import { SignInPage } from './sign-in-page';

/** Renders the app for a signed-in person, the sign-in screen for anyone else. */
export function SessionGate({ children }: { children: ReactNode }) {
  const me = useMeQuery();
  // A 401 wins over stale data: the session ended while the app was open.
  if (me.error instanceof ApiError && me.error.status === 401) return <SignInPage />;
  if (me.data) return <MeProvider me={me.data}>{children}</MeProvider>;
  if (me.isPending) {
    return (
      <Center mih="100vh" role="status" aria-label={t('session.loading')}>
        <Loader />
      </Center>
    );
  }
  return (
    <Center component="main" mih="100vh" p="md">
      <Paper withBorder p="xl" maw={460}>
        <Stack align="flex-start">
          <Title order={1} size="h3">
            {t('session.unavailable')}
          </Title>
          <Text>{errorMessage(me.error)}</Text>
          <Button onClick={() => void me.refetch()} loading={me.isFetching}>
            {t('action.retry')}
          </Button>
        </Stack>
      </Paper>
    </Center>
  );
}
