import { Alert, Button, Group, Modal, Stack, Text, Textarea } from '@mantine/core';
import { useState } from 'react';
import { type DecisionInput, type Request, useDecide } from '../api';
import { errorMessage } from '../components/error-alert';
import { Icon } from '../components/icon';
import { t } from '../i18n/translate';

const COMMENT_MAX = 2000;

/**
 * Approve or deny, with an optional comment the requester will read. Approving an Okta reset asks
 * first: Okta acts at once. `blockedReason` disables both buttons and says why.
 */
export function DecisionForm({
  request,
  blockedReason,
  onDecided,
}: {
  request: Request;
  blockedReason: string | null;
  onDecided: (verdict: DecisionInput['verdict']) => void;
}) {
  const [comment, setComment] = useState('');
  const [confirming, setConfirming] = useState(false);
  const decide = useDecide();
  const tooLong = comment.length > COMMENT_MAX;
  const disabled = blockedReason !== null || decide.isPending || tooLong;

  const send = (verdict: DecisionInput['verdict']) => {
    setConfirming(false);
    // Not mutate()'s onSuccess: the refreshed list drops the request, which unmounts this form first.
    decide
      .mutateAsync({ id: request.request_id, verdict, comment })
      .then(() => onDecided(verdict))
      .catch(() => undefined); // shown from decide.error
  };
  const approve = () => (request.resetMethod === 'okta_reset' ? setConfirming(true) : send('approve'));

  return (
    <Stack gap="sm">
      <Textarea
        label={t('decide.comment')}
        description={t('decide.commentHelp')}
        value={comment}
        onChange={(e) => setComment(e.currentTarget.value)}
        autosize
        minRows={2}
        maxRows={6}
        disabled={blockedReason !== null}
        error={tooLong ? t('decide.commentTooLong', { max: COMMENT_MAX }) : undefined}
      />
      {blockedReason && (
        <Alert color="orange" icon={<Icon name="alert" />} data-testid="decision-blocked">
          {blockedReason}
        </Alert>
      )}
      {decide.isError && (
        <Alert color="red" role="alert" icon={<Icon name="alert" />} title={t('decide.failed')}>
          {errorMessage(decide.error)}
        </Alert>
      )}
      <Group gap="sm">
        <Button
          onClick={approve}
          disabled={disabled}
          loading={decide.isPending && decide.variables?.verdict === 'approve'}
          leftSection={<Icon name="check" size={16} />}
        >
          {t('decide.approve')}
        </Button>
        <Button
          color="red"
          variant="light"
          onClick={() => send('deny')}
          disabled={disabled}
          loading={decide.isPending && decide.variables?.verdict === 'deny'}
          leftSection={<Icon name="x" size={16} />}
        >
          {t('decide.deny')}
        </Button>
      </Group>
      <Modal opened={confirming} onClose={() => setConfirming(false)} title={t('decide.confirmTitle')} centered>
        <Text>{t('decide.confirmBody', { requester: request.targetUser ?? request.requester, app: request.app })}</Text>
        <Group justify="flex-end" mt="lg" gap="sm">
          <Button variant="default" onClick={() => setConfirming(false)}>
            {t('action.cancel')}
          </Button>
          <Button onClick={() => send('approve')}>{t('decide.confirmButton')}</Button>
        </Group>
      </Modal>
    </Stack>
  );
}
