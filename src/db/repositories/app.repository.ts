import { appNameKey } from '../../domain/policy.js';
import type { CatalogApp, CatalogOktaState, ResetMethod } from '../../domain/types.js';
import { nowIso } from '../../time.js';
import type { Db } from '../database.js';
import { newId } from '../ids.js';
import type { AppRow } from '../schema.js';

/**
 * A catalog entry before it has an id; no `store` = none (the sign-on mode decides). No
 * `aliases` = keep the app's aliases (a new app has none); Okta's view is written by the sync only.
 */
export type NewApp = Omit<CatalogApp, 'id' | 'store' | 'okta'> & { store?: string | null };

/** A catalog app as stored: its aliases and Okta's view are always read. */
export type CatalogEntry = CatalogApp & Required<Pick<CatalogApp, 'aliases' | 'okta'>>;

function toCatalogApp(row: AppRow, aliases: string[]): CatalogEntry {
  return {
    id: row.id,
    name: row.name,
    oktaAppId: row.okta_app_id,
    resetUrl: row.reset_url,
    resetMethod: row.reset_method as ResetMethod,
    sensitive: row.sensitive === 1,
    approverGroup: row.approver_group,
    store: row.store ?? null,
    aliases,
    okta:
      row.okta_synced_at === null
        ? null
        : {
            label: row.okta_label,
            signOnMode: row.okta_sign_on_mode,
            status: row.okta_status,
            statusAt: row.okta_status_at,
            syncedAt: row.okta_synced_at,
          },
  };
}

/** Aliases of the given apps (all when `appIds` is absent), in the order the admin gave them. */
async function aliasesByApp(db: Db, appIds?: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (appIds?.length === 0) return out;
  let query = db.selectFrom('app_aliases').select(['app_id', 'alias']).orderBy('app_id').orderBy('position');
  if (appIds) query = query.where('app_id', 'in', appIds);
  for (const row of await query.execute()) out.set(row.app_id, [...(out.get(row.app_id) ?? []), row.alias]);
  return out;
}

async function withAliases(db: Db, row: AppRow | undefined): Promise<CatalogEntry | null> {
  if (!row) return null;
  return toCatalogApp(row, (await aliasesByApp(db, [row.id])).get(row.id) ?? []);
}

export async function listApps(db: Db): Promise<CatalogEntry[]> {
  const rows = await db.selectFrom('apps').selectAll().orderBy('name_key').execute();
  const aliases = await aliasesByApp(db);
  return rows.map((row) => toCatalogApp(row, aliases.get(row.id) ?? []));
}

/**
 * Finds a catalog app by name or alias, case-insensitively and ignoring surrounding spaces: a
 * request for "o365" finds "Microsoft Office 365" (and is filed under that name).
 */
export async function findAppByName(db: Db, name: string): Promise<CatalogEntry | null> {
  const key = appNameKey(name);
  const byName = await db.selectFrom('apps').selectAll().where('name_key', '=', key).executeTakeFirst();
  if (byName) return withAliases(db, byName);
  const byAlias = await db
    .selectFrom('apps')
    .innerJoin('app_aliases', 'app_aliases.app_id', 'apps.id')
    .selectAll('apps')
    .where('app_aliases.alias_key', '=', key)
    .executeTakeFirst();
  return withAliases(db, byAlias);
}

export async function findAppById(db: Db, id: string): Promise<CatalogEntry | null> {
  return withAliases(db, await db.selectFrom('apps').selectAll().where('id', '=', id).executeTakeFirst());
}

/** Catalog apps other than `exceptId` whose name or an alias has one of these keys: key → that app's name. */
export async function findNameClashes(db: Db, keys: string[], exceptId: string | null): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (keys.length === 0) return out;
  const byName = await db.selectFrom('apps').select(['id', 'name', 'name_key']).where('name_key', 'in', keys).execute();
  for (const row of byName) if (row.id !== exceptId) out.set(row.name_key, row.name);
  const byAlias = await db
    .selectFrom('app_aliases')
    .innerJoin('apps', 'apps.id', 'app_aliases.app_id')
    .select(['apps.id', 'apps.name', 'app_aliases.alias_key'])
    .where('app_aliases.alias_key', 'in', keys)
    .execute();
  for (const row of byAlias) if (row.id !== exceptId) out.set(row.alias_key, row.name);
  return out;
}

/** Replaces an app's aliases (the unique alias_key refuses one another app holds). */
async function replaceAliases(db: Db, appId: string, aliases: readonly string[]): Promise<void> {
  await db.deleteFrom('app_aliases').where('app_id', '=', appId).execute();
  if (aliases.length === 0) return;
  await db
    .insertInto('app_aliases')
    .values(aliases.map((alias, position) => ({ alias_key: appNameKey(alias), app_id: appId, alias: alias.trim(), position })))
    .execute();
}

/** The columns an edit or an import writes (the name key only changes with an edit by id). */
function appColumns(app: NewApp) {
  return {
    name: app.name.trim(),
    okta_app_id: app.oktaAppId,
    reset_url: app.resetUrl,
    reset_method: app.resetMethod,
    sensitive: app.sensitive ? 1 : 0,
    approver_group: app.approverGroup,
    store: app.store ?? null,
    updated_at: nowIso(),
  };
}

/** Replaces an app's fields (and its aliases when `app.aliases` is given); false when no app has that id. */
export async function updateApp(db: Db, id: string, app: NewApp): Promise<boolean> {
  const result = await db
    .updateTable('apps')
    .set({ ...appColumns(app), name_key: appNameKey(app.name) })
    .where('id', '=', id)
    .executeTakeFirst();
  const found = Number(result.numUpdatedRows) > 0;
  if (found && app.aliases) await replaceAliases(db, id, app.aliases);
  return found;
}

/** Records what Okta says about an app; the admin's fields are not touched. */
export async function updateOktaState(db: Db, id: string, okta: CatalogOktaState, oktaAppId: string): Promise<void> {
  await db
    .updateTable('apps')
    .set({
      okta_app_id: oktaAppId,
      okta_label: okta.label,
      okta_sign_on_mode: okta.signOnMode,
      okta_status: okta.status,
      okta_status_at: okta.statusAt,
      okta_synced_at: okta.syncedAt,
      updated_at: nowIso(),
    })
    .where('id', '=', id)
    .execute();
}

export async function deleteApp(db: Db, id: string): Promise<boolean> {
  await db.deleteFrom('app_aliases').where('app_id', '=', id).execute();
  const result = await db.deleteFrom('apps').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function countApps(db: Db): Promise<number> {
  const row = await db
    .selectFrom('apps')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function insertApp(db: Db, app: NewApp, okta: CatalogOktaState | null = null): Promise<CatalogEntry> {
  const now = nowIso();
  const row: AppRow = {
    id: newId('app'),
    name: app.name.trim(),
    name_key: appNameKey(app.name),
    okta_app_id: app.oktaAppId,
    reset_url: app.resetUrl,
    reset_method: app.resetMethod,
    sensitive: app.sensitive ? 1 : 0,
    approver_group: app.approverGroup,
    store: app.store ?? null,
    created_at: now,
    updated_at: now,
    okta_label: okta?.label ?? null,
    okta_sign_on_mode: okta?.signOnMode ?? null,
    okta_status: okta?.status ?? null,
    okta_status_at: okta?.statusAt ?? null,
    okta_synced_at: okta?.syncedAt ?? null,
  };
  await db.insertInto('apps').values(row).execute();
  const aliases = app.aliases?.map((a) => a.trim()) ?? [];
  await replaceAliases(db, row.id, aliases);
  return toCatalogApp(row, aliases);
}

/** Inserts or replaces (by name) every app in one transaction: all or nothing. */
export async function upsertApps(db: Db, apps: NewApp[]): Promise<{ created: number; updated: number }> {
  return db.transaction().execute(async (trx) => {
    // Aliases the file gives are freed first, so two apps of one file may trade an alias.
    const given = apps.flatMap((a) => a.aliases ?? []).map(appNameKey);
    if (given.length > 0) await trx.deleteFrom('app_aliases').where('alias_key', 'in', given).execute();
    let created = 0;
    let updated = 0;
    for (const app of apps) {
      const key = appNameKey(app.name);
      const existing = await trx.selectFrom('apps').select('id').where('name_key', '=', key).executeTakeFirst();
      if (existing) {
        await updateApp(trx, existing.id, app);
        updated++;
      } else {
        await insertApp(trx, app);
        created++;
      }
    }
    return { created, updated };
  });
}

/** One catalog sync that changed something: who, when, and the changes (the admin record of a sync). */
export async function recordAppSyncRun(
  db: Db,
  run: {
    at: string;
    trigger: string;
    actor: string;
    counts: { added: number; updated: number; flagged: number; unchanged: number };
    changes: Record<string, unknown>;
  },
): Promise<void> {
  await db
    .insertInto('app_sync_runs')
    .values({
      id: newId('sync'),
      at: run.at,
      trigger: run.trigger,
      actor: run.actor,
      ...run.counts,
      changes_json: JSON.stringify(run.changes),
    })
    .execute();
}
