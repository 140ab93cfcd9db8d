import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, type SqliteDatabase, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;
export type DialectName = 'sqlite' | 'postgres';

export interface DatabaseHandle {
  db: Db;
  dialect: DialectName;
  close(): Promise<void>;
}

/**
 * Opens the database named by a DATABASE_URL: `sqlite:./path.db`, `sqlite::memory:` or
 * `postgres://…`. The SQLite file's folder is created if missing.
 */
export function openDatabase(url: string, onIdleError?: (err: Error) => void): DatabaseHandle {
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    const sqlite = new SQLite(file);
    // WAL lets readers proceed while the worker writes; busy_timeout waits out short write locks
    // instead of failing when the HTTP server and the worker write at the same moment.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('synchronous = NORMAL');
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: reusingStatements(sqlite) }) });
    return { db, dialect: 'sqlite', close: () => db.destroy() };
  }
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle connection dropped by the server (restart, failover) emits 'error' on the pool;
  // without a listener that would crash the process. The pool replaces it on next use.
  pool.on('error', (err) => onIdleError?.(err));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: 'postgres', close: () => db.destroy() };
}

/** Distinct SQL texts kept prepared; the app has far fewer, but an `in (…)` of varying length adds one per length. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely's SQLite driver prepares every query anew, and compiling SQL was a tenth of the CPU
 * a decision cost (profiled with `node --cpu-prof` under `npm run bench`). This keeps the
 * prepared statements by SQL text (least recently used out first) and hands the same one back.
 * Reuse is safe because the driver runs one statement at a time on its single connection and
 * reads results eagerly (`all`); SQLite recompiles a statement itself after a schema change.
 */
function reusingStatements(sqlite: SQLite.Database): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    prepare(sql) {
      // Deleted and set again when found: a Map iterates in insertion order, so the first key is
      // the least recently used.
      const statement = cache.get(sql) ?? sqlite.prepare(sql);
      cache.delete(sql);
      cache.set(sql, statement);
      if (cache.size > STATEMENT_CACHE_SIZE) {
        const oldest = cache.keys().next().value;
        if (oldest !== undefined) cache.delete(oldest);
      }
      return statement;
    },
    close() {
      cache.clear();
      sqlite.close();
    },
  };
}
