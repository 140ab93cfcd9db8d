/** Current time as the ISO-8601 UTC text both databases store (see db/schema.ts). */
export function nowIso(): string {
  return new Date().toISOString();
}
