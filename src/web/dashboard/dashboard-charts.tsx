import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { RequestStats } from '../api';
import type { MessageKey } from '../i18n/en';
import { t } from '../i18n/translate';
import { ChartPanel } from './chart-panel';

/** Dark shades: every bar keeps at least 3:1 against the white card. */
const OUTCOME_COLORS = {
  Completed: 'var(--mantine-color-green-9)',
  Rejected: 'var(--mantine-color-red-9)',
  Escalated: 'var(--mantine-color-orange-9)',
  PendingExternal: 'var(--mantine-color-blue-8)',
  Other: 'var(--mantine-color-gray-7)',
} as const;
const OUTCOMES = Object.keys(OUTCOME_COLORS) as (keyof typeof OUTCOME_COLORS)[];
const BAR_COLOR = 'var(--mantine-color-indigo-8)';
const AXIS = { fontSize: 12, fill: 'var(--mantine-color-gray-8)' };

const OUTCOME_LABELS: Record<(typeof OUTCOMES)[number], MessageKey> = {
  Completed: 'status.Completed',
  Rejected: 'status.Rejected',
  Escalated: 'status.Escalated',
  PendingExternal: 'status.PendingExternal',
  Other: 'dashboard.outcome.other',
};
const BUCKET_LABELS: Record<RequestStats['openEscalations'][number]['bucket'], MessageKey> = {
  under4h: 'dashboard.age.under4h',
  h4to24: 'dashboard.age.h4to24',
  d1to3: 'dashboard.age.d1to3',
  over3d: 'dashboard.age.over3d',
};

const total = (values: { count: number }[]) => values.reduce((sum, v) => sum + v.count, 0);

/** Requests filed per day, stacked by outcome. */
export function RequestsPerDayChart({ stats }: { stats: RequestStats }) {
  const rows = stats.perDay.map((d) => ({ label: d.date, values: OUTCOMES.map((o) => d[o]) }));
  const data = stats.perDay.map((d) => ({ ...d, date: d.date.slice(5) }));
  return (
    <ChartPanel
      id="per-day"
      title={t('dashboard.perDay.title')}
      summary={t('dashboard.perDay.summary', { count: stats.requests, days: stats.days })}
      columns={[t('dashboard.column.day'), ...OUTCOMES.map((o) => t(OUTCOME_LABELS[o]))]}
      rows={rows}
    >
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} accessibilityLayer={false} margin={{ left: -20, right: 8 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="date" tick={AXIS} minTickGap={12} />
          <YAxis allowDecimals={false} tick={AXIS} />
          <Tooltip />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          {OUTCOMES.map((o) => (
            <Bar key={o} dataKey={o} name={t(OUTCOME_LABELS[o])} stackId="outcome" fill={OUTCOME_COLORS[o]} isAnimationActive={false} />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </ChartPanel>
  );
}

/** A list of counts as horizontal bars: open escalations by age, top apps, denials by rule. */
function CountChart({
  id,
  title,
  summary,
  labelColumn,
  data,
}: {
  id: string;
  title: string;
  summary: string;
  labelColumn: string;
  data: { label: string; count: number }[];
}) {
  return (
    <ChartPanel
      id={id}
      title={title}
      summary={summary}
      columns={[labelColumn, t('dashboard.column.count')]}
      rows={data.map((d) => ({ label: d.label, values: [d.count] }))}
    >
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} layout="vertical" accessibilityLayer={false} margin={{ left: 8, right: 16 }}>
          <CartesianGrid strokeDasharray="3 3" horizontal={false} />
          <XAxis type="number" allowDecimals={false} tick={AXIS} />
          <YAxis type="category" dataKey="label" width={150} tick={AXIS} />
          <Tooltip />
          <Bar dataKey="count" name={t('dashboard.column.count')} fill={BAR_COLOR} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </ChartPanel>
  );
}

export function OpenEscalationsChart({ stats }: { stats: RequestStats }) {
  return (
    <CountChart
      id="escalations"
      title={t('dashboard.escalations.title')}
      summary={t('dashboard.escalations.summary', { count: total(stats.openEscalations) })}
      labelColumn={t('dashboard.column.waiting')}
      data={stats.openEscalations.map((e) => ({ label: t(BUCKET_LABELS[e.bucket]), count: e.count }))}
    />
  );
}

export function TopAppsChart({ stats }: { stats: RequestStats }) {
  return (
    <CountChart
      id="apps"
      title={t('dashboard.apps.title')}
      summary={
        stats.topApps[0] ? t('dashboard.apps.summary', { app: stats.topApps[0].app, count: stats.topApps[0].count }) : t('dashboard.none')
      }
      labelColumn={t('dashboard.column.app')}
      data={stats.topApps.map((a) => ({ label: a.app, count: a.count }))}
    />
  );
}

export function DenialsChart({ stats }: { stats: RequestStats }) {
  return (
    <CountChart
      id="denials"
      title={t('dashboard.denials.title')}
      summary={t('dashboard.denials.summary', { count: total(stats.denialsByRule) })}
      labelColumn={t('dashboard.column.rule')}
      data={stats.denialsByRule.map((d) => ({ label: d.ruleId ?? t('dashboard.rule.none'), count: d.count }))}
    />
  );
}
