import { AppShell, Burger, Button, Container, Group, Stack, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { Link, Outlet } from 'react-router';
import { useSignOut } from '../api';
import { errorMessage } from '../components/error-alert';
import { Icon } from '../components/icon';
import { useIsPhone } from '../components/use-is-phone';
import { t } from '../i18n/translate';
import { BrandMark } from '../session/brand-mark';
import { useMe } from '../session/session-context';
import classes from './app-layout.module.css';
import { MainNav } from './main-nav';

/** Header with the product and the person, navigation by role (a burger menu on phones), and the page. */
export function AppLayout() {
  const me = useMe();
  const [navOpen, nav] = useDisclosure(false);
  const isPhone = useIsPhone();
  const signOut = useSignOut();
  return (
    <AppShell header={{ height: 60 }} navbar={{ width: 240, breakpoint: 'sm', collapsed: { mobile: !navOpen } }} padding="md">
      <a href="#main" className={classes.skipLink}>
        {t('layout.skipToContent')}
      </a>
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger
              opened={navOpen}
              onClick={nav.toggle}
              hiddenFrom="sm"
              size="sm"
              aria-label={navOpen ? t('layout.closeMenu') : t('layout.openMenu')}
              aria-expanded={navOpen}
              aria-controls="main-nav"
            />
            <Link to="/" className={classes.brand} aria-label={t('layout.home')}>
              <BrandMark />
            </Link>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <Stack gap={0} align="flex-end" visibleFrom="sm">
              <SignedInAs name={me.name} email={me.email} />
            </Stack>
            <Button
              variant="default"
              size="xs"
              leftSection={<Icon name="logout" size={14} />}
              onClick={() => signOut.mutate()}
              loading={signOut.isPending}
            >
              {t('layout.signOut')}
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar
        id="main-nav"
        component="nav"
        aria-label={t('layout.navLabel')}
        p="sm"
        // Off-screen on phones while closed: keep it out of the tab order too.
        inert={isPhone && !navOpen}
      >
        <MainNav onNavigate={nav.close} />
        <Stack gap={0} mt="auto" pt="md" hiddenFrom="sm">
          <SignedInAs name={me.name} email={me.email} />
        </Stack>
      </AppShell.Navbar>
      <AppShell.Main id="main" tabIndex={-1} className={classes.main}>
        {signOut.isError && (
          <Text role="alert" c="red.9" mb="md">
            {t('layout.signOutFailed', { reason: errorMessage(signOut.error) })}
          </Text>
        )}
        <Container size="lg" px={0}>
          <Outlet />
        </Container>
      </AppShell.Main>
    </AppShell>
  );
}

/** Who is signed in: the name, and the address under it (or the address alone). */
function SignedInAs({ name, email }: { name: string | null; email: string }) {
  return (
    <>
      <Text size="sm" fw={600}>
        {name ?? email}
      </Text>
      {name && (
        <Text size="xs" c="dimmed">
          {email}
        </Text>
      )}
    </>
  );
}
