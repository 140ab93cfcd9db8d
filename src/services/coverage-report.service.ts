/**
 * The coverage report (`GET /api/v1/reports/coverage`, `resetdesk report coverage`): every catalog
 * app and every Okta app the catalog lacks, with its reset path under the current policy
 * (domain/coverage.ts), how many users Okta assigns to it, the last 30 days' requests for it by
 * outcome, and what closes its gap. Okta is read once for its app list, then once per app for the
 * assigned users (every page, through the connector's rate limiter) — never per user.
 */
import type { OktaConnector } from '../connectors/okta/index.js';
import type { Db } from '../db/database.js';
import { listApps } from '../db/repositories/app.repository.js';
import { countRequestsByAppAndOutcome } from '../db/repositories/coverage.repository.js';
import { type CoverageVerdict, coverageOf, type GapReason, RESET_PATHS, type ResetPath } from '../domain/coverage.js';
import type { StoreTypes } from '../domain/credential-store.js';
import { appNameKey, type Policy } from '../domain/policy.js';
import { nowMs } from '../time.js';

/** How far back the request counts go. */
const COVERAGE_WINDOW_DAYS = 30;
/** Okta apps counted at once: enough to be quick, few enough to leave the rate budget to requests. */
const COUNT_CONCURRENCY = 4;

export interface CoverageRow {
  /** The catalog's name, or Okta's label for an app the catalog lacks. */
  name: string;
  /** The catalog app's id; null for an Okta app the catalog lacks. */
  catalogAppId: string | null;
  oktaAppId: string | null;
  oktaLabel: string | null;
  signOnMode: string | null;
  /** As Okta lists it now (ACTIVE, INACTIVE), DELETED when Okta no longer lists the catalog's id, null when unlinked. */
  oktaStatus: string | null;
  sensitive: boolean;
  path: ResetPath;
  reason: GapReason | null;
  ruleId: string | null;
  store: string | null;
  automatic: boolean;
  action: string | null;
  /** Users Okta assigns to the app; null when Okta does not have it. */
  assignedUsers: number | null;
  /** Requests filed for it in the window: the total, and counts by status (a Closed one by its resolution). */
  requests: { total: number; byOutcome: Record<string, number> };
}

export interface CoverageReport {
  generatedAt: string;
  policyVersion: string;
  windowDays: number;
  summary: {
    apps: number;
    byPath: Record<ResetPath, number>;
    /** Σ assignedUsers over all apps with a count (one person assigned to three apps counts three times). */
    assignedUsers: number;
    /** Σ assignedUsers over apps whose typical request resolves with no human (`automatic`). */
    automaticUsers: number;
    /** automaticUsers / assignedUsers, rounded to 4 decimals; null when no app has assigned users. */
    automaticShare: number | null;
  };
  apps: CoverageRow[];
}

interface CoverageContext {
  db: Db;
  okta: Pick<OktaConnector, 'listApps' | 'countAppUsers'>;
  policy: Policy;
  storeTypes: StoreTypes;
}

/** Builds the report: gaps first, then by path, then by name. */
export async function buildCoverageReport(ctx: CoverageContext): Promise<CoverageReport> {
  const now = nowMs();
  const since = new Date(now - COVERAGE_WINDOW_DAYS * 86_400_000).toISOString();
  const [catalog, oktaApps, requestCounts] = await Promise.all([
    listApps(ctx.db),
    ctx.okta.listApps(),
    countRequestsByAppAndOutcome(ctx.db, since),
  ]);
  const oktaById = new Map(oktaApps.map((a) => [a.id, a]));
  const linked = new Set(catalog.flatMap((a) => (a.oktaAppId ? [a.oktaAppId] : [])));
  const requestsByKey = new Map<string, CoverageRow['requests']>();
  for (const r of requestCounts) {
    const key = appNameKey(r.app);
    const entry = requestsByKey.get(key) ?? { total: 0, byOutcome: {} };
    entry.total += r.count;
    entry.byOutcome[r.outcome] = (entry.byOutcome[r.outcome] ?? 0) + r.count;
    requestsByKey.set(key, entry);
  }
  const requestsFor = (name: string) => requestsByKey.get(appNameKey(name)) ?? { total: 0, byOutcome: {} };
  const facts = { policy: ctx.policy, storeTypes: ctx.storeTypes };

  const rows: Omit<CoverageRow, 'assignedUsers'>[] = catalog.map((app) => {
    const okta = app.oktaAppId ? (oktaById.get(app.oktaAppId) ?? null) : null;
    const verdict = coverageOf({ ...facts, catalogApp: app, oktaApp: okta });
    return {
      name: app.name,
      catalogAppId: app.id,
      oktaAppId: app.oktaAppId,
      oktaLabel: okta?.label ?? app.okta?.label ?? null,
      signOnMode: okta?.signOnMode ?? app.okta?.signOnMode ?? null,
      oktaStatus: app.oktaAppId === null ? null : (okta?.status ?? 'DELETED'),
      sensitive: app.sensitive,
      ...verdictFields(verdict),
      requests: requestsFor(app.name),
    };
  });
  for (const okta of oktaApps) {
    if (linked.has(okta.id)) continue;
    rows.push({
      name: okta.label,
      catalogAppId: null,
      oktaAppId: okta.id,
      oktaLabel: okta.label,
      signOnMode: okta.signOnMode,
      oktaStatus: okta.status,
      sensitive: false,
      ...verdictFields(coverageOf({ ...facts, catalogApp: null, oktaApp: okta })),
      requests: requestsFor(okta.label),
    });
  }

  const counts = await countAssignedUsers(
    ctx.okta,
    rows.flatMap((r) => (r.oktaAppId && oktaById.has(r.oktaAppId) ? [r.oktaAppId] : [])),
  );
  const apps: CoverageRow[] = rows
    .map((r) => ({ ...r, assignedUsers: r.oktaAppId ? (counts.get(r.oktaAppId) ?? null) : null }))
    .sort((a, b) => rank(a.path) - rank(b.path) || a.name.localeCompare(b.name));
  return {
    generatedAt: new Date(now).toISOString(),
    policyVersion: ctx.policy.version,
    windowDays: COVERAGE_WINDOW_DAYS,
    summary: summarize(apps),
    apps,
  };
}

/** Gaps first, then the paths in RESET_PATHS order. */
function rank(path: ResetPath): number {
  return path === 'no_path' ? -1 : RESET_PATHS.indexOf(path);
}

function verdictFields(v: CoverageVerdict) {
  return { path: v.path, reason: v.reason, ruleId: v.ruleId, store: v.store, automatic: v.automatic, action: v.action };
}

/** Each app's assigned users, a few apps at a time. */
async function countAssignedUsers(okta: CoverageContext['okta'], appIds: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const queue = [...new Set(appIds)];
  const worker = async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) out.set(id, await okta.countAppUsers(id));
  };
  await Promise.all(Array.from({ length: Math.min(COUNT_CONCURRENCY, queue.length) }, worker));
  return out;
}

function summarize(apps: CoverageRow[]): CoverageReport['summary'] {
  const byPath = Object.fromEntries(RESET_PATHS.map((p) => [p, 0])) as Record<ResetPath, number>;
  let assignedUsers = 0;
  let automaticUsers = 0;
  for (const app of apps) {
    byPath[app.path]++;
    assignedUsers += app.assignedUsers ?? 0;
    if (app.automatic) automaticUsers += app.assignedUsers ?? 0;
  }
  const automaticShare = assignedUsers === 0 ? null : Math.round((automaticUsers / assignedUsers) * 10_000) / 10_000;
  return { apps: apps.length, byPath, assignedUsers, automaticUsers, automaticShare };
}
