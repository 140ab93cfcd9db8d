/**
 * The catalog learns its apps from Okta (`resetdesk apps sync`, `POST /api/v1/apps/sync`, and
 * every OKTA_APPS_SYNC_MINUTES): new Okta apps are added under their label, known ones get Okta's
 * label, sign-on mode and status, and apps Okta deactivated or deleted are flagged — never
 * removed, since requests name them. What an admin set by hand (reset URL, sensitive, approver
 * group, store, aliases, reset method, the catalog name) is never overwritten.
 */
import type { AppContext } from '../app-context.js';
import { isUniqueViolation } from '../db/constraint-errors.js';
import type { Db } from '../db/database.js';
import { findNameClashes, insertApp, listApps, recordAppSyncRun, updateOktaState } from '../db/repositories/app.repository.js';
import type { OktaAppInfo } from '../domain/okta-facts.js';
import { appNameKey } from '../domain/policy.js';
import type { CatalogApp, CatalogOktaState } from '../domain/types.js';
import { nowIso } from '../time.js';

/** Okta statuses the sync reads; anything else (none today) is ignored. */
const LISTED_STATUSES = ['ACTIVE', 'INACTIVE'];
/** The status a catalog app gets once Okta no longer lists its id. */
const DELETED_STATUS = 'DELETED';

interface FieldChange {
  field: string;
  before: string | null;
  after: string | null;
}

export interface AppSyncResult {
  dryRun: boolean;
  read: number;
  added: { name: string; oktaAppId: string; signOnMode: string; status: string }[];
  updated: { name: string; oktaAppId: string; changes: FieldChange[] }[];
  flagged: { name: string; oktaAppId: string; status: string }[];
  unchanged: number;
}

interface AppSyncOptions {
  dryRun: boolean;
  /** Who asked: an admin's email, `cli`, or `schedule`. */
  actor: string;
  trigger: 'api' | 'cli' | 'schedule';
  /** Okta's page size (`limit`); the connector's default when absent. */
  pageSize?: number;
}

/** One write the sync will make, planned before any is made so a dry run reports exactly them. */
type Step =
  | { kind: 'add'; name: string; okta: OktaAppInfo }
  | { kind: 'update'; app: CatalogApp; oktaAppId: string; state: CatalogOktaState };

/** Reads Okta, plans the changes, and (unless a dry run) applies them and records the run. */
export async function syncCatalogFromOkta(ctx: Pick<AppContext, 'db' | 'okta' | 'logger'>, opts: AppSyncOptions): Promise<AppSyncResult> {
  const oktaApps = (await ctx.okta.listApps(opts.pageSize)).filter((a) => LISTED_STATUSES.includes(a.status));
  let { result, steps, now } = await plan(ctx.db, oktaApps, opts.dryRun);
  if (!opts.dryRun && steps.length > 0) {
    try {
      await apply(ctx.db, steps, result, opts, now);
    } catch (err) {
      // Another sync (an admin's, another instance's schedule) added the same app first: its
      // writes are in, so planning again against the catalog as it is now settles it.
      if (!isUniqueViolation(err)) throw err;
      ({ result, steps, now } = await plan(ctx.db, oktaApps, opts.dryRun));
      if (steps.length > 0) await apply(ctx.db, steps, result, opts, now);
    }
  }
  ctx.logger.info(
    {
      trigger: opts.trigger,
      dryRun: opts.dryRun,
      read: result.read,
      added: result.added.length,
      updated: result.updated.length,
      flagged: result.flagged.length,
      unchanged: result.unchanged,
    },
    'app catalog synced from Okta',
  );
  return result;
}

/** The changes that would bring the catalog in line with Okta's apps, and the result that reports them. */
async function plan(db: Db, oktaApps: OktaAppInfo[], dryRun: boolean): Promise<{ result: AppSyncResult; steps: Step[]; now: string }> {
  const catalog = await listApps(db);
  const now = nowIso();
  const result: AppSyncResult = { dryRun, read: oktaApps.length, added: [], updated: [], flagged: [], unchanged: 0 };
  const steps: Step[] = [];
  const byOktaId = new Map(catalog.filter((a) => a.oktaAppId).map((a) => [a.oktaAppId as string, a]));
  const byName = new Map(catalog.map((a) => [appNameKey(a.name), a]));
  const taken = new Set<string>();

  for (const okta of oktaApps) {
    // A catalog app without an Okta id is linked by name, as an admin typing the label would expect.
    const unlinked = byName.get(appNameKey(okta.label));
    const app = byOktaId.get(okta.id) ?? (unlinked && !unlinked.oktaAppId ? unlinked : undefined);
    if (!app) {
      const name = await freeName(db, okta, byName, taken);
      taken.add(appNameKey(name));
      steps.push({ kind: 'add', name, okta });
      result.added.push({ name, oktaAppId: okta.id, signOnMode: okta.signOnMode, status: okta.status });
      continue;
    }
    byOktaId.delete(okta.id);
    if (app.oktaAppId === null) byName.delete(appNameKey(app.name));
    const before = app.okta ?? null;
    const state: CatalogOktaState = {
      label: okta.label,
      signOnMode: okta.signOnMode,
      status: okta.status,
      statusAt: before?.status === okta.status ? (before.statusAt ?? now) : now,
      syncedAt: now,
    };
    const changes = diff(app, before, state, okta.id);
    if (changes.length === 0) {
      result.unchanged++;
      continue;
    }
    steps.push({ kind: 'update', app, oktaAppId: okta.id, state });
    if (okta.status === 'INACTIVE' && before?.status !== 'INACTIVE') {
      result.flagged.push({ name: app.name, oktaAppId: okta.id, status: okta.status });
    } else {
      result.updated.push({ name: app.name, oktaAppId: okta.id, changes });
    }
  }

  // Catalog apps whose Okta id Okta no longer lists: deleted in Okta (flagged once).
  for (const [oktaAppId, app] of byOktaId) {
    if (app.okta?.status === DELETED_STATUS) {
      result.unchanged++;
      continue;
    }
    const state: CatalogOktaState = {
      label: app.okta?.label ?? null,
      signOnMode: app.okta?.signOnMode ?? null,
      status: DELETED_STATUS,
      statusAt: now,
      syncedAt: now,
    };
    steps.push({ kind: 'update', app, oktaAppId, state });
    result.flagged.push({ name: app.name, oktaAppId, status: DELETED_STATUS });
  }

  return { result, steps, now };
}

function diff(app: CatalogApp, before: CatalogOktaState | null, after: CatalogOktaState, oktaAppId: string): FieldChange[] {
  const changes: FieldChange[] = [];
  if (app.oktaAppId !== oktaAppId) changes.push({ field: 'oktaAppId', before: app.oktaAppId, after: oktaAppId });
  for (const field of ['label', 'signOnMode', 'status'] as const) {
    const was = before?.[field] ?? null;
    if (was !== after[field]) changes.push({ field: `okta.${field}`, before: was, after: after[field] });
  }
  return changes;
}

/** The label, unless another app has it as name or alias: then the label with the Okta id. */
async function freeName(db: Db, okta: OktaAppInfo, byName: Map<string, CatalogApp>, taken: Set<string>): Promise<string> {
  const key = appNameKey(okta.label);
  const clash = byName.has(key) || taken.has(key) || (await findNameClashes(db, [key], null)).size > 0;
  return clash ? `${okta.label} (${okta.id})` : okta.label;
}

/** Applies every step and records the run in one transaction: all or nothing. */
async function apply(db: Db, steps: Step[], result: AppSyncResult, opts: AppSyncOptions, now: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (const step of steps) {
      if (step.kind === 'add') {
        const { okta } = step;
        await insertApp(
          trx,
          { name: step.name, oktaAppId: okta.id, resetUrl: null, resetMethod: 'auto', sensitive: false, approverGroup: null, store: null },
          { label: okta.label, signOnMode: okta.signOnMode, status: okta.status, statusAt: now, syncedAt: now },
        );
      } else {
        await updateOktaState(trx, step.app.id, step.state, step.oktaAppId);
      }
    }
    await recordAppSyncRun(trx, {
      at: now,
      trigger: opts.trigger,
      actor: opts.actor,
      counts: { added: result.added.length, updated: result.updated.length, flagged: result.flagged.length, unchanged: result.unchanged },
      changes: { added: result.added, updated: result.updated, flagged: result.flagged },
    });
  });
}
