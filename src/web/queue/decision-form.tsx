import { Alert, Button, Group, Modal, Stack, Text, Textarea } from '@mantine/core';
import { useState } from 'react';
import { type DecisionInput, type Request, useDecide, useReturnRequest } from '../api';
import { errorMessage } from '../components/error-alert';
import { Icon } from '../components/icon';
import { t } from '../i18n/translate';

const COMMENT_MAX = 2000;
const QUESTION_MAX = 2000;

/** What an approver did: approved, denied, or returned the request with a question. */
export type Verdict = DecisionInput['verdict'] | 'return';

/**
 * Approve, deny or ask the requester for more information, with an optional comment the
 * requester will read. Approving an Okta reset asks first: Okta acts at once. `blockedReason`
 * disables the buttons and says why; a refusal from the server (not in the app's approver
 * group, say) is shown here and changes nothing.
 */
export function DecisionForm({
  request,
  blockedReason,
  onDecided,
}: {
  request: Request;
  blockedReason: string | null;
  onDecided: (verdict: Verdict) => void;
}) {
  const [comment, setComment] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [asking, setAsking] = useState(false);
  const [question, setQuestion] = useState('');
  const [questionTouched, setQuestionTouched] = useState(false);
  const decide = useDecide();
  const giveBack = useReturnRequest();
  const busy = decide.isPending || giveBack.isPending;
  const tooLong = comment.length > COMMENT_MAX;
  const disabled = blockedReason !== null || busy || tooLong;
  // The last refusal, whichever action it came from.
  const failure = giveBack.isError ? giveBack.error : decide.isError ? decide.error : null;
  const questionError =
    question.length > QUESTION_MAX
      ? t('decide.questionTooLong', { max: QUESTION_MAX })
      : questionTouched && question.trim() === ''
        ? t('decide.questionRequired')
        : null;

  const ask = () => {
    setQuestionTouched(true);
    if (question.trim() === '' || question.length > QUESTION_MAX) return;
    setAsking(false);
    decide.reset();
    giveBack
      .mutateAsync({ id: request.request_id, question })
      .then(() => onDecided('return'))
      .catch(() => undefined); // shown from giveBack.error
  };

  const send = (verdict: DecisionInput['verdict']) => {
    setConfirming(false);
    giveBack.reset();
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
      {failure && (
        <Alert color="red" role="alert" icon={<Icon name="alert" />} title={t('decide.failed')} data-testid="decision-failed">
          {errorMessage(failure)}
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
        <Button
          variant="default"
          onClick={() => setAsking(true)}
          disabled={blockedReason !== null || busy}
          loading={giveBack.isPending}
          leftSection={<Icon name="message" size={16} />}
        >
          {t('decide.ask')}
        </Button>
      </Group>
      <Modal
        opened={asking}
        onClose={() => setAsking(false)}
        title={t('decide.askTitle')}
        centered
        closeButtonProps={{ 'aria-label': t('action.close') }}
      >
        <Stack gap="md">
          <Text size="sm">{t('decide.askBody', { requester: request.requester })}</Text>
          <Textarea
            label={t('decide.question')}
            description={t('decide.questionHelp')}
            placeholder={t('decide.questionPlaceholder')}
            value={question}
            onChange={(e) => setQuestion(e.currentTarget.value)}
            autosize
            minRows={3}
            maxRows={8}
            withAsterisk
            error={questionError}
            data-autofocus
          />
          <Group justify="flex-end" gap="sm">
            <Button variant="default" onClick={() => setAsking(false)}>
              {t('action.cancel')}
            </Button>
            <Button onClick={ask} leftSection={<Icon name="message" size={16} />}>
              {t('decide.askSend')}
            </Button>
          </Group>
        </Stack>
      </Modal>
      <Modal
        opened={confirming}
        onClose={() => setConfirming(false)}
        title={t('decide.confirmTitle')}
        centered
        closeButtonProps={{ 'aria-label': t('action.close') }}
      >
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
