/**
 * The one place database constraint errors are recognised, the same way on both dialects, so
 * a race the database settles (two inserts of one unique name) becomes a clear 409 and never
 * a 500.
 */

/** A unique-constraint violation: PostgreSQL SQLSTATE 23505, SQLite SQLITE_CONSTRAINT_UNIQUE / _PRIMARYKEY. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
