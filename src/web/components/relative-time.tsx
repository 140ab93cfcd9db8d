import { Tooltip } from '@mantine/core';
import { formatExactTime, formatRelativeTime } from '../i18n/format';

/** "3 hours ago", with the exact date and time on hover and in the markup. */
export function RelativeTime({ iso }: { iso: string }) {
  const exact = formatExactTime(iso);
  return (
    <Tooltip label={exact}>
      <time dateTime={iso}>{formatRelativeTime(iso)}</time>
    </Tooltip>
  );
}
