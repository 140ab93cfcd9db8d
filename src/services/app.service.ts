import type { AppContext } from '../app-context.js';
import { isUniqueViolation } from '../db/constraint-errors.js';
import {
  type CatalogEntry,
  deleteApp,
  findAppById,
  findAppByName,
  findNameClashes,
  insertApp,
  listApps,
  type NewApp,
  updateApp,
  upsertApps,
} from '../db/repositories/app.repository.js';
import { storeNames } from '../domain/credential-store.js';
import { appNameKey } from '../domain/policy.js';
import { AppError } from '../errors/error-codes.js';
import { formatAppsCsv, parseAppsCsv } from './app-csv.js';

export function listCatalog(ctx: AppContext): Promise<CatalogEntry[]> {
  return listApps(ctx.db);
}

/**
 * Adds an app to the catalog. The unique name key settles races: of two concurrent creates of
 * one name, one is 201 and the other APP_ALREADY_EXISTS, on both databases.
 */
export async function createApp(ctx: AppContext, app: NewApp): Promise<CatalogEntry> {
  assertKnownStore(ctx, app.store ?? null);
  const exists = () => new AppError('APP_ALREADY_EXISTS', `An app named "${app.name}" already exists.`);
  const holder = await findAppByName(ctx.db, app.name);
  if (holder && appNameKey(holder.name) === appNameKey(app.name)) throw exists();
  await assertNoClash(ctx, app, null);
  try {
    return await ctx.db.transaction().execute((trx) => insertApp(trx, app));
  } catch (err) {
    if (isUniqueViolation(err)) throw exists();
    throw err;
  }
}

/**
 * Changes the fields given and keeps the rest. A name another app has is APP_ALREADY_EXISTS,
 * settled by the unique name key as on create.
 */
export async function editApp(ctx: AppContext, id: string, changes: Partial<NewApp>): Promise<CatalogEntry> {
  const current = await findAppById(ctx.db, id);
  if (!current) throw new AppError('APP_NOT_FOUND');
  const { id: _id, okta: _okta, ...fields } = current;
  const next: NewApp = { ...fields, ...changes };
  if (changes.store !== undefined) assertKnownStore(ctx, next.store ?? null);
  const exists = () => new AppError('APP_ALREADY_EXISTS', `An app named "${next.name}" already exists.`);
  const clash = await findAppByName(ctx.db, next.name);
  if (clash && clash.id !== id && appNameKey(clash.name) === appNameKey(next.name)) throw exists();
  await assertNoClash(ctx, next, id);
  try {
    const found = await ctx.db.transaction().execute((trx) => updateApp(trx, id, next));
    if (!found) throw new AppError('APP_NOT_FOUND');
  } catch (err) {
    if (isUniqueViolation(err)) throw exists();
    throw err;
  }
  const stored = await findAppById(ctx.db, id);
  if (!stored) throw new AppError('APP_NOT_FOUND');
  return stored;
}

/** Removes an app from the catalog; requests already filed keep the name they were filed with. */
export async function removeApp(ctx: AppContext, id: string): Promise<void> {
  if (!(await deleteApp(ctx.db, id))) throw new AppError('APP_NOT_FOUND');
}

export async function exportCatalogCsv(ctx: AppContext): Promise<string> {
  return formatAppsCsv(await listApps(ctx.db));
}

/** Imports a catalog CSV like `resetdesk apps import`: every line is checked first, then all or nothing. */
export async function importCatalogCsv(ctx: AppContext, csv: string): Promise<{ created: number; updated: number }> {
  const apps = parseAppsCsv(csv, storeNames(ctx.stores.types));
  await assertImportHasNoClash(ctx, apps);
  return upsertApps(ctx.db, apps);
}

/**
 * A file's names and aliases must not collide with each other (parseAppsCsv checks that) nor with
 * the name or alias of a catalog app the file does not list.
 */
async function assertImportHasNoClash(ctx: Pick<AppContext, 'db'>, apps: readonly NewApp[]): Promise<void> {
  const listed = new Set(apps.map((a) => appNameKey(a.name)));
  const catalog = await listApps(ctx.db);
  const owners = new Map<string, string>();
  for (const app of catalog) {
    if (listed.has(appNameKey(app.name))) continue;
    owners.set(appNameKey(app.name), app.name);
    for (const alias of app.aliases ?? []) owners.set(appNameKey(alias), app.name);
  }
  const clashes = apps.flatMap((a) =>
    (a.aliases ?? []).flatMap((alias) => {
      const other = owners.get(appNameKey(alias));
      return other ? [{ app: a.name, alias, otherApp: other }] : [];
    }),
  );
  if (clashes.length > 0) throw clashError(clashes);
}

/** The app's name must not be another app's alias, and none of its aliases another app's name or alias. */
async function assertNoClash(ctx: AppContext, app: NewApp, id: string | null): Promise<void> {
  const aliases = app.aliases ?? [];
  const nameKey = appNameKey(app.name);
  const own = aliases.find((a) => appNameKey(a) === nameKey);
  if (own !== undefined) {
    throw new AppError('VALIDATION_FAILED', `aliases: "${own}" is the app's own name.`, {
      issues: [{ path: 'aliases', message: `"${own}" is the app's own name` }],
    });
  }
  const found = await findNameClashes(ctx.db, [nameKey, ...aliases.map(appNameKey)], id);
  // The name against other names is APP_ALREADY_EXISTS (checked by the caller); here only aliases.
  const clashes = [app.name, ...aliases].flatMap((alias) => {
    const other = found.get(appNameKey(alias));
    return other && !(alias === app.name && appNameKey(other) === nameKey) ? [{ app: app.name, alias, otherApp: other }] : [];
  });
  if (clashes.length > 0) throw clashError(clashes);
}

function clashError(clashes: { app: string; alias: string; otherApp: string }[]): AppError {
  const text = clashes.map((c) => `"${c.alias}" of "${c.app}" is already a name or alias of "${c.otherApp}"`).join('; ');
  return new AppError('APP_ALIAS_CLASH', `${text}.`, { clashes });
}

/** A catalog entry may name only a store resetdesk has: a built-in, or one of STORES_FILE. */
function assertKnownStore(ctx: AppContext, store: string | null): void {
  if (store === null) return;
  const names = storeNames(ctx.stores.types);
  if (!names.includes(store)) {
    throw new AppError('VALIDATION_FAILED', `store: "${store}" is not a configured store (${names.join(', ')}).`, {
      issues: [{ path: 'store', message: `must be one of ${names.join(', ')}` }],
    });
  }
}
