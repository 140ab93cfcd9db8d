import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Config } from '../config/config.js';
import { createOktaConnector } from '../connectors/okta/index.js';
import { openDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrator.js';
import { listApps, upsertApps } from '../db/repositories/app.repository.js';
import { storeNames } from '../domain/credential-store.js';
import { AppError } from '../errors/error-codes.js';
import { createLogger } from '../logger.js';
import { parseAppsCsv } from '../services/app-csv.js';
import { type AppSyncResult, syncCatalogFromOkta } from '../services/app-sync.service.js';

export async function appsCommand(config: Config, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'sync') return syncCommand(config, rest);
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
  throw new AppError('VALIDATION_FAILED', 'Usage: resetdesk apps import FILE.csv | resetdesk apps list | resetdesk apps sync [--dry-run]');
}

/** `resetdesk apps sync [--dry-run]`: the catalog from the configured Okta org, with the changes printed. */
async function syncCommand(config: Config, args: string[]): Promise<number> {
  let dryRun: boolean;
  try {
    dryRun = parseArgs({ args, options: { 'dry-run': { type: 'boolean', default: false } } }).values['dry-run'] === true;
  } catch (err) {
    throw new AppError('VALIDATION_FAILED', `${(err as Error).message}\nUsage: resetdesk apps sync [--dry-run]`);
  }
  if (config.okta.kind !== 'org') {
    throw new AppError('VALIDATION_FAILED', 'resetdesk apps sync reads a real Okta org: set OKTA_ORG_URL and its credentials.');
  }
  const logger = createLogger(config.logLevel, process.stderr);
  const okta = createOktaConnector({ orgUrl: config.okta.orgUrl, auth: config.okta.auth }, { logger: logger.child({ connector: 'okta' }) });
  const database = openDatabase(config.databaseUrl);
  try {
    await migrateToLatest(database.db);
    const result = await syncCatalogFromOkta({ db: database.db, okta, logger }, { dryRun, actor: 'cli', trigger: 'cli' });
    console.log(formatSyncResult(result));
    return 0;
  } finally {
    await database.close();
  }
}

/** The changes a sync made (or, dry, would make), one line each, then the counts. */
function formatSyncResult(r: AppSyncResult): string {
  const lines = [
    ...r.added.map((a) => `+ ${a.name}\t${a.oktaAppId}\t${a.signOnMode}\t${a.status}`),
    ...r.updated.map(
      (u) => `~ ${u.name}\t${u.oktaAppId}\t${u.changes.map((c) => `${c.field}: ${c.before ?? '-'} → ${c.after ?? '-'}`).join(', ')}`,
    ),
    ...r.flagged.map((f) => `! ${f.name}\t${f.oktaAppId}\t${f.status}`),
  ];
  const counts = `${r.added.length} added, ${r.updated.length} updated, ${r.flagged.length} flagged, ${r.unchanged} unchanged (${r.read} read from Okta)`;
  lines.push(r.dryRun ? `Dry run: ${counts}; nothing was written.` : `Synced: ${counts}.`);
  return lines.join('\n');
}
