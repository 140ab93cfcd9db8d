import { zodResolver } from '@hookform/resolvers/zod';
import { Alert, Autocomplete, Button, Group, Paper, Stack, Switch, Textarea, TextInput } from '@mantine/core';
import { useMemo } from 'react';
import { Controller, useForm } from 'react-hook-form';
import { z } from 'zod';
import { useApps, useCreateRequest } from '../api';
import { errorMessage } from '../components/error-alert';
import { Icon } from '../components/icon';
import { t } from '../i18n/translate';
import { findCatalogApp, rankAppNames } from './app-name';

const JUSTIFICATION_MAX = 2000;

/** The form's rules; with a catalog, the app must be one of its apps. */
function requestSchema(appNames: readonly string[] | null) {
  return z
    .object({
      app: z
        .string()
        .trim()
        .min(1, t('form.appRequired'))
        .max(200, t('form.appTooLong'))
        .refine((name) => appNames === null || findCatalogApp(appNames, name) !== undefined, t('form.appUnknown')),
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

/** Asks for a reset: which app, why, and (rarely) for whom. Calls onCreated with the new request's id. */
export function NewRequestForm({ onCreated }: { onCreated: (id: string) => void }) {
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
      ...(values.forSomeoneElse ? { targetUser: values.targetUser.trim() } : {}),
    };
    const created = await create.mutateAsync(body).catch(() => null);
    if (created) onCreated(created.request_id);
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
        {create.isError && (
          <Alert color="red" role="alert" icon={<Icon name="alert" />} title={t('form.submitFailed')}>
            {errorMessage(create.error)}
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
