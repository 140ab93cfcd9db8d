import { Group, Text, ThemeIcon } from '@mantine/core';
import { Icon } from '../components/icon';
import { t } from '../i18n/translate';

/** The product's name with its padlock mark. */
export function BrandMark() {
  return (
    <Group gap={8} wrap="nowrap">
      <ThemeIcon size={30} radius="md" aria-hidden="true">
        <Icon name="lock" size={18} />
      </ThemeIcon>
      <Text fw={700} size="lg" c="dark.8">
        {t('app.name')}
      </Text>
    </Group>
  );
}
