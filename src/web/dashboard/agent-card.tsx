import { Paper, SimpleGrid, Text } from '@mantine/core';
import type { RequestStats } from '../api';
import { formatDuration } from '../i18n/format';
import { locale, t } from '../i18n/translate';

/** GET /api/v1/stats `agent`: the LLM agent's runs over the window. */
interface AgentStats {
  runs: number;
  failedRuns: number;
  promptTokens: number;
  completionTokens: number;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  requests: number;
  agreements: number;
  disagreements: number;
}

const amount = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
const latency = (ms: number | null) => (ms === null ? '—' : formatDuration(ms));

/**
 * What the optional LLM agent cost and how it did over the period; nothing at all when it did not
 * run (most installations have no model configured).
 */
export function AgentCard({ stats }: { stats: RequestStats }) {
  // Read loosely: a server without the agent block (older release) shows no card either.
  const agent = (stats as RequestStats & { agent?: AgentStats }).agent;
  if (!agent || agent.runs === 0) return null;
  const figures = [
    { key: 'runs', label: t('dashboard.agent.runs'), value: amount.format(agent.runs) },
    {
      key: 'tokens',
      label: t('dashboard.agent.tokens'),
      value: `${amount.format(agent.promptTokens)} / ${amount.format(agent.completionTokens)}`,
    },
    {
      key: 'latency',
      label: t('dashboard.agent.latency'),
      value: `${latency(agent.latencyP50Ms)} / ${latency(agent.latencyP95Ms)}`,
    },
    {
      key: 'disagreements',
      label: t('dashboard.agent.disagreements'),
      value: amount.format(agent.disagreements),
      hint: t('dashboard.agent.disagreementsHint', { agreements: amount.format(agent.agreements) }),
    },
  ];
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="agent-title" data-testid="agent-card">
      <Text component="h2" id="agent-title" fw={650} size="md">
        {t('dashboard.agent.title')}
      </Text>
      <Text size="sm" c="dimmed" mb="sm">
        {t('dashboard.agent.summary', {
          runs: t('dashboard.agent.runCount', { count: amount.format(agent.runs) }),
          failed: amount.format(agent.failedRuns),
          requests: t('dashboard.agent.requestCount', { count: amount.format(agent.requests) }),
          days: stats.days,
        })}
      </Text>
      <SimpleGrid component="dl" cols={{ base: 1, xs: 2, md: 4 }} spacing="md" m={0}>
        {figures.map((f) => (
          <div key={f.key} data-testid={`agent-${f.key}`}>
            <Text component="dt" size="sm" fw={600} c="dimmed">
              {f.label}
            </Text>
            <Text component="dd" fw={700} fz={22} lh={1.3} m={0}>
              {f.value}
            </Text>
            {f.hint && (
              <Text component="dd" size="xs" c="dimmed" m={0}>
                {f.hint}
              </Text>
            )}
          </div>
        ))}
      </SimpleGrid>
    </Paper>
  );
}
