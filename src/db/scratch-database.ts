import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface ScratchDatabase {
  /** A DATABASE_URL for the new, empty database. */
  url: string;
  drop(): Promise<void>;
}

/**
 * A fresh, empty database for a test file or a benchmark run: a SQLite file in a new temporary
 * folder, or a new database on the PostgreSQL server behind `postgresAdminUrl`.
 */
export async function createScratchDatabase(dialect: 'sqlite' | 'postgres', postgresAdminUrl?: string): Promise<ScratchDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'resetdesk-scratch-'));
    return { url: `sqlite:${join(dir, 'resetdesk.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  if (!postgresAdminUrl) throw new Error('a PostgreSQL admin URL is needed for a scratch PostgreSQL database');
  const name = `rd_scratch_${randomBytes(6).toString('hex')}`;
  const withAdmin = async <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: postgresAdminUrl });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  };
  await withAdmin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(postgresAdminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () =>
      withAdmin(async (c) => {
        // Let the app's pool finish closing rather than killing its sessions mid-goodbye.
        for (let i = 0; i < 100; i++) {
          const { rows } = await c.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name]);
          if (rows[0]?.n === 0) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      }),
  };
}
