import { Blockquote, Text } from '@mantine/core';

/**
 * Text someone typed, shown exactly as typed and never as markup: React escapes it, and
 * pre-wrap keeps their line breaks. The label says who wrote it and how far to trust it.
 */
export function UntrustedText({ label, text }: { label: string; text: string }) {
  return (
    <figure style={{ margin: 0 }}>
      <Text component="figcaption" size="sm" fw={600} mb={6}>
        {label}
      </Text>
      <Blockquote color="gray" p="sm" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
        {text}
      </Blockquote>
    </figure>
  );
}
