import { Alert, Loader, Text } from '@mantine/core';
import type { Request } from '../api';
import { Icon, type IconName } from '../components/icon';
import { useMe } from '../session/session-context';
import { type NextStep, nextStep } from './next-step';

const TONES: Record<NextStep['tone'], { color: string; icon: IconName | null }> = {
  working: { color: 'blue', icon: null },
  done: { color: 'green', icon: 'mail' },
  waiting: { color: 'orange', icon: 'clock' },
  question: { color: 'yellow', icon: 'message' },
  denied: { color: 'red', icon: 'x' },
  failed: { color: 'gray', icon: 'alert' },
};

/** What happens next for this request, announced to screen readers when it changes. */
export function NextStepAlert({ request }: { request: Request }) {
  const { policy } = useMe();
  const step = nextStep(request, policy);
  const tone = TONES[step.tone];
  return (
    <Alert
      color={tone.color}
      icon={tone.icon ? <Icon name={tone.icon} size={20} /> : <Loader size={18} color="blue" />}
      aria-live="polite"
      data-testid="next-step"
    >
      <Text fw={600} size="lg" lh={1.35}>
        {step.headline}
      </Text>
      {step.detail && <Text mt={4}>{step.detail}</Text>}
    </Alert>
  );
}
