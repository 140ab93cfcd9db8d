import type { AppContext } from '../app-context.js';
import { isUniqueViolation } from '../db/constraint-errors.js';
import {
  deleteApp,
  findAppById,
  findAppByName,
  insertApp,
  listApps,
  type NewApp,
  updateApp,
  upsertApps,
} from '../db/repositories/app.repository.js';
import { storeNames } from '../domain/credential-store.js';
import type { CatalogApp } from '../domain/types.js';
import { AppError } from '../errors/error-codes.js';
import { formatAppsCsv, parseAppsCsv } from './app-csv.js';

export function listCatalog(ctx: AppContext): Promise<CatalogApp[]> {
  return listApps(ctx.db);
}

/**
 * Adds an app to the catalog. The unique name key settles races: of two concurrent creates of
 * one name, one is 201 and the other APP_ALREADY_EXISTS, on both databases.
 */
export async function createApp(ctx: AppContext, app: NewApp): Promise<CatalogApp> {
  assertKnownStore(ctx, app.store ?? null);
  const exists = () => new AppError('APP_ALREADY_EXISTS', `An app named "${app.name}" already exists.`);
  if (await findAppByName(ctx.db, app.name)) throw exists();
  try {
    return await insertApp(ctx.db, app);
  } catch (err) {
    if (isUniqueViolation(err)) throw exists();
    throw err;
  }
}

/**
 * Changes the fields given and keeps the rest. A name another app has is APP_ALREADY_EXISTS,
 * settled by the unique name key as on create.
 */
export async function editApp(ctx: AppContext, id: string, changes: Partial<NewApp>): Promise<CatalogApp> {
  const current = await findAppById(ctx.db, id);
  if (!current) throw new AppError('APP_NOT_FOUND');
  const { id: _id, ...fields } = current;
  const next: NewApp = { ...fields, ...changes };
  if (changes.store !== undefined) assertKnownStore(ctx, next.store ?? null);
  const exists = () => new AppError('APP_ALREADY_EXISTS', `An app named "${next.name}" already exists.`);
  const clash = await findAppByName(ctx.db, next.name);
  if (clash && clash.id !== id) throw exists();
  try {
    if (!(await updateApp(ctx.db, id, next))) throw new AppError('APP_NOT_FOUND');
  } catch (err) {
    if (isUniqueViolation(err)) throw exists();
    throw err;
  }
  return { id, ...next, name: next.name.trim(), store: next.store ?? null };
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
  return upsertApps(ctx.db, parseAppsCsv(csv, storeNames(ctx.stores.types)));
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
