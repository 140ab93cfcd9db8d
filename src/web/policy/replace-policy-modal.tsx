import { Alert, Button, Group, Modal, Stack, Text, Textarea } from '@mantine/core';
import { useState } from 'react';
import { type PolicyView, useReplacePolicy } from '../api';
import { errorMessage } from '../components/error-alert';
import { Icon } from '../components/icon';
import { useIsPhone } from '../components/use-is-phone';
import { t } from '../i18n/translate';
import { issueLine, policyIssues } from './policy-text';

/** The API's limit on a policy's YAML (PUT /api/v1/policy). */
const YAML_MAX = 64 * 1024;

/**
 * An admin replaces the policy: the current YAML to edit, put in force with PUT /api/v1/policy.
 * A policy with problems lists each with its line and keeps the text, so it can be fixed.
 */
export function ReplacePolicyModal({
  policy,
  opened,
  onClose,
  onReplaced,
}: {
  policy: PolicyView;
  opened: boolean;
  onClose: () => void;
  onReplaced: (view: PolicyView) => void;
}) {
  const isPhone = useIsPhone();
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={t('policy.replace.title')}
      size="xl"
      fullScreen={isPhone}
      closeButtonProps={{ 'aria-label': t('action.close') }}
    >
      {/* Mounted while open: each opening starts from the policy in force. */}
      {opened && <ReplacePolicyForm policy={policy} onClose={onClose} onReplaced={onReplaced} />}
    </Modal>
  );
}

function ReplacePolicyForm({
  policy,
  onClose,
  onReplaced,
}: {
  policy: PolicyView;
  onClose: () => void;
  onReplaced: (view: PolicyView) => void;
}) {
  const [yaml, setYaml] = useState(policy.yaml);
  const [blank, setBlank] = useState(false);
  const replace = useReplacePolicy();
  const issues = policyIssues(replace.error);
  const tooLong = new TextEncoder().encode(yaml).length > YAML_MAX;

  const submit = () => {
    if (yaml.trim() === '') {
      setBlank(true);
      return;
    }
    replace.mutate(yaml, { onSuccess: (view) => onReplaced(view) });
  };

  return (
    <Stack gap="md">
      {policy.confluence && (
        <Text size="sm" c="dimmed">
          {t('policy.replace.confluenceNote')}
        </Text>
      )}
      <Textarea
        label={t('policy.replace.label')}
        description={t('policy.replace.description')}
        value={yaml}
        onChange={(e) => {
          setYaml(e.currentTarget.value);
          setBlank(false);
        }}
        autosize
        minRows={12}
        maxRows={22}
        spellCheck={false}
        autoCapitalize="off"
        autoCorrect="off"
        styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 'var(--mantine-font-size-sm)' } }}
        error={blank ? t('policy.replace.empty') : tooLong ? t('policy.replace.tooLong') : undefined}
        data-autofocus
      />
      {replace.isError && (
        <Alert
          color="red"
          role="alert"
          icon={<Icon name="alert" />}
          title={issues.length > 0 ? t('policy.replace.invalid') : t('policy.replace.failed')}
          data-testid="policy-issues"
        >
          {issues.length > 0 ? (
            <ul style={{ margin: 0, paddingInlineStart: '1.2em' }}>
              {issues.map((issue) => (
                <li key={`${issue.line}:${issue.path}:${issue.message}`} style={{ overflowWrap: 'anywhere' }}>
                  {issueLine(issue)}
                </li>
              ))}
            </ul>
          ) : (
            errorMessage(replace.error)
          )}
        </Alert>
      )}
      <Group justify="flex-end" gap="sm">
        <Button variant="default" onClick={onClose}>
          {t('action.cancel')}
        </Button>
        <Button onClick={submit} loading={replace.isPending} disabled={tooLong}>
          {t('policy.replace.submit')}
        </Button>
      </Group>
    </Stack>
  );
}
