import { Alert, Button, Group, Modal, Stack, Text, Textarea } from '@mantine/core';
import { useState } from 'react';
import { type Me, type Request, type RequestStatus, useCancelRequest } from '../api';
import { errorMessage } from '../components/error-alert';
import { Icon } from '../components/icon';
import { t } from '../i18n/translate';
import { isMyAddress } from '../session/session-context';

const REASON_MAX = 500;

/** The statuses a request can be cancelled in (the server's "open" ones). */
const OPEN: readonly RequestStatus[] = ['New', 'Triaging', 'Waiting', 'Escalated', 'PendingExternal'];

/**
 * Whether `me` may cancel `request` now: their own open request, or any open one for an admin —
 * and not once an approver has approved it (the reset is then under way).
 */
export function canCancel(me: Me, request: Request): boolean {
  const allowed = isMyAddress(me, request.requester) || me.role === 'admin';
  return allowed && OPEN.includes(request.status) && request.manualDecision === null;
}

/** "Cancel request", behind a dialog that asks for confirmation and an optional reason. */
export function CancelRequestButton({ request, mine }: { request: Request; mine: boolean }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const cancel = useCancelRequest();
  const tooLong = reason.length > REASON_MAX;
  const close = () => {
    setOpen(false);
    cancel.reset();
  };
  const confirm = () =>
    cancel
      .mutateAsync({ id: request.request_id, reason })
      .then(() => setOpen(false))
      .catch(() => undefined); // shown in the dialog from cancel.error
  return (
    <>
      <Button
        variant="light"
        color="red"
        size="xs"
        leftSection={<Icon name="x" size={14} />}
        onClick={() => setOpen(true)}
        data-testid="cancel-request"
      >
        {t('cancel.button')}
      </Button>
      <Modal
        opened={open}
        onClose={close}
        title={t('cancel.title', { app: request.app })}
        centered
        closeButtonProps={{ 'aria-label': t('action.close') }}
      >
        <Stack gap="md">
          <Text>{mine ? t('cancel.body') : t('cancel.bodyAdmin', { requester: request.requester })}</Text>
          <Textarea
            label={t('cancel.reason')}
            description={mine ? t('cancel.reasonHelp') : t('cancel.reasonHelpAdmin')}
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value)}
            autosize
            minRows={2}
            maxRows={5}
            error={tooLong ? t('cancel.reasonTooLong', { max: REASON_MAX }) : undefined}
            data-autofocus
          />
          {cancel.isError && (
            <Alert color="red" role="alert" icon={<Icon name="alert" />} title={t('cancel.failed')}>
              {errorMessage(cancel.error)}
            </Alert>
          )}
          <Group justify="flex-end" gap="sm">
            <Button variant="default" onClick={close}>
              {t('cancel.keep')}
            </Button>
            <Button color="red.9" onClick={confirm} loading={cancel.isPending} disabled={tooLong}>
              {t('cancel.confirm')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
