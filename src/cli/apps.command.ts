import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Config } from '../config/config.js';
import { openDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrator.js';
import { listApps, upsertApps } from '../db/repositories/app.repository.js';
import { storeNames } from '../domain/credential-store.js';
import { AppError } from '../errors/error-codes.js';
import { parseAppsCsv } from '../services/app-csv.js';

export async function appsCommand(config: Config, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const { positionals } = parseArgs({ args: rest, allowPositionals: true, options: {} });
  if (sub === 'import') {
    const file = positionals[0];
    if (!file || positionals.length > 1) throw new AppError('VALIDATION_FAILED', 'Usage: resetdesk apps import FILE.csv');
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new AppError('VALIDATION_FAILED', `Cannot read ${file}: ${(err as Error).message}`);
    }
    // Validate the whole file before touching the database: any bad line imports nothing.
    const apps = parseAppsCsv(text, storeNames(new Map(config.stores.map((st) => [st.name, st.type]))));
    const database = openDatabase(config.databaseUrl);
    try {
      await migrateToLatest(database.db);
      const { created, updated } = await upsertApps(database.db, apps);
      console.log(`Imported ${apps.length} app(s) from ${file}: ${created} new, ${updated} updated.`);
      return 0;
    } finally {
      await database.close();
    }
  }
  if (sub === 'list') {
    const database = openDatabase(config.databaseUrl);
    try {
      await migrateToLatest(database.db);
      for (const app of await listApps(database.db)) {
        const flags = [
          app.resetMethod,
          app.store ? `store=${app.store}` : '',
          app.sensitive ? 'sensitive' : '',
          app.approverGroup ? `approvers=${app.approverGroup}` : '',
        ]
          .filter(Boolean)
          .join(' ');
        console.log(`${app.name}\t${app.oktaAppId ?? '-'}\t${app.resetUrl ?? '-'}\t${flags}`);
      }
      return 0;
    } finally {
      await database.close();
    }
  }
  throw new AppError('VALIDATION_FAILED', 'Usage: resetdesk apps import FILE.csv | resetdesk apps list');
}
