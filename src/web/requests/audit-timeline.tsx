import { Badge, Code, Group, Text, ThemeIcon, Timeline } from '@mantine/core';
import type { AuditEvent } from '../api';
import { Disclosure } from '../components/disclosure';
import { Icon } from '../components/icon';
import { RelativeTime } from '../components/relative-time';
import type { MessageKey } from '../i18n/en';
import { t } from '../i18n/translate';
import { auditEventView } from './audit-event-view';
import classes from './audit-timeline.module.css';

/** The request's audit log as a timeline, oldest first, newest last. */
export function AuditTimeline({ events }: { events: AuditEvent[] }) {
  return (
    <Timeline bulletSize={28} lineWidth={2} active={events.length - 1} color="gray">
      {events.map((event) => {
        const view = auditEventView(event);
        return (
          <Timeline.Item
            key={event.eventId}
            data-testid="audit-event"
            data-event-type={event.eventType}
            bullet={
              <ThemeIcon color={view.color} variant="light" radius="xl" size={28}>
                <Icon name={view.icon} size={16} />
              </ThemeIcon>
            }
            title={
              <Text fw={600} size="sm" ff={event.eventType === 'Tool Call' ? 'monospace' : undefined}>
                {view.title}
              </Text>
            }
          >
            <Group gap={8} mt={2}>
              <Text size="xs" c="dimmed">
                {t(`eventType.${event.eventType}` satisfies MessageKey)} · <RelativeTime iso={event.createdAt} />
                {view.meta.map((m) => ` · ${m}`).join('')}
              </Text>
              {view.outcome && (
                <Badge size="xs" color={view.outcome === 'ok' ? 'teal' : 'red'}>
                  {view.outcome === 'ok' ? t('event.ok') : t('event.failed')}
                </Badge>
              )}
            </Group>
            {view.text && (
              <Text size="sm" mt={4} style={{ overflowWrap: 'anywhere' }}>
                {view.text}
              </Text>
            )}
            {view.raw !== null && (
              <Disclosure summary={t('event.showDetails')}>
                <Code block className={classes.raw} tabIndex={0}>
                  {JSON.stringify(view.raw, null, 2)}
                </Code>
              </Disclosure>
            )}
          </Timeline.Item>
        );
      })}
    </Timeline>
  );
}
