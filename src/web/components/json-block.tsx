import { Button, Code, CopyButton, Group, Paper, Text } from '@mantine/core';
import { t } from '../i18n/translate';
import { Icon } from './icon';

/** A titled, read-only JSON view with a Copy-as-JSON button. */
export function JsonBlock({ title, value, testId }: { title: string; value: unknown; testId?: string }) {
  const json = JSON.stringify(value, null, 2);
  return (
    <Paper withBorder p="md" data-testid={testId}>
      <Group justify="space-between" mb="xs">
        <Text component="h3" fw={600} size="md">
          {title}
        </Text>
        <CopyButton value={json}>
          {({ copied, copy }) => (
            <Button
              variant="default"
              size="xs"
              leftSection={<Icon name={copied ? 'check' : 'copy'} size={14} />}
              onClick={copy}
              aria-label={`${copied ? t('json.copied') : t('json.copy')}: ${title}`}
            >
              {copied ? t('json.copied') : t('json.copy')}
            </Button>
          )}
        </CopyButton>
      </Group>
      {/* Focusable so keyboard users can scroll it. */}
      <Code block tabIndex={0} style={{ maxHeight: 360, overflow: 'auto', whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>
        {json}
      </Code>
    </Paper>
  );
}
