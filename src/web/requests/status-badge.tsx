import { Badge } from '@mantine/core';
import type { Priority, Request } from '../api';
import { t } from '../i18n/translate';
import { PRIORITY_COLORS, priorityText, requestStatusText, statusColor } from './request-status';

/** A request's status as a coloured chip that also says it in words. */
export function StatusBadge({ request }: { request: Pick<Request, 'status' | 'resolution'> }) {
  return (
    <Badge color={statusColor(request)} data-testid="status-badge">
      {requestStatusText(request)}
    </Badge>
  );
}

/** "High priority" and so on; colour repeats what the words say. */
export function PriorityBadge({ priority }: { priority: Priority }) {
  return (
    // High stands out as a solid chip, in red 9 so white text keeps AA contrast.
    <Badge color={priority === 'High' ? 'red.9' : PRIORITY_COLORS[priority]} variant={priority === 'High' ? 'filled' : 'light'}>
      {t('priority.badge', { priority: priorityText(priority) })}
    </Badge>
  );
}
