import type { AppContext } from '../app-context.js';
import { isUniqueViolation } from '../db/constraint-errors.js';
import { findAppByName, insertApp, listApps, type NewApp } from '../db/repositories/app.repository.js';
import type { CatalogApp } from '../domain/types.js';
import { AppError } from '../errors/error-codes.js';

export function listCatalog(ctx: AppContext): Promise<CatalogApp[]> {
  return listApps(ctx.db);
}

/**
 * Adds an app to the catalog. The unique name key settles races: of two concurrent creates of
 * one name, one is 201 and the other APP_ALREADY_EXISTS, on both databases.
 */
export async function createApp(ctx: AppContext, app: NewApp): Promise<CatalogApp> {
  const exists = () => new AppError('APP_ALREADY_EXISTS', `An app named "${app.name}" already exists.`);
  if (await findAppByName(ctx.db, app.name)) throw exists();
  try {
    return await insertApp(ctx.db, app);
  } catch (err) {
    if (isUniqueViolation(err)) throw exists();
    throw err;
  }
}
