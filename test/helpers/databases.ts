import { afterAll, beforeAll, inject } from 'vitest';
import { type DatabaseHandle, type Db, openDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrator.js';
import { createScratchDatabase, type ScratchDatabase } from '../../src/db/scratch-database.js';

export const DIALECTS = ['sqlite', 'postgres'] as const;
export type TestDialect = (typeof DIALECTS)[number];
export type TestDatabase = ScratchDatabase;

/** A fresh, empty database on the suite's PostgreSQL server (see global-setup.ts) or SQLite. */
export function createTestDatabase(dialect: TestDialect): Promise<TestDatabase> {
  return createScratchDatabase(dialect, dialect === 'postgres' ? inject('postgresUrl') : undefined);
}

/**
 * A migrated scratch database for the enclosing describe block: created before its tests and
 * dropped after them. Returns a getter, since the database exists only once beforeAll has run.
 */
export function useMigratedDatabase(dialect: TestDialect): () => Db {
  let scratch: TestDatabase | undefined;
  let database: DatabaseHandle | undefined;
  beforeAll(async () => {
    scratch = await createTestDatabase(dialect);
    database = openDatabase(scratch.url);
    await migrateToLatest(database.db);
  });
  afterAll(async () => {
    await database?.close();
    await scratch?.drop();
  });
  return () => {
    if (!database) throw new Error('the test database is not open: use it inside a test or hook');
    return database.db;
  };
}
