import { Button, Center, Paper, Stack, Text, Title } from '@mantine/core';
import { useEffect } from 'react';
import { useLocation } from 'react-router';
import { t } from '../i18n/translate';
import { BrandMark } from './brand-mark';

/** Shown when nobody is signed in: one button to the company sign-in, coming back here after. */
export function SignInPage() {
  const { pathname, search } = useLocation();
  const href = `/auth/login?returnTo=${encodeURIComponent(pathname + search)}`;
  useEffect(() => {
    document.title = `${t('signIn.title')} · ${t('app.name')}`;
  }, []);
  return (
    <Center component="main" mih="100vh" p="md" bg="gray.0">
      <Paper withBorder shadow="sm" p="xl" maw={420} w="100%">
        <Stack gap="md" align="flex-start">
          <BrandMark />
          <Title order={1} size="h2">
            {t('signIn.title')}
          </Title>
          <Text>{t('signIn.body')}</Text>
          <Button component="a" href={href} size="md" fullWidth>
            {t('signIn.button')}
          </Button>
        </Stack>
      </Paper>
    </Center>
  );
}
