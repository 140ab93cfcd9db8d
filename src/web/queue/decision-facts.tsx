import { Badge, DataList, Group, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { Disclosure } from '../components/disclosure';
import type { MessageKey } from '../i18n/en';
import { t } from '../i18n/translate';

/** The facts an approver weighs, in this order, with their labels. */
const KEY_FACTS: [string, MessageKey][] = [
  ['userStatus', 'fact.userStatus'],
  ['activeFactorTypes', 'fact.activeFactorTypes'],
  ['factorCount', 'fact.factorCount'],
  ['roles', 'fact.roles'],
  ['privilegedRoles', 'fact.privilegedRoles'],
  ['privilegedGroups', 'fact.privilegedGroups'],
  ['assigned', 'fact.assigned'],
  ['signOnMode', 'fact.signOnMode'],
  ['resetMethod', 'fact.resetMethod'],
  ['sensitive', 'fact.sensitive'],
  ['targetUser', 'fact.targetUser'],
];

/** Facts that say how the decision was reached (lookups, ids); shown on request, with any unknown ones. */
const OTHER_FACTS: [string, MessageKey][] = [
  ['userLookup', 'fact.userLookup'],
  ['matchCount', 'fact.matchCount'],
  ['requestedApp', 'fact.requestedApp'],
  ['catalogApp', 'fact.catalogApp'],
  ['oktaAppFound', 'fact.oktaAppFound'],
  ['oktaUserId', 'fact.oktaUserId'],
  ['oktaAppId', 'fact.oktaAppId'],
];
const KNOWN_FACTS = [...KEY_FACTS, ...OTHER_FACTS];
const LABELS = new Map(KNOWN_FACTS);
const ORDER = new Map(KNOWN_FACTS.map(([key], i) => [key, i]));
const IS_KEY_FACT = new Set(KEY_FACTS.map(([key]) => key));

/** `catalogResetMethod` → "Catalog reset method", for facts this app does not know by name. */
function humanize(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function FactValue({ value }: { value: unknown }): ReactNode {
  if (value === null || value === undefined) return <Text size="sm">—</Text>;
  if (typeof value === 'boolean') return <Text size="sm">{value ? t('common.yes') : t('common.no')}</Text>;
  if (Array.isArray(value)) {
    if (value.length === 0) return <Text size="sm">{t('fact.none')}</Text>;
    return (
      <Group gap={4}>
        {[...new Set(value.map((item) => (typeof item === 'string' ? item : JSON.stringify(item))))].map((item) => (
          <Badge key={item} color="gray" variant="light">
            {item}
          </Badge>
        ))}
      </Group>
    );
  }
  if (typeof value === 'object') {
    return (
      <Text size="sm" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
        {JSON.stringify(value)}
      </Text>
    );
  }
  return (
    <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
      {String(value)}
    </Text>
  );
}

/** The facts the policy decided on (the Decision event's `details.facts`), labelled for people. */
export function DecisionFacts({ facts }: { facts: Record<string, unknown> }) {
  const keys = Object.keys(facts).sort((a, b) => (ORDER.get(a) ?? 999) - (ORDER.get(b) ?? 999));
  if (keys.length === 0) return <Text size="sm">{t('fact.noneRecorded')}</Text>;
  const main = keys.filter((k) => IS_KEY_FACT.has(k));
  const more = keys.filter((k) => !IS_KEY_FACT.has(k));
  return (
    <div data-testid="decision-facts">
      <FactList keys={main} facts={facts} />
      {more.length > 0 && (
        <Disclosure summary={t('fact.more', { count: more.length })}>
          <FactList keys={more} facts={facts} />
        </Disclosure>
      )}
    </div>
  );
}

function FactList({ keys, facts }: { keys: string[]; facts: Record<string, unknown> }) {
  return (
    <DataList withDivider size="sm" labelWidth="min(170px, 45%)">
      {keys.map((key) => {
        const label = LABELS.get(key);
        return (
          <DataList.Item key={key}>
            <DataList.ItemLabel>{label ? t(label) : humanize(key)}</DataList.ItemLabel>
            <DataList.ItemValue>
              <FactValue value={facts[key]} />
            </DataList.ItemValue>
          </DataList.Item>
        );
      })}
    </DataList>
  );
}
