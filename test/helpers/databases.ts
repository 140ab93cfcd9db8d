import { inject } from 'vitest';
import { createScratchDatabase, type ScratchDatabase } from '../../src/db/scratch-database.js';

export const DIALECTS = ['sqlite', 'postgres'] as const;
export type TestDialect = (typeof DIALECTS)[number];
export type TestDatabase = ScratchDatabase;

/** A fresh, empty database on the suite's PostgreSQL server (see global-setup.ts) or SQLite. */
export function createTestDatabase(dialect: TestDialect): Promise<TestDatabase> {
  return createScratchDatabase(dialect, dialect === 'postgres' ? inject('postgresUrl') : undefined);
}
