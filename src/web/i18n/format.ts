import { locale, t } from './translate';

const exact = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
const relative = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
const seconds = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "12 Mar 2026, 14:05" in the reader's language and time zone. */
export function formatExactTime(iso: string): string {
  return exact.format(new Date(iso));
}

/** "5 minutes ago", "yesterday", "3 days ago". */
export function formatRelativeTime(iso: string, now: number = Date.now()): string {
  const diff = new Date(iso).getTime() - now;
  const abs = Math.abs(diff);
  if (abs < MINUTE) return relative.format(0, 'second');
  if (abs < HOUR) return relative.format(Math.round(diff / MINUTE), 'minute');
  if (abs < DAY) return relative.format(Math.round(diff / HOUR), 'hour');
  if (abs < 30 * DAY) return relative.format(Math.round(diff / DAY), 'day');
  return exact.format(new Date(iso));
}

/** How long something has waited, as a short badge text ("12 min", "3 h", "2 d"), and its hours. */
export function formatAge(iso: string, now: number = Date.now()): { label: string; hours: number } {
  const ms = Math.max(0, now - new Date(iso).getTime());
  const hours = ms / HOUR;
  if (ms < HOUR) return { label: t('age.minutes', { n: Math.floor(ms / MINUTE) }), hours };
  if (ms < 2 * DAY) return { label: t('age.hours', { n: Math.floor(hours) }), hours };
  return { label: t('age.days', { n: Math.floor(ms / DAY) }), hours };
}

/** A tool call's duration: "84 ms", "1.2 s". */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${seconds.format(ms / 1000)} s`;
}
