import { Alert, Badge, Text } from '@mantine/core';
import type { CatalogApp, CoverageReport, CoverageRow } from '../api';
import { errorMessage } from '../components/error-alert';
import { t } from '../i18n/translate';

const PATH_COLORS: Record<CoverageRow['path'], string> = {
  self_service_link: 'green',
  external_store: 'green',
  directory_store: 'green',
  okta_reset_after_approval: 'blue',
  always_escalated: 'orange',
  no_path: 'red',
};

/** The catalog's apps with their report rows, gaps first (the report's order), then the rest by name. */
export function byCoverage(apps: CatalogApp[], report: CoverageReport | undefined): { app: CatalogApp; coverage: CoverageRow | null }[] {
  const rows = new Map((report?.apps ?? []).flatMap((r) => (r.catalogAppId ? [[r.catalogAppId, r] as const] : [])));
  const order = new Map((report?.apps ?? []).map((r, i) => [r.catalogAppId, i]));
  return apps
    .map((app) => ({ app, coverage: rows.get(app.id) ?? null }))
    .sort((a, b) => (order.get(a.app.id) ?? Number.MAX_SAFE_INTEGER) - (order.get(b.app.id) ?? Number.MAX_SAFE_INTEGER));
}

/** An app's reset path; for a gap, why and what to do. */
export function CoverageBadge({ row }: { row: CoverageRow | null }) {
  if (!row) return <Text c="dimmed">—</Text>;
  return (
    <>
      <Badge color={PATH_COLORS[row.path]} variant="light">
        {t(`admin.apps.path.${row.path}`)}
      </Badge>
      {row.store && (
        <Text size="xs" c="dimmed">
          {t('admin.apps.byStore', { store: row.store })}
        </Text>
      )}
      {row.reason && (
        <Text size="xs" c="red.9">
          {t(`admin.apps.reason.${row.reason}`)}
        </Text>
      )}
    </>
  );
}

/** One line: apps without a path, the share of assigned users served without a human, and Okta apps the catalog lacks. */
export function CoverageSummary({ report, error }: { report: CoverageReport | undefined; error: Error | null }) {
  if (error) {
    return (
      <Alert color="yellow" role="status" mb="md">
        {t('admin.apps.coverage.unavailable', { message: errorMessage(error) })}
      </Alert>
    );
  }
  if (!report) return null;
  const { summary } = report;
  const gaps = summary.byPath.no_path ?? 0;
  const share = summary.automaticShare === null ? '—' : `${Math.round(summary.automaticShare * 1000) / 10} %`;
  const oktaOnly = report.apps.filter((r) => r.catalogAppId === null).map((r) => r.name);
  return (
    <Alert color={gaps > 0 ? 'orange' : 'green'} role="status" mb="md">
      <Text>{t('admin.apps.coverage.summary', { apps: summary.apps, gaps, share })}</Text>
      {oktaOnly.length > 0 && <Text size="sm">{t('admin.apps.coverage.oktaOnly', { names: oktaOnly.join(', ') })}</Text>}
    </Alert>
  );
}
