import { Group, Paper, Skeleton, Text } from '@mantine/core';
import type { Priority } from '../api';
import { t } from '../i18n/translate';
import { PRIORITY_COLORS, priorityText } from '../requests/request-status';

const PRIORITIES: Priority[] = ['High', 'Medium', 'Low'];

/** How many requests wait at each priority; null while loading (same size, so nothing shifts). */
export function PriorityCounts({ counts }: { counts: Record<Priority, number> | null }) {
  return (
    <Group gap="sm" role="group" aria-label={t('queue.countsLabel')}>
      {PRIORITIES.map((p) => (
        <Paper key={p} withBorder px="md" py={6} miw={92} style={{ borderLeft: `4px solid var(--mantine-color-${PRIORITY_COLORS[p]}-7)` }}>
          <Text size="xs" c="dimmed">
            {priorityText(p)}
          </Text>
          {counts ? (
            <Text fw={700} size="xl" lh={1.2} data-testid={`count-${p.toLowerCase()}`}>
              {counts[p]}
            </Text>
          ) : (
            <Skeleton h={27} w={24} />
          )}
        </Paper>
      ))}
    </Group>
  );
}
