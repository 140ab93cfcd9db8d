import { appNameKey } from '../../domain/policy.js';
import type { CatalogApp, ResetMethod } from '../../domain/types.js';
import { nowIso } from '../../time.js';
import type { Db } from '../database.js';
import { newId } from '../ids.js';
import type { AppRow } from '../schema.js';

/** A catalog entry before it has an id; no `store` = none (the sign-on mode decides). */
export type NewApp = Omit<CatalogApp, 'id' | 'store'> & { store?: string | null };

function toCatalogApp(row: AppRow): CatalogApp {
  return {
    id: row.id,
    name: row.name,
    oktaAppId: row.okta_app_id,
    resetUrl: row.reset_url,
    resetMethod: row.reset_method as ResetMethod,
    sensitive: row.sensitive === 1,
    approverGroup: row.approver_group,
    store: row.store ?? null,
  };
}

export async function listApps(db: Db): Promise<CatalogApp[]> {
  const rows = await db.selectFrom('apps').selectAll().orderBy('name_key').execute();
  return rows.map(toCatalogApp);
}

/** Finds a catalog app by name, case-insensitively and ignoring surrounding spaces. */
export async function findAppByName(db: Db, name: string): Promise<CatalogApp | null> {
  const row = await db.selectFrom('apps').selectAll().where('name_key', '=', appNameKey(name)).executeTakeFirst();
  return row ? toCatalogApp(row) : null;
}

export async function findAppById(db: Db, id: string): Promise<CatalogApp | null> {
  const row = await db.selectFrom('apps').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toCatalogApp(row) : null;
}

/** Replaces an app's fields; false when no app has that id. */
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

export async function updateApp(db: Db, id: string, app: NewApp): Promise<boolean> {
  const result = await db
    .updateTable('apps')
    .set({ ...appColumns(app), name_key: appNameKey(app.name) })
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function deleteApp(db: Db, id: string): Promise<boolean> {
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

export async function insertApp(db: Db, app: NewApp): Promise<CatalogApp> {
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
  };
  await db.insertInto('apps').values(row).execute();
  return toCatalogApp(row);
}

/** Inserts or replaces (by name) every app in one transaction: all or nothing. */
export async function upsertApps(db: Db, apps: NewApp[]): Promise<{ created: number; updated: number }> {
  return db.transaction().execute(async (trx) => {
    let created = 0;
    let updated = 0;
    for (const app of apps) {
      const key = appNameKey(app.name);
      const result = await trx.updateTable('apps').set(appColumns(app)).where('name_key', '=', key).executeTakeFirst();
      if (Number(result.numUpdatedRows) > 0) {
        updated++;
      } else {
        await insertApp(trx, app);
        created++;
      }
    }
    return { created, updated };
  });
}
