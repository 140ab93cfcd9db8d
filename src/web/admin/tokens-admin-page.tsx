import { zodResolver } from '@hookform/resolvers/zod';
import { Alert, Badge, Button, Code, CopyButton, Group, Modal, Select, Skeleton, Stack, Table, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { Controller, useForm } from 'react-hook-form';
import { z } from 'zod';
import { type ApiToken, useCreateToken, useRevokeToken, useTokens } from '../api';
import { ErrorAlert, errorMessage } from '../components/error-alert';
import { Icon } from '../components/icon';
import { RelativeTime } from '../components/relative-time';
import { t } from '../i18n/translate';
import { AdminPage } from './admin-page';

const ROLES = ['requester', 'approver', 'admin', 'intake'] as const;

/** `/admin/tokens`: API tokens; a new one is shown once, a revoked one stops working. */
export function TokensAdminPage() {
  return (
    <AdminPage title={t('admin.tokens.title')}>
      <TokensAdmin />
    </AdminPage>
  );
}

function TokensAdmin() {
  const tokens = useTokens();
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<string | null>(null);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);
  const revoke = useRevokeToken();

  return (
    <>
      <Button leftSection={<Icon name="plus" size={16} />} mb="md" onClick={() => setCreating(true)}>
        {t('admin.tokens.create')}
      </Button>
      {created && (
        <Alert
          color="yellow"
          icon={<Icon name="alert" />}
          title={t('admin.tokens.createdTitle')}
          mb="md"
          role="status"
          withCloseButton
          closeButtonLabel={t('action.dismiss')}
          onClose={() => setCreated(null)}
        >
          <Text mb="sm">{t('admin.tokens.createdBody')}</Text>
          <Group gap="sm" wrap="nowrap">
            <Code aria-label={t('admin.tokens.newToken')} style={{ wordBreak: 'break-all' }}>
              {created}
            </Code>
            <CopyButton value={created}>
              {({ copied, copy }) => (
                <Button size="xs" variant="default" leftSection={<Icon name="copy" size={14} />} onClick={copy}>
                  {copied ? t('admin.tokens.copied') : t('admin.tokens.copy')}
                </Button>
              )}
            </CopyButton>
          </Group>
        </Alert>
      )}
      {tokens.isPending && <Skeleton height={160} />}
      {tokens.isError && <ErrorAlert error={tokens.error} onRetry={() => void tokens.refetch()} />}
      {tokens.data?.length === 0 && <Text c="dimmed">{t('admin.tokens.empty')}</Text>}
      {tokens.data && tokens.data.length > 0 && (
        <Table.ScrollContainer minWidth={720}>
          <Table verticalSpacing="sm" bg="white" withTableBorder aria-label={t('admin.tokens.tableCaption')}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{t('admin.tokens.column.email')}</Table.Th>
                <Table.Th scope="col">{t('admin.tokens.column.role')}</Table.Th>
                <Table.Th scope="col">{t('admin.tokens.column.label')}</Table.Th>
                <Table.Th scope="col">{t('admin.tokens.column.created')}</Table.Th>
                <Table.Th scope="col">{t('admin.tokens.column.status')}</Table.Th>
                <Table.Th scope="col">{t('admin.tokens.column.actions')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {tokens.data.map((token) => (
                <Table.Tr key={token.id}>
                  <Table.Td>{token.email}</Table.Td>
                  <Table.Td>{t(`admin.role.${token.role}`)}</Table.Td>
                  <Table.Td>{token.label ?? '—'}</Table.Td>
                  <Table.Td>
                    <RelativeTime iso={token.createdAt} />
                  </Table.Td>
                  <Table.Td>
                    {token.revokedAt ? (
                      <Badge color="gray">{t('admin.tokens.revoked')}</Badge>
                    ) : (
                      <Badge color="green">{t('admin.tokens.active')}</Badge>
                    )}
                  </Table.Td>
                  <Table.Td>
                    {!token.revokedAt && (
                      <Button
                        size="xs"
                        variant="default"
                        onClick={() => setRevoking(token)}
                        aria-label={t('admin.tokens.revokeLabel', { email: token.email })}
                      >
                        {t('admin.tokens.revoke')}
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}

      <Modal
        opened={creating}
        onClose={() => setCreating(false)}
        title={t('admin.tokenForm.title')}
        centered
        closeButtonProps={{ 'aria-label': t('action.close') }}
      >
        {creating && (
          <TokenForm
            onCancel={() => setCreating(false)}
            onCreated={(token) => {
              setCreating(false);
              setCreated(token);
            }}
          />
        )}
      </Modal>
      <Modal
        opened={revoking !== null}
        onClose={() => setRevoking(null)}
        title={t('admin.tokens.revokeTitle')}
        centered
        closeButtonProps={{ 'aria-label': t('action.close') }}
      >
        {revoking && <Text>{t('admin.tokens.revokeBody', { email: revoking.email, role: t(`admin.role.${revoking.role}`) })}</Text>}
        {revoke.isError && (
          <Alert color="red" role="alert" mt="md">
            {errorMessage(revoke.error)}
          </Alert>
        )}
        <Group justify="flex-end" mt="lg" gap="sm">
          <Button variant="default" onClick={() => setRevoking(null)}>
            {t('action.cancel')}
          </Button>
          <Button
            color="red"
            loading={revoke.isPending}
            onClick={() => revoking && revoke.mutate(revoking.id, { onSuccess: () => setRevoking(null) })}
          >
            {t('admin.tokens.revoke')}
          </Button>
        </Group>
      </Modal>
    </>
  );
}

const tokenFormSchema = z.object({
  email: z
    .string()
    .trim()
    .pipe(z.email({ error: t('admin.tokenForm.emailInvalid') })),
  role: z.enum(ROLES),
  label: z.string().trim().max(200),
});
type TokenFormValues = z.input<typeof tokenFormSchema>;

function TokenForm({ onCancel, onCreated }: { onCancel: () => void; onCreated: (token: string) => void }) {
  const create = useCreateToken();
  const form = useForm<TokenFormValues>({
    resolver: zodResolver(tokenFormSchema),
    defaultValues: { email: '', role: 'intake', label: '' },
  });
  const { errors, isSubmitting } = form.formState;
  const submit = form.handleSubmit(async (v) => {
    const result = await create
      .mutateAsync({ email: v.email.trim(), role: v.role, ...(v.label.trim() ? { label: v.label.trim() } : {}) })
      .catch(() => null);
    if (result) onCreated(result.token);
  });
  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="md">
        {create.isError && (
          <Alert color="red" role="alert">
            {errorMessage(create.error)}
          </Alert>
        )}
        <TextInput
          label={t('admin.tokenForm.email')}
          required
          type="email"
          {...form.register('email')}
          error={errors.email?.message}
          data-autofocus
        />
        <Controller
          control={form.control}
          name="role"
          render={({ field }) => (
            <Select
              label={t('admin.tokenForm.role')}
              data={ROLES.map((r) => ({ value: r, label: t(`admin.role.${r}`) }))}
              value={field.value}
              onChange={(value) => field.onChange(value ?? 'intake')}
              allowDeselect={false}
            />
          )}
        />
        <TextInput
          label={t('admin.tokenForm.label')}
          description={t('admin.tokenForm.labelHelp')}
          {...form.register('label')}
          error={errors.label?.message}
        />
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onCancel}>
            {t('action.cancel')}
          </Button>
          <Button type="submit" loading={isSubmitting}>
            {t('admin.tokens.create')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
