/**
 * Near matches for an app name that is not in the catalog, so triage can ask "Did you mean …?"
 * instead of denying a typo or guessing between "Jira Cloud" and "Jira Server". Guessing is
 * never an option: resetting the wrong app's password is the mistake this product exists to
 * avoid, so even a single near match is a question, not a decision.
 */
import { appNameKey } from './policy.js';

/** At most this many candidates are offered; more means the name says too little. */
export const MAX_CANDIDATES = 5;

/**
 * Catalog names close to `typed`, best first: names that contain the typed words as whole words
 * ("jira" → "Jira Cloud", "Jira Server"), names equal once spaces and punctuation are ignored
 * ("office365" → "Office 365"), and names within a small edit distance ("expensfy" →
 * "Expensify"). Empty when nothing is close; an exact match is the caller's business (it never
 * gets here). Names shorter than 3 characters match nothing: "a" is not a question worth asking.
 */
export function nearAppNames(typed: string, catalogNames: readonly string[]): string[] {
  const key = appNameKey(typed);
  const compact = compactKey(key);
  if (compact.length < 3) return [];
  const scored: { name: string; score: number }[] = [];
  for (const name of catalogNames) {
    const score = closeness(key, compact, name);
    if (score !== null) scored.push({ name, score });
  }
  scored.sort((a, b) => a.score - b.score || a.name.localeCompare(b.name));
  return scored.slice(0, MAX_CANDIDATES).map((s) => s.name);
}

/**
 * Like nearAppNames over a catalog whose apps also have aliases: an alias close to `typed` offers
 * its app's name ("o356" → "Microsoft Office 365" through its alias "o365"), each app once.
 */
export function nearCatalogApps(typed: string, apps: readonly { name: string; aliases?: readonly string[] }[]): string[] {
  const owner = new Map<string, string>();
  for (const app of apps) {
    owner.set(app.name, app.name);
    for (const alias of app.aliases ?? []) if (!owner.has(alias)) owner.set(alias, app.name);
  }
  const names = nearAppNames(typed, [...owner.keys()]).map((n) => owner.get(n) ?? n);
  return [...new Set(names)].slice(0, MAX_CANDIDATES);
}

/** Lower is closer; null = not close. */
function closeness(key: string, compact: string, name: string): number | null {
  const nameKey = appNameKey(name);
  const nameCompact = compactKey(nameKey);
  if (nameCompact === compact) return 0;
  const words = nameKey.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  const typedWords = key.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  // Every typed word is a whole word of the name: "jira" in "jira cloud", "aws" in "aws console".
  if (typedWords.length > 0 && typedWords.every((w) => words.includes(w))) return 1;
  const distance = editDistance(compact, nameCompact, maxTypos(compact));
  if (distance !== null) return 2 + distance;
  // A typo inside one word of a longer name: "confluense" → "Confluence Cloud".
  for (const word of words) {
    const d = word.length >= 4 ? editDistance(compact, word, maxTypos(compact)) : null;
    if (d !== null) return 4 + d;
  }
  return null;
}

/** Typos tolerated: one up to 7 characters, two from 8 — short names get few. */
function maxTypos(text: string): number {
  return text.length >= 8 ? 2 : 1;
}

function compactKey(key: string): string {
  return key.replace(/[^\p{L}\p{N}]+/gu, '');
}

/**
 * Optimal-string-alignment distance (insertions, deletions, substitutions, adjacent swaps),
 * or null when it exceeds `max`. Bounded by the length difference first, so long catalogs of
 * unrelated names cost almost nothing.
 */
export function editDistance(a: string, b: string, max: number): number | null {
  if (Math.abs(a.length - b.length) > max) return null;
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    let rowMin = Number.POSITIVE_INFINITY;
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min((d[i - 1]?.[j] ?? 0) + 1, (d[i]?.[j - 1] ?? 0) + 1, (d[i - 1]?.[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, (d[i - 2]?.[j - 2] ?? 0) + 1);
      const row = d[i];
      if (row) row[j] = v;
      rowMin = Math.min(rowMin, v);
    }
    if (rowMin > max) return null;
  }
  const result = d[rows - 1]?.[cols - 1] ?? Number.POSITIVE_INFINITY;
  return result <= max ? result : null;
}
