import { Alert, Autocomplete, Button, Group, Paper, Stack, Text, Textarea, Title } from '@mantine/core';
import { useId, useMemo, useState } from 'react';
import { type OpenQuestion, type Request, useApps, useReply, useVerify } from '../api';
import { errorMessage } from '../components/error-alert';
import { Icon } from '../components/icon';
import { RelativeTime } from '../components/relative-time';
import { t } from '../i18n/translate';
import { findCatalogApp, rankAppNames } from './app-name';

const MESSAGE_MAX = 2000;

/** Who asked, in words: the approver by address, or resetdesk itself. */
function askedByText(question: OpenQuestion): string {
  return question.reason === 'returned' ? t('question.askedBy', { approver: question.askedBy }) : t('question.askedByResetdesk');
}

/**
 * The question a Waiting request asks its requester, and the way to answer it: one button per
 * app resetdesk thinks was meant (plus a search of the catalog for "none of these"), a message
 * for the approver who asked, or — the Okta Verify push went unanswered — a new push. The live
 * view carries on once the answer is in.
 */
export function QuestionCard({ request, question }: { request: Request; question: OpenQuestion }) {
  const headingId = useId();
  return (
    <Paper
      withBorder
      p={{ base: 'md', sm: 'lg' }}
      component="section"
      aria-labelledby={headingId}
      data-testid="question-card"
      style={{ borderColor: 'var(--mantine-color-yellow-6)', borderWidth: 2, background: 'var(--mantine-color-yellow-0)' }}
    >
      <Stack gap="sm">
        <Group gap="xs" wrap="nowrap" align="flex-start">
          <Icon name="message" size={22} />
          <div>
            <Title order={2} size="h4" id={headingId}>
              {question.reason === 'verification_timeout' ? t('verify.timeoutHeading') : t('question.heading')}
            </Title>
            <Text size="sm" c="dimmed">
              {askedByText(question)} · <RelativeTime iso={question.askedAt} />
            </Text>
          </div>
        </Group>
        <Text size="lg" fw={600} style={{ overflowWrap: 'anywhere' }} data-testid="question-text">
          {question.text}
        </Text>
        <Answer request={request} question={question} />
      </Stack>
    </Paper>
  );
}

function Answer({ request, question }: { request: Request; question: OpenQuestion }) {
  switch (question.reason) {
    case 'app_ambiguous':
      return <AppAnswer request={request} question={question} />;
    case 'verification_timeout':
      return <NewPushAnswer request={request} />;
    case 'returned':
      return <MessageAnswer request={request} />;
  }
}

/** The push went unanswered: send a new one (POST …/verify {}); the request is Verifying again. */
function NewPushAnswer({ request }: { request: Request }) {
  const verify = useVerify();
  return (
    <Stack gap="sm">
      <Group>
        <Button
          onClick={() => verify.mutate({ id: request.request_id })}
          loading={verify.isPending}
          leftSection={<Icon name="phone" size={16} />}
        >
          {t('verify.newPush')}
        </Button>
      </Group>
      {verify.isError && <ReplyFailed error={verify.error} />}
    </Stack>
  );
}

/** "Did you mean …?": a button per candidate, and the catalog for anything else. */
function AppAnswer({ request, question }: { request: Request; question: OpenQuestion }) {
  const reply = useReply();
  const apps = useApps();
  const names = useMemo(() => (apps.data ? apps.data.map((a) => a.name) : []), [apps.data]);
  const [other, setOther] = useState('');
  const [otherError, setOtherError] = useState<string | null>(null);
  const send = (app: string) => reply.mutate({ id: request.request_id, app });
  const sendOther = () => {
    const app = findCatalogApp(names, other);
    if (!app) {
      setOtherError(other.trim() === '' ? t('form.appRequired') : t('form.appUnknown'));
      return;
    }
    setOtherError(null);
    send(app);
  };
  return (
    <Stack gap="md">
      {question.candidates.length > 0 && (
        <Group gap="sm" role="group" aria-label={t('question.candidatesLabel')}>
          {question.candidates.map((name) => (
            <Button
              key={name}
              onClick={() => send(name)}
              disabled={reply.isPending}
              loading={reply.isPending && reply.variables !== undefined && 'app' in reply.variables && reply.variables.app === name}
            >
              {name}
            </Button>
          ))}
        </Group>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          sendOther();
        }}
      >
        <Group gap="sm" align="flex-end" wrap="wrap">
          <Autocomplete
            label={question.candidates.length > 0 ? t('question.noneOfThese') : t('question.whichApp')}
            placeholder={t('form.appPlaceholder')}
            value={other}
            onChange={(value) => {
              setOther(value);
              setOtherError(null);
            }}
            data={names}
            filter={({ options, search, limit }) =>
              rankAppNames(
                options.map((o) => ('value' in o ? o.value : '')),
                search,
              )
                .slice(0, limit)
                .map((name) => ({ value: name, label: name }))
            }
            limit={20}
            maxDropdownHeight={240}
            autoComplete="off"
            error={otherError}
            style={{ flex: '1 1 240px' }}
          />
          <Button type="submit" variant="default" disabled={reply.isPending}>
            {t('question.useThisApp')}
          </Button>
        </Group>
      </form>
      {reply.isError && <ReplyFailed error={reply.error} />}
    </Stack>
  );
}

/** An approver's question: answered in a message that goes back to them. */
function MessageAnswer({ request }: { request: Request }) {
  const reply = useReply();
  const [message, setMessage] = useState('');
  const [touched, setTouched] = useState(false);
  const blank = message.trim() === '';
  const tooLong = message.length > MESSAGE_MAX;
  const error = tooLong ? t('question.messageTooLong', { max: MESSAGE_MAX }) : touched && blank ? t('question.messageRequired') : null;
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        setTouched(true);
        if (!blank && !tooLong) reply.mutate({ id: request.request_id, message: message.trim() });
      }}
    >
      <Stack gap="sm">
        <Textarea
          label={t('question.yourAnswer')}
          description={t('question.yourAnswerHelp')}
          value={message}
          onChange={(e) => setMessage(e.currentTarget.value)}
          autosize
          minRows={3}
          maxRows={8}
          withAsterisk
          error={error}
        />
        {reply.isError && <ReplyFailed error={reply.error} />}
        <Group>
          <Button type="submit" loading={reply.isPending} leftSection={<Icon name="message" size={16} />}>
            {t('question.send')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function ReplyFailed({ error }: { error: unknown }) {
  return (
    <Alert color="red" role="alert" icon={<Icon name="alert" />} title={t('question.failed')}>
      {errorMessage(error)}
    </Alert>
  );
}

/** Whether this request waits for an answer from the signed-in person (its requester). */
export function waitsForAnswer(request: Request, mine: boolean): request is Request & { question: OpenQuestion } {
  return mine && request.status === 'Waiting' && request.question !== null;
}
