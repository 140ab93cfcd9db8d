import { Alert, Anchor, Button, Divider, Group, Loader, Paper, Stack, Text, TextInput, ThemeIcon, Title } from '@mantine/core';
import { useEffect, useId, useState } from 'react';
import { ApiError, type CodeFactor, type Request, useVerify, type Verification } from '../api';
import { errorMessage } from '../components/error-alert';
import { Icon, type IconName } from '../components/icon';
import { t } from '../i18n/translate';
import { codeSentText, factorChoiceText, factorKind } from './factor-text';

/** Whether this request waits for the signed-in person (its requester) to prove it is them. */
export function waitsForVerification(request: Request, mine: boolean): request is Request & { verification: Verification } {
  return mine && request.status === 'Verifying' && request.verification !== null;
}

/**
 * What a Verifying request asks of its requester, and the way to do it: approve the Okta Verify
 * push on the phone (the number to pick shown large, with the time left) — the page carries on by
 * itself once the phone answers — and/or type a one-time code from one of the factors on offer
 * (an authenticator app's, or one Okta texts or emails on request).
 */
export function VerificationCard({ request, verification }: { request: Request; verification: Verification }) {
  const headingId = useId();
  return (
    <Paper
      withBorder
      p={{ base: 'md', sm: 'lg' }}
      component="section"
      aria-labelledby={headingId}
      data-testid="verification-card"
      style={{ borderColor: 'var(--mantine-color-indigo-6)', borderWidth: 2 }}
    >
      <Stack gap="md">
        <Group gap="sm" wrap="nowrap" align="flex-start">
          <ThemeIcon color="indigo" variant="light" radius="xl" size={36}>
            <Icon name="shield" size={22} />
          </ThemeIcon>
          <div>
            <Title order={2} size="h4" id={headingId}>
              {t('verify.heading')}
            </Title>
            <Text size="sm" c="dimmed">
              {t('verify.intro')}
            </Text>
          </div>
        </Group>
        {verification.push && <PushStep push={verification.push} />}
        {verification.push && verification.codes.length > 0 && <Divider label={t('verify.orCode')} labelPosition="left" />}
        {verification.codes.length > 0 && (
          <CodeStep request={request} verification={verification} withHeading={verification.push === null} />
        )}
      </Stack>
    </Paper>
  );
}

/** A step's icon, which keeps its size beside a heading that wraps. */
function HeadingIcon({ name }: { name: IconName }) {
  return (
    <span style={{ display: 'flex', flex: 'none', marginTop: 2 }}>
      <Icon name={name} size={22} />
    </span>
  );
}

/** The push: what to do on the phone, the number to pick, and how long it still waits. */
function PushStep({ push }: { push: NonNullable<Verification['push']> }) {
  return (
    <Stack gap="xs" data-testid="verify-push">
      <Group gap="xs" wrap="nowrap" align="flex-start">
        <HeadingIcon name="phone" />
        <Text fw={650} size="lg" lh={1.3}>
          {t('verify.pushHeading')}
        </Text>
      </Group>
      {push.numberChallenge !== null ? (
        <Group gap="sm" align="baseline" wrap="wrap" data-testid="number-challenge-line">
          <Text size="lg">{t('verify.pick')}</Text>
          <Text
            component="span"
            fz={56}
            fw={750}
            lh={1.1}
            c="indigo.8"
            data-testid="number-challenge"
            style={{ fontVariantNumeric: 'tabular-nums' }}
          >
            {push.numberChallenge}
          </Text>
          <Text size="lg">{t('verify.onYourPhone')}</Text>
        </Group>
      ) : (
        <Text>{t('verify.tapYes')}</Text>
      )}
      <Group gap="xs" wrap="wrap">
        <Loader size={14} color="indigo" aria-hidden="true" />
        <Text size="sm">{t('verify.waitingForPhone')}</Text>
        <Countdown expiresAt={push.expiresAt} />
      </Group>
      <Text size="sm" c="dimmed">
        {t('verify.pushHint')}
      </Text>
    </Stack>
  );
}

/** "m:ss" */
const clock = (seconds: number) => `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;

/**
 * The time left to answer the push, ticking every second in figures of equal width, so nothing
 * moves as it counts (a timer role: screen readers do not announce every tick).
 */
function Countdown({ expiresAt }: { expiresAt: string }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, []);
  const left = Math.max(0, Math.ceil((Date.parse(expiresAt) - now) / 1000));
  return (
    <Text size="sm" c="dimmed" role="timer" data-testid="push-countdown" style={{ fontVariantNumeric: 'tabular-nums' }}>
      {left > 0 ? t('verify.expiresIn', { time: clock(left) }) : t('verify.expired')}
    </Text>
  );
}

const FACTOR_ICONS: Record<ReturnType<typeof factorKind>, IconName> = {
  push: 'phone',
  totp: 'key',
  sms: 'phone',
  call: 'phone',
  email: 'mail',
  token: 'key',
  other: 'key',
};

/** The factor a code is typed for at first: one Okta already sent a code of, or the only one that needs no sending. */
function initialFactor(codes: readonly CodeFactor[]): string | null {
  const sent = codes.find((c) => c.codeSent);
  if (sent) return sent.factorId;
  return codes.length === 1 && codes[0] && !codes[0].issue ? codes[0].factorId : null;
}

/** A button per code factor ("Text me a code" sends it at once), then the code and Verify. */
function CodeStep({ request, verification, withHeading }: { request: Request; verification: Verification; withHeading: boolean }) {
  const send = useVerify();
  const [chosen, setChosen] = useState<string | null>(() => initialFactor(verification.codes));
  const factor = verification.codes.find((c) => c.factorId === chosen) ?? null;
  const sendCode = (c: CodeFactor) => send.mutate({ id: request.request_id, factorId: c.factorId });
  const choose = (c: CodeFactor) => {
    setChosen(c.factorId);
    if (c.issue && !c.codeSent) sendCode(c);
  };
  const single = verification.codes.length === 1 && factor !== null;
  const chooseId = useId();
  return (
    <Stack gap="sm" data-testid="verify-code">
      {withHeading && (
        <Group gap="xs" wrap="nowrap">
          <HeadingIcon name="key" />
          <Text fw={650} size="lg" lh={1.3}>
            {t('verify.codeHeading')}
          </Text>
        </Group>
      )}
      {!single && (
        <Stack gap={6}>
          <Text size="sm" id={chooseId}>
            {t('verify.choose')}
          </Text>
          <Group gap="sm" role="group" aria-labelledby={chooseId}>
            {verification.codes.map((c) => (
              <Button
                key={c.factorId}
                variant={c.factorId === chosen ? 'filled' : 'default'}
                aria-pressed={c.factorId === chosen}
                leftSection={<Icon name={FACTOR_ICONS[factorKind(c.factorType)]} size={16} />}
                loading={send.isPending && send.variables?.factorId === c.factorId}
                disabled={send.isPending}
                onClick={() => choose(c)}
              >
                {factorChoiceText(c.factorType)}
              </Button>
            ))}
          </Group>
        </Stack>
      )}
      {send.isError && (
        <Alert color="red" role="alert" icon={<Icon name="alert" />} title={t('verify.sendFailed')}>
          {errorMessage(send.error)}
        </Alert>
      )}
      {factor && (!factor.issue || factor.codeSent) && (
        <CodeForm
          key={factor.factorId}
          request={request}
          factor={factor}
          attemptsLeft={verification.attemptsLeft}
          onSendAgain={() => sendCode(factor)}
          sending={send.isPending}
        />
      )}
    </Stack>
  );
}

const attemptsText = (n: number) => (n === 1 ? t('verify.attemptLeft') : t('verify.attemptsLeft', { n }));

/** The one-time code for one factor, and Verify; the server's refusal (with the attempts left) under the field. */
function CodeForm({
  request,
  factor,
  attemptsLeft,
  onSendAgain,
  sending,
}: {
  request: Request;
  factor: CodeFactor;
  attemptsLeft: number;
  onSendAgain: () => void;
  sending: boolean;
}) {
  const check = useVerify();
  const [code, setCode] = useState('');
  const [required, setRequired] = useState(false);
  const wrongCode = check.error instanceof ApiError && check.error.code === 'VERIFICATION_FAILED' ? check.error.message : null;
  const error = required ? t('verify.codeRequired') : wrongCode;
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        const passCode = code.replace(/\s+/g, '');
        setRequired(passCode === '');
        if (passCode !== '') check.mutate({ id: request.request_id, factorId: factor.factorId, passCode }, { onError: () => setCode('') });
      }}
    >
      <Stack gap="sm">
        {factor.issue ? (
          <Group gap="xs" wrap="wrap" data-testid="code-sent">
            <Icon name="check" size={16} />
            <Text size="sm" fw={600}>
              {codeSentText(factor.factorType)}
            </Text>
            <Anchor component="button" type="button" size="sm" onClick={onSendAgain} disabled={sending}>
              {t('verify.sendAgain')}
            </Anchor>
          </Group>
        ) : (
          <Text size="sm">{t('verify.totpHint')}</Text>
        )}
        <TextInput
          label={t('verify.codeLabel')}
          description={error ? undefined : attemptsText(attemptsLeft)}
          value={code}
          onChange={(e) => {
            setCode(e.currentTarget.value);
            setRequired(false);
          }}
          autoComplete="one-time-code"
          inputMode="numeric"
          maxLength={12}
          spellCheck={false}
          error={error}
          withAsterisk
          styles={{ input: { fontSize: 22, letterSpacing: '0.2em', fontVariantNumeric: 'tabular-nums' } }}
          maw={260}
          data-testid="code-input"
        />
        <Group>
          <Button type="submit" loading={check.isPending} leftSection={<Icon name="shield" size={16} />}>
            {t('verify.submit')}
          </Button>
        </Group>
        {check.isError && !wrongCode && (
          <Alert color="red" role="alert" icon={<Icon name="alert" />} title={t('verify.failed')}>
            {errorMessage(check.error)}
          </Alert>
        )}
      </Stack>
    </form>
  );
}
