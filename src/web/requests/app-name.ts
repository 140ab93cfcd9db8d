/**
 * Matching what someone types against the app catalog. Like the server's appNameKey(), case and
 * runs of spaces do not matter; for suggestions and as a last resort spaces do not matter at all,
 * so "sales force" still finds "Salesforce".
 */

/** Lower case, trimmed, inner runs of whitespace as one space (the server's catalog key). */
export function appNameKey(name: string): string {
  return name.trim().replace(/\s+/g, ' ').toLowerCase();
}

const compact = (name: string) => name.replace(/\s+/g, '').toLowerCase();

/** True when `name` is a suggestion for what was typed so far. */
function appNameMatches(name: string, typed: string): boolean {
  return compact(name).includes(compact(typed));
}

/** The catalog's spelling of the app someone typed, or undefined when none (or several) fit. */
export function findCatalogApp(names: readonly string[], typed: string): string | undefined {
  const key = appNameKey(typed);
  if (key === '') return undefined;
  const exact = names.find((n) => appNameKey(n) === key);
  if (exact !== undefined) return exact;
  const loose = names.filter((n) => compact(n) === compact(typed));
  return loose.length === 1 ? loose[0] : undefined;
}

/** Suggestions in a helpful order: names that start with what was typed come first. */
export function rankAppNames(names: readonly string[], typed: string): string[] {
  const prefix = compact(typed);
  const hits = names.filter((n) => appNameMatches(n, typed));
  return [...hits.filter((n) => compact(n).startsWith(prefix)), ...hits.filter((n) => !compact(n).startsWith(prefix))];
}
