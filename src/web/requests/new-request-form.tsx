import { zodResolver } from '@hookform/resolvers/zod';
import { Alert, Autocomplete, Button, Group, Paper, Stack, Switch, Text, Textarea, TextInput } from '@mantine/core';
import { useMemo } from 'react';
import { Controller, useForm } from 'react-hook-form';
import { z } from 'zod';
import { ApiError, useApps, useCreateRequest } from '../api';
import { errorMessage } from '../components/error-alert';
import { Icon } from '../components/icon';
import { t } from '../i18n/translate';
import { useMe } from '../session/session-context';
import { findCatalogApp, rankAppNames } from './app-name';

const JUSTIFICATION_MAX = 2000;

/**
 * True when a name not in the catalog still suggests some of its apps ("jira" → "Jira Cloud",
 * "Jira Server"): resetdesk then asks which one was meant instead of refusing it.
 */
function nearCatalogApps(names: readonly string[], typed: string): boolean {
  // The server's rule for "did you mean": every typed word is a whole word of a catalog name.
  const words = (text: string) =>
    text
      .toLowerCase()
      .split(/[^\p{L}\p{N}]+/u)
      .filter(Boolean);
  const typedWords = words(typed);
  if (typedWords.join('').length < 3) return false;
  return names.some((name) => typedWords.every((w) => words(name).includes(w)));
}

/** The form's rules; with a catalog, the app must be one of its apps, or close to some (resetdesk asks which). */
function requestSchema(appNames: readonly string[] | null) {
  return z
    .object({
      app: z
        .string()
        .trim()
        .min(1, t('form.appRequired'))
        .max(200, t('form.appTooLong'))
        .refine(
          (name) => appNames === null || findCatalogApp(appNames, name) !== undefined || nearCatalogApps(appNames, name),
          t('form.appUnknown'),
        ),
      justification: z
        .string()
        .trim()
        .min(1, t('form.justificationRequired'))
        .max(JUSTIFICATION_MAX, t('form.justificationTooLong', { max: JUSTIFICATION_MAX })),
      forSomeoneElse: z.boolean(),
      targetUser: z.string().trim(),
    })
    .superRefine((value, ctx) => {
      if (value.forSomeoneElse && !z.email().safeParse(value.targetUser).success) {
        ctx.addIssue({ code: 'custom', path: ['targetUser'], message: t('form.targetUserInvalid') });
      }
    });
}

type FormValues = z.input<ReturnType<typeof requestSchema>>;

/** A refusal's title: the cooldown says what happened; anything else just that it was not sent. */
function failureTitle(error: unknown): string {
  return error instanceof ApiError && error.code === 'RESET_COOLDOWN' ? t('form.cooldown') : t('form.submitFailed');
}

/** When the cooldown frees up again, from the refusal's `retryAfterSeconds` ("in about 3 h"). */
function retryHint(error: unknown): string | null {
  if (!(error instanceof ApiError) || error.code !== 'RESET_COOLDOWN') return null;
  const seconds = (error.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
  if (typeof seconds !== 'number' || seconds <= 0) return null;
  const label =
    seconds < 3600 ? t('age.minutes', { n: Math.max(1, Math.ceil(seconds / 60)) }) : t('age.hours', { n: Math.ceil(seconds / 3600) });
  return t('form.cooldownRetry', { time: label });
}

/**
 * Asks for a reset: which app, why, and — when the policy lets such a request succeed — for
 * whom. Calls onCreated with the request's id, and whether it was one already open.
 */
export function NewRequestForm({ onCreated }: { onCreated: (id: string, existing: boolean) => void }) {
  const me = useMe();
  const offerSomeoneElse = me.policy.forSomeoneElse;
  const apps = useApps();
  const appNames = useMemo(() => (apps.data ? apps.data.map((a) => a.name) : null), [apps.data]);
  const schema = useMemo(() => requestSchema(appNames), [appNames]);
  const create = useCreateRequest();
  const form = useForm<FormValues>({
    resolver: zodResolver(schema),
    defaultValues: { app: '', justification: '', forSomeoneElse: false, targetUser: '' },
  });
  const { errors, isSubmitting } = form.formState;
  const forSomeoneElse = form.watch('forSomeoneElse');
  const justificationLength = form.watch('justification').length;

  const submit = form.handleSubmit(async (values) => {
    const app = (appNames && findCatalogApp(appNames, values.app)) ?? values.app.trim();
    const body = {
      app,
      justification: values.justification.trim(),
      ...(offerSomeoneElse && values.forSomeoneElse ? { targetUser: values.targetUser.trim() } : {}),
    };
    const created = await create.mutateAsync(body).catch(() => null);
    if (created) onCreated(created.request_id, created.existing);
  });

  return (
    <Paper withBorder p={{ base: 'md', sm: 'xl' }} component="form" onSubmit={submit} noValidate>
      <Stack gap="lg">
        <Controller
          control={form.control}
          name="app"
          render={({ field }) => (
            <Autocomplete
              {...field}
              label={t('form.app')}
              description={apps.isError ? t('form.appCatalogUnavailable') : t('form.appHelp')}
              placeholder={t('form.appPlaceholder')}
              data={appNames ?? []}
              filter={({ options, search, limit }) => {
                const names = rankAppNames(
                  options.map((o) => ('value' in o ? o.value : '')),
                  search,
                );
                return names.slice(0, limit).map((name) => ({ value: name, label: name }));
              }}
              limit={20}
              maxDropdownHeight={280}
              error={errors.app?.message}
              withAsterisk
              autoComplete="off"
              rightSection={apps.isPending ? <Icon name="clock" size={16} /> : undefined}
            />
          )}
        />
        <Textarea
          {...form.register('justification')}
          label={t('form.justification')}
          description={t('form.justificationHelp', { count: justificationLength, max: JUSTIFICATION_MAX })}
          placeholder={t('form.justificationPlaceholder')}
          autosize
          minRows={3}
          maxRows={10}
          withAsterisk
          error={errors.justification?.message}
        />
        {offerSomeoneElse && (
          <Stack gap="xs">
            <Switch {...form.register('forSomeoneElse')} label={t('form.forSomeoneElse')} description={t('form.forSomeoneElseHelp')} />
            {forSomeoneElse && (
              <TextInput
                {...form.register('targetUser')}
                type="email"
                label={t('form.targetUser')}
                description={t('form.targetUserHelp')}
                placeholder="name@example.com"
                autoComplete="off"
                withAsterisk
                error={errors.targetUser?.message}
              />
            )}
          </Stack>
        )}
        {create.isError && (
          <Alert color="red" role="alert" icon={<Icon name="alert" />} title={failureTitle(create.error)} data-testid="form-error">
            {errorMessage(create.error)}
            {retryHint(create.error) && (
              <Text size="sm" mt={4}>
                {retryHint(create.error)}
              </Text>
            )}
          </Alert>
        )}
        <Group>
          <Button type="submit" size="md" loading={isSubmitting} leftSection={<Icon name="plus" />}>
            {t('form.submit')}
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}
