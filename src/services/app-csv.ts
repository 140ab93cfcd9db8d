import { parse } from 'csv-parse/sync';
import type { NewApp } from '../db/repositories/app.repository.js';
import { APP_NAME_MAX, appNameFits, appNameKey } from '../domain/policy.js';
import { RESET_METHODS, type ResetMethod } from '../domain/types.js';
import { AppError } from '../errors/error-codes.js';

/**
 * Columns of an app-catalog CSV. The first three are the seed's header (`App,URL,oktaID`) and
 * import as is; the rest are optional. Header names match case-insensitively. `aliases` holds
 * the app's other names separated by `|`; without the column an import keeps the aliases an app has.
 */
const COLUMNS = {
  app: ['app', 'name'],
  url: ['url'],
  oktaId: ['oktaid'],
  sensitive: ['sensitive'],
  approverGroup: ['approvergroup', 'approver_group', 'owner'],
  resetMethod: ['resetmethod', 'reset_method'],
  store: ['store'],
  aliases: ['aliases'],
} as const;

/** Limits on an app's aliases (the API's too). */
const MAX_ALIASES = 20;
const ALIAS_MAX = 100;
type Column = keyof typeof COLUMNS;

interface CsvLineError {
  line: number;
  message: string;
}

/**
 * Parses and validates the whole file before anything is stored: every bad line is reported with
 * its line number, and any error means nothing is imported. `stores`: the store names a `store`
 * cell may hold (built-ins and STORES_FILE's, domain/credential-store.ts `storeNames`).
 */
export function parseAppsCsv(text: string, stores: readonly string[] = ['okta', 'swa-link']): NewApp[] {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text.replace(/^\uFEFF/, ''), {
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
    }) as unknown as typeof records;
  } catch (err) {
    const e = err as { lines?: number; message: string };
    throw csvError([{ line: e.lines ?? 1, message: `not valid CSV: ${e.message}` }]);
  }
  const [header, ...rows] = records;
  if (!header) throw csvError([{ line: 1, message: 'the file is empty; expected a header such as App,URL,oktaID' }]);

  const errors: CsvLineError[] = [];
  const index = new Map<Column, number>();
  header.record.forEach((name, i) => {
    const col = (Object.keys(COLUMNS) as Column[]).find((c) => (COLUMNS[c] as readonly string[]).includes(name.toLowerCase()));
    if (!col)
      errors.push({
        line: header.info.lines,
        message: `unknown column "${name}" (known: App, URL, oktaID, sensitive, approverGroup, resetMethod, store, aliases)`,
      });
    else if (index.has(col)) errors.push({ line: header.info.lines, message: `column "${name}" appears twice` });
    else index.set(col, i);
  });
  for (const required of ['app', 'url', 'oktaId'] as const) {
    if (!index.has(required))
      errors.push({
        line: header.info.lines,
        message: `missing column "${required === 'oktaId' ? 'oktaID' : required === 'app' ? 'App' : 'URL'}"`,
      });
  }
  if (errors.length) throw csvError(errors);

  // Names and aliases already read → their line: both share one space, as in the catalog.
  const seen = new Map<string, number>();
  const aliasOwners = new Map<string, number>();
  const apps: NewApp[] = [];
  for (const { record, info } of rows) {
    const line = info.lines;
    const cell = (c: Column) => {
      const i = index.get(c);
      return i === undefined ? '' : (record[i] ?? '');
    };
    const lineErrors: string[] = [];
    if (record.length !== header.record.length) lineErrors.push(`has ${record.length} fields, the header has ${header.record.length}`);

    const name = cell('app');
    if (!name) lineErrors.push('App is empty');
    else if (!appNameFits(name)) lineErrors.push(`App is longer than ${APP_NAME_MAX} characters (counted in lower case)`);
    const key = appNameKey(name);
    if (name && aliasOwners.has(key)) lineErrors.push(`App "${name}" is already an alias on line ${aliasOwners.get(key)}`);
    else if (name && seen.has(key)) lineErrors.push(`App "${name}" already appears on line ${seen.get(key)}`);

    const url = cell('url');
    if (url && !/^https?:\/\/\S+$/i.test(url)) lineErrors.push(`URL "${url}" is not an http:// or https:// URL`);
    const oktaId = cell('oktaId');
    if (oktaId && !/^[A-Za-z0-9_-]{1,64}$/.test(oktaId)) lineErrors.push(`oktaID "${oktaId}" is not an Okta app id`);

    const sensitiveText = cell('sensitive').toLowerCase();
    const sensitive = ['true', 'yes', 'y', '1'].includes(sensitiveText);
    if (sensitiveText && !sensitive && !['false', 'no', 'n', '0'].includes(sensitiveText)) {
      lineErrors.push(`sensitive "${cell('sensitive')}" must be true/false (or yes/no, 1/0)`);
    }
    const methodText = cell('resetMethod') || 'auto';
    if (!(RESET_METHODS as readonly string[]).includes(methodText))
      lineErrors.push(`resetMethod "${methodText}" must be one of ${RESET_METHODS.join(', ')}`);
    const store = cell('store');
    if (store && !stores.includes(store)) lineErrors.push(`store "${store}" is not a configured store (${stores.join(', ')})`);

    const aliases = index.has('aliases') ? parseAliases(cell('aliases'), name, lineErrors) : undefined;
    for (const alias of aliases ?? []) {
      const at = seen.get(appNameKey(alias));
      if (at !== undefined) lineErrors.push(`alias "${alias}" is already a name or alias on line ${at}`);
    }

    if (lineErrors.length) {
      errors.push(...lineErrors.map((message) => ({ line, message })));
      continue;
    }
    seen.set(key, line);
    for (const alias of aliases ?? []) {
      seen.set(appNameKey(alias), line);
      aliasOwners.set(appNameKey(alias), line);
    }
    apps.push({
      name,
      resetUrl: url || null,
      oktaAppId: oktaId || null,
      sensitive,
      approverGroup: cell('approverGroup') || null,
      resetMethod: methodText as ResetMethod,
      store: store || null,
      ...(aliases ? { aliases } : {}),
    });
  }
  if (errors.length) throw csvError(errors);
  if (apps.length === 0) throw csvError([{ line: 2, message: 'no app rows after the header' }]);
  return apps;
}

/** A `|`-separated aliases cell: trimmed, empties dropped; problems are pushed onto `errors`. */
function parseAliases(text: string, name: string, errors: string[]): string[] {
  const aliases = text
    .split('|')
    .map((a) => a.trim())
    .filter(Boolean);
  if (aliases.length > MAX_ALIASES) errors.push(`has ${aliases.length} aliases; at most ${MAX_ALIASES} are allowed`);
  const keys = new Set<string>();
  for (const alias of aliases) {
    if (alias.length > ALIAS_MAX) errors.push(`alias "${alias.slice(0, 20)}…" is longer than ${ALIAS_MAX} characters`);
    const k = appNameKey(alias);
    if (k === appNameKey(name)) errors.push(`alias "${alias}" is the app's own name`);
    else if (keys.has(k)) errors.push(`alias "${alias}" appears twice`);
    keys.add(k);
  }
  return aliases;
}

function csvError(errors: CsvLineError[]): AppError {
  const lines = errors.map((e) => `line ${e.line}: ${e.message}`).join('\n');
  return new AppError('CSV_INVALID', `The CSV file has ${errors.length} error(s); nothing was imported.\n${lines}`, { lines: errors });
}

/** One CSV field, quoted when it must be (RFC 4180). */
function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** The catalog as CSV with every column parseAppsCsv reads, so an export imports back unchanged. */
export function formatAppsCsv(apps: readonly NewApp[]): string {
  const rows = apps.map((a) =>
    [
      a.name,
      a.resetUrl ?? '',
      a.oktaAppId ?? '',
      a.sensitive ? 'true' : 'false',
      a.approverGroup ?? '',
      a.resetMethod,
      a.store ?? '',
      (a.aliases ?? []).join('|'),
    ]
      .map(csvField)
      .join(','),
  );
  return `${['App,URL,oktaID,sensitive,approverGroup,resetMethod,store,aliases', ...rows].join('\r\n')}\r\n`;
}
