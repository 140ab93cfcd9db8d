import { Badge, Tooltip } from '@mantine/core';
import { formatAge, formatExactTime } from '../i18n/format';
import { t } from '../i18n/translate';
import { OVERDUE_HOURS } from './queue-order';

/** How long a request has waited ("3 h"); red once it is past a day. */
export function AgeBadge({ since }: { since: string }) {
  const age = formatAge(since);
  const overdue = age.hours >= OVERDUE_HOURS;
  return (
    <Tooltip label={t('queue.waitingSince', { time: formatExactTime(since) })}>
      <Badge color={overdue ? 'red' : 'gray'} variant="light" data-overdue={overdue || undefined}>
        {overdue ? t('queue.ageOverdue', { age: age.label }) : t('queue.age', { age: age.label })}
      </Badge>
    </Tooltip>
  );
}
