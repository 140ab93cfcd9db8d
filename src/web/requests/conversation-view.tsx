import { Group, Stack, Text } from '@mantine/core';
import type { ConversationMessage } from '../api';
import { formatExactTime } from '../i18n/format';
import { t } from '../i18n/translate';

/**
 * The chat conversation that filed the request, as it happened: what the person wrote (shown as
 * typed, never as markup) and what resetdesk answered, oldest first.
 */
export function ConversationView({ messages }: { messages: ConversationMessage[] }) {
  if (messages.length === 0) return <Text c="dimmed">{t('conversation.empty')}</Text>;
  return (
    <Stack gap="sm" component="ol" style={{ listStyle: 'none', margin: 0, padding: 0 }} data-testid="conversation">
      {messages.map((m) => (
        <li key={m.id}>
          <Group gap={6} mb={2}>
            <Text size="sm" fw={600}>
              {m.direction === 'in' ? t('conversation.person') : t('conversation.resetdesk')}
            </Text>
            <Text size="xs" c="dimmed">
              {formatExactTime(m.at)}
            </Text>
          </Group>
          <Text
            size="sm"
            p="xs"
            bg={m.direction === 'in' ? 'gray.1' : 'blue.0'}
            style={{ borderRadius: 6, whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}
          >
            {m.text}
          </Text>
        </li>
      ))}
    </Stack>
  );
}
