/** The coverage report as CSV (the API's coverage.csv, `resetdesk report coverage --csv`) and as a terminal table. */
import type { CoverageReport, CoverageRow } from './coverage-report.service.js';

const COVERAGE_CSV_COLUMNS = [
  'app',
  'path',
  'reason',
  'store',
  'automatic',
  'assignedUsers',
  'requests30d',
  'requestsByOutcome',
  'action',
  'oktaAppId',
  'oktaStatus',
  'signOnMode',
  'ruleId',
] as const;

/** One CSV field, quoted when it must be (RFC 4180); a leading = + - @ is defused so a spreadsheet never runs an Okta label as a formula. */
function csvField(value: string): string {
  const safe = /^[=+\-@]/.test(value) ? `'${value}` : value;
  return /[",\r\n]|^\s|\s$/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** `Completed=3; Rejected=1`, outcomes sorted by name. */
function outcomes(row: CoverageRow): string {
  return Object.entries(row.requests.byOutcome)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => `${k}=${n}`)
    .join('; ');
}

function cells(row: CoverageRow): Record<(typeof COVERAGE_CSV_COLUMNS)[number], string> {
  return {
    app: row.name,
    path: row.path,
    reason: row.reason ?? '',
    store: row.store ?? '',
    automatic: row.automatic ? 'true' : 'false',
    assignedUsers: row.assignedUsers === null ? '' : String(row.assignedUsers),
    requests30d: String(row.requests.total),
    requestsByOutcome: outcomes(row),
    action: row.action ?? '',
    oktaAppId: row.oktaAppId ?? '',
    oktaStatus: row.oktaStatus ?? '',
    signOnMode: row.signOnMode ?? '',
    ruleId: row.ruleId ?? '',
  };
}

/** One row per app, in the report's order, with a header row. */
export function formatCoverageCsv(report: CoverageReport): string {
  const lines = [
    COVERAGE_CSV_COLUMNS.join(','),
    ...report.apps.map((r) => COVERAGE_CSV_COLUMNS.map((c) => csvField(cells(r)[c])).join(',')),
  ];
  return `${lines.join('\r\n')}\r\n`;
}

/** The summary in one line: apps per path and the automatic share. */
function formatCoverageSummary(report: CoverageReport): string {
  const { summary } = report;
  const paths = Object.entries(summary.byPath)
    .filter(([, n]) => n > 0)
    .map(([p, n]) => `${p} ${n}`)
    .join(', ');
  const share = summary.automaticShare === null ? 'n/a' : `${(summary.automaticShare * 100).toFixed(1)}%`;
  return `${summary.apps} apps (${paths}); ${share} of assigned users (${summary.automaticUsers} of ${summary.assignedUsers}) resolve without a human`;
}

/** A fixed-width table for the terminal: the summary, then one line per app (gaps first). */
export function formatCoverageTable(report: CoverageReport): string {
  const header = ['APP', 'PATH', 'REASON / STORE', 'USERS', `REQ ${report.windowDays}D`, 'ACTION'];
  const rows = report.apps.map((r) => [
    r.name,
    r.path,
    r.reason ?? r.store ?? '',
    r.assignedUsers === null ? '-' : String(r.assignedUsers),
    r.requests.total === 0 ? '0' : `${r.requests.total} (${outcomes(r)})`,
    r.action ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [`Coverage under policy ${report.policyVersion}: ${formatCoverageSummary(report)}`, '', line(header), ...rows.map(line)].join(
    '\n',
  );
}
