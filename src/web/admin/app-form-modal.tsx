import { zodResolver } from '@hookform/resolvers/zod';
import { Alert, Button, Group, Modal, Select, Stack, Switch, TagsInput, TextInput } from '@mantine/core';
import { Controller, useForm } from 'react-hook-form';
import { z } from 'zod';
import { type CatalogApp, useConnectorStatus, useCreateApp, useUpdateApp } from '../api';
import { errorMessage } from '../components/error-alert';
import { t } from '../i18n/translate';

const NAME_MAX = 200;
const ALIAS_MAX = 100;
const ALIASES_MAX = 20;
const RESET_METHODS = ['auto', 'swa_link', 'okta_reset', 'external'] as const;

/** The same rules the API checks (api-schemas.ts), so most mistakes show before sending. */
const appFormSchema = z.object({
  name: z
    .string()
    .trim()
    .min(1, t('admin.appForm.nameRequired'))
    .max(NAME_MAX, t('admin.appForm.nameTooLong', { max: NAME_MAX })),
  url: z
    .string()
    .trim()
    .refine((v) => v === '' || /^https?:\/\/[\x21-\x7e]+$/i.test(v), t('admin.appForm.urlInvalid')),
  oktaAppId: z
    .string()
    .trim()
    .refine((v) => v === '' || /^[A-Za-z0-9_-]{1,64}$/.test(v), t('admin.appForm.oktaAppIdInvalid')),
  sensitive: z.boolean(),
  approverGroup: z.string().trim().max(200, t('admin.appForm.groupTooLong')),
  resetMethod: z.enum(RESET_METHODS),
  /** '' = none: the sign-on mode (or the method) decides. */
  store: z.string(),
  /** Other names of the app; the server also checks they are unique across the catalog. */
  aliases: z.array(z.string().trim().min(1).max(ALIAS_MAX)).max(ALIASES_MAX, t('admin.appForm.aliasesInvalid')),
});
type AppFormValues = z.input<typeof appFormSchema>;

/** Adds an app (`app` null) or edits one, in a modal. */
export function AppFormModal({ app, opened, onClose }: { app: CatalogApp | null; opened: boolean; onClose: () => void }) {
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={app ? t('admin.appForm.editTitle', { name: app.name }) : t('admin.appForm.createTitle')}
      centered
      closeButtonProps={{ 'aria-label': t('action.close') }}
    >
      {opened && <AppForm app={app} onDone={onClose} />}
    </Modal>
  );
}

function AppForm({ app, onDone }: { app: CatalogApp | null; onDone: () => void }) {
  const create = useCreateApp();
  const update = useUpdateApp();
  const mutation = app ? update : create;
  // The stores the server has (built-ins and STORES_FILE's); it checks the choice again.
  const connectors = useConnectorStatus();
  const storeNames = connectors.data?.stores.map((s) => s.name) ?? [];
  if (app?.store && !storeNames.includes(app.store)) storeNames.push(app.store);
  const form = useForm<AppFormValues>({
    resolver: zodResolver(appFormSchema),
    defaultValues: {
      name: app?.name ?? '',
      url: app?.resetUrl ?? '',
      oktaAppId: app?.oktaAppId ?? '',
      sensitive: app?.sensitive ?? false,
      approverGroup: app?.approverGroup ?? '',
      resetMethod: app?.resetMethod ?? 'auto',
      store: app?.store ?? '',
      aliases: app?.aliases ?? [],
    },
  });
  const { errors, isSubmitting } = form.formState;

  const submit = form.handleSubmit(async (v) => {
    const fields = {
      name: v.name.trim(),
      sensitive: v.sensitive,
      resetMethod: v.resetMethod,
      aliases: v.aliases.map((a) => a.trim()).filter(Boolean),
    };
    const ok = app
      ? await update
          .mutateAsync({
            id: app.id,
            changes: {
              ...fields,
              url: v.url.trim() || null,
              oktaAppId: v.oktaAppId.trim() || null,
              approverGroup: v.approverGroup.trim() || null,
              store: v.store || null,
            },
          })
          .catch(() => null)
      : await create
          .mutateAsync({
            ...fields,
            ...(v.url.trim() ? { url: v.url.trim() } : {}),
            ...(v.oktaAppId.trim() ? { oktaAppId: v.oktaAppId.trim() } : {}),
            ...(v.approverGroup.trim() ? { approverGroup: v.approverGroup.trim() } : {}),
            ...(v.store ? { store: v.store } : {}),
          })
          .catch(() => null);
    if (ok) onDone();
  });

  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="md">
        {mutation.isError && (
          <Alert color="red" role="alert">
            {errorMessage(mutation.error)}
          </Alert>
        )}
        <TextInput label={t('admin.appForm.name')} required {...form.register('name')} error={errors.name?.message} data-autofocus />
        <Controller
          control={form.control}
          name="aliases"
          render={({ field }) => (
            <TagsInput
              label={t('admin.appForm.aliases')}
              description={t('admin.appForm.aliasesHelp')}
              value={field.value}
              onChange={field.onChange}
              maxTags={ALIASES_MAX}
              splitChars={[',', '|']}
              clearable
              error={errors.aliases ? (errors.aliases.message ?? t('admin.appForm.aliasesInvalid')) : undefined}
            />
          )}
        />
        <TextInput
          label={t('admin.appForm.url')}
          description={t('admin.appForm.urlHelp')}
          {...form.register('url')}
          error={errors.url?.message}
        />
        <TextInput label={t('admin.appForm.oktaAppId')} {...form.register('oktaAppId')} error={errors.oktaAppId?.message} />
        <Controller
          control={form.control}
          name="resetMethod"
          render={({ field }) => (
            <Select
              label={t('admin.appForm.resetMethod')}
              data={RESET_METHODS.map((m) => ({ value: m, label: t(`admin.method.${m}`) }))}
              value={field.value}
              onChange={(value) => field.onChange(value ?? 'auto')}
              allowDeselect={false}
            />
          )}
        />
        <Controller
          control={form.control}
          name="store"
          render={({ field }) => (
            <Select
              label={t('admin.appForm.store')}
              description={t('admin.appForm.storeHelp')}
              data={[{ value: '', label: t('admin.appForm.storeNone') }, ...storeNames.map((name) => ({ value: name, label: name }))]}
              value={field.value}
              onChange={(value) => field.onChange(value ?? '')}
              allowDeselect={false}
              disabled={connectors.isPending}
            />
          )}
        />
        <TextInput label={t('admin.appForm.approverGroup')} {...form.register('approverGroup')} error={errors.approverGroup?.message} />
        <Controller
          control={form.control}
          name="sensitive"
          render={({ field }) => (
            <Switch label={t('admin.appForm.sensitive')} checked={field.value} onChange={(e) => field.onChange(e.currentTarget.checked)} />
          )}
        />
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onDone}>
            {t('action.cancel')}
          </Button>
          <Button type="submit" loading={isSubmitting}>
            {app ? t('admin.appForm.save') : t('admin.apps.add')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
