import { Code, Group, Text } from '@mantine/core';
import type { MessageKey } from '../i18n/en';
import { t } from '../i18n/translate';

/**
 * Rule ids that are no policy rule but a step of resetdesk's own — verifying the requester —
 * and need words: an approver reads "Push denied — possible account takeover", not the id.
 */
const RULE_WORDS: Record<string, MessageKey> = {
  verification_rejected: 'rule.verification_rejected',
  verification_failed: 'rule.verification_failed',
  verification_unavailable: 'rule.verification_unavailable',
};

/** The rule in words, or null for a policy rule (shown by its id). */
export function ruleWords(ruleId: string | null | undefined): string | null {
  const key = ruleId ? RULE_WORDS[ruleId] : undefined;
  return key ? t(key) : null;
}

/** Whether verifying the requester put the request where it is (escalated to IT). */
export function isVerificationRule(ruleId: string | null | undefined): boolean {
  return ruleWords(ruleId) !== null;
}

/** A rule id as code, with its words in front when it has some. */
export function RuleText({ ruleId }: { ruleId: string }) {
  const words = ruleWords(ruleId);
  if (!words) return <Code>{ruleId}</Code>;
  return (
    <Group gap={6} wrap="wrap">
      <Text span size="sm" fw={600} c="red.9">
        {words}
      </Text>
      <Code>{ruleId}</Code>
    </Group>
  );
}
