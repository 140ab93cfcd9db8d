import { Group, Paper, SegmentedControl, SimpleGrid, Skeleton, Stack, Text } from '@mantine/core';
import { useSearchParams } from 'react-router';
import { type RequestStats, useStats } from '../api';
import { ErrorAlert } from '../components/error-alert';
import { PageTitle } from '../components/page-title';
import { formatDuration } from '../i18n/format';
import { locale, t } from '../i18n/translate';
import { NotAllowedPage } from '../session/not-allowed-page';
import { canReview, useMe } from '../session/session-context';
import { AgentCard } from './agent-card';
import { DenialsChart, OpenEscalationsChart, RequestsPerDayChart, TopAppsChart } from './dashboard-charts';

const PERIODS = ['7', '30', '90'] as const;
const DEFAULT_PERIOD = '30';

const percent = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 });
const amount = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });

/** The policy's reset costs are in US dollars (the stats do not name a currency). */
const COST_CURRENCY = 'USD';
/** Money in the reader's own format ("$1,234", "1.234 $"): the browser's locale, not just the interface language. */
const money = (() => {
  const options = { style: 'currency', currency: COST_CURRENCY, maximumFractionDigits: 0 } as const;
  try {
    return new Intl.NumberFormat(typeof navigator === 'undefined' ? locale : navigator.language, options);
  } catch {
    return new Intl.NumberFormat(locale, options);
  }
})();
/** Per-reset costs keep their cents when they have some ("$2.50"). */
const moneyExact = new Intl.NumberFormat(money.resolvedOptions().locale, { style: 'currency', currency: COST_CURRENCY });
const perReset = (value: number) => (Number.isInteger(value) ? money.format(value) : moneyExact.format(value));

/** "45 s", "12 min", "3.5 h", "2 d": how long resolution took. */
function formatSeconds(seconds: number | null): string {
  if (seconds === null) return '—';
  if (seconds < 60) return formatDuration(seconds * 1000);
  if (seconds < 3600) return t('age.minutes', { n: Math.round(seconds / 60) });
  if (seconds < 48 * 3600) return t('age.hours', { n: decimal.format(seconds / 3600) });
  return t('age.days', { n: decimal.format(seconds / 86_400) });
}

/** `/dashboard`: how requests went lately, for approvers and admins. */
export function DashboardPage() {
  const me = useMe();
  if (!canReview(me)) return <NotAllowedPage />;
  return <Dashboard />;
}

function Dashboard() {
  const [params, setParams] = useSearchParams();
  const period = PERIODS.find((p) => p === params.get('days')) ?? DEFAULT_PERIOD;
  const stats = useStats(Number(period));
  return (
    <>
      <PageTitle title={t('dashboard.title')} />
      <Stack gap="lg">
        <Group justify="space-between" wrap="wrap" gap="xs">
          <Text size="sm" c="dimmed">
            {t('dashboard.intro')}
          </Text>
          <SegmentedControl
            aria-label={t('dashboard.period')}
            value={period}
            onChange={(value) => setParams(value === DEFAULT_PERIOD ? {} : { days: value })}
            data={PERIODS.map((p) => ({ value: p, label: t('dashboard.days', { n: p }) }))}
          />
        </Group>
        {stats.error && <ErrorAlert error={stats.error} onRetry={() => void stats.refetch()} />}
        {stats.data ? <DashboardBody stats={stats.data} /> : !stats.error && <Skeleton h={320} radius="md" />}
      </Stack>
    </>
  );
}

function DashboardBody({ stats }: { stats: RequestStats }) {
  const { costAvoided, timeToResolution } = stats;
  return (
    <>
      <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} spacing="md">
        <SummaryCard
          label={t('dashboard.card.requests')}
          value={amount.format(stats.requests)}
          hint={t('dashboard.days', { n: stats.days })}
        />
        <SummaryCard
          label={t('dashboard.card.automatic')}
          value={percent.format(stats.automaticShare)}
          hint={t('dashboard.card.automaticHint', { count: stats.automatic })}
        />
        <SummaryCard
          label={t('dashboard.card.resolution')}
          value={`${formatSeconds(timeToResolution.medianSeconds)} / ${formatSeconds(timeToResolution.p90Seconds)}`}
          hint={t('dashboard.card.resolutionHint', { count: timeToResolution.resolved })}
        />
        <SummaryCard
          label={t('dashboard.card.cost')}
          value={money.format(costAvoided.amount)}
          hint={t('dashboard.card.costHint', {
            count: stats.automatic,
            helpDesk: perReset(costAvoided.helpDeskResetCost),
            selfService: perReset(costAvoided.selfServiceResetCost),
          })}
        />
      </SimpleGrid>
      <RequestsPerDayChart stats={stats} />
      <SimpleGrid cols={{ base: 1, md: 3 }} spacing="md">
        <OpenEscalationsChart stats={stats} />
        <TopAppsChart stats={stats} />
        <DenialsChart stats={stats} />
      </SimpleGrid>
      <AgentCard stats={stats} />
    </>
  );
}

function SummaryCard({ label, value, hint }: { label: string; value: string; hint: string }) {
  return (
    <Paper withBorder p="md" data-testid="summary-card">
      <Text size="sm" fw={600} c="dimmed">
        {label}
      </Text>
      <Text fw={700} fz={26} lh={1.3}>
        {value}
      </Text>
      <Text size="xs" c="dimmed">
        {hint}
      </Text>
    </Paper>
  );
}
