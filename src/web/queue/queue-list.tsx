import { Badge, Group, Stack, Text, UnstyledButton } from '@mantine/core';
import type { Request } from '../api';
import { t } from '../i18n/translate';
import { ruleWords } from '../requests/rule-text';
import { PriorityBadge } from '../requests/status-badge';
import { isMyAddress, useMe } from '../session/session-context';
import { AgeBadge } from './age-badge';
import classes from './queue-list.module.css';

/** The escalated requests as a list of buttons; the selected one is marked for assistive tech too. */
export function QueueList({
  requests,
  selectedId,
  onSelect,
}: {
  requests: Request[];
  selectedId: string | null;
  onSelect: (id: string) => void;
}) {
  const me = useMe();
  return (
    <Stack component="ul" gap={8} p={0} m={0} className={classes.list} aria-label={t('queue.listLabel')}>
      {requests.map((request) => {
        const own = isMyAddress(me, request.requester) || isMyAddress(me, request.targetUser);
        const selected = request.request_id === selectedId;
        return (
          <li key={request.request_id}>
            <UnstyledButton
              className={classes.item}
              data-selected={selected || undefined}
              aria-current={selected ? 'true' : undefined}
              onClick={() => onSelect(request.request_id)}
              data-testid="queue-item"
            >
              <Group justify="space-between" wrap="nowrap" align="flex-start" gap="xs">
                <Text fw={600} style={{ overflowWrap: 'anywhere' }}>
                  {request.app}
                </Text>
                <AgeBadge since={request.createdAt} />
              </Group>
              <Text size="sm" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
                {request.targetUser
                  ? t('queue.requesterFor', { requester: request.requester, target: request.targetUser })
                  : request.requester}
              </Text>
              <Group gap={6} mt={6}>
                <PriorityBadge priority={request.priority} />
                {request.ruleId && <RuleBadge ruleId={request.ruleId} />}
                {own && <Badge color="violet">{t('queue.yours')}</Badge>}
              </Group>
            </UnstyledButton>
          </li>
        );
      })}
    </Stack>
  );
}

/** The rule as a chip: in words (red) when verifying the requester escalated it, else its id. */
function RuleBadge({ ruleId }: { ruleId: string }) {
  const words = ruleWords(ruleId);
  if (!words)
    return (
      <Badge color="gray" variant="outline" ff="monospace">
        {ruleId}
      </Badge>
    );
  return (
    <Badge color="red" title={ruleId} styles={{ root: { height: 'auto', maxWidth: '100%' }, label: { whiteSpace: 'normal' } }}>
      {words}
    </Badge>
  );
}
