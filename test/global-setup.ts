import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL of the PostgreSQL server the suite runs on; each test file creates its own database. */
    postgresUrl: string;
  }
}

/**
 * Finds the PostgreSQL server for the suite: TEST_DATABASE_URL, else the machine's server on
 * 127.0.0.1:5432, else a private cluster started here from Debian's `postgresql` binaries on a
 * free loopback port (and stopped at the end). The suite never silently skips PostgreSQL.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // TEST_POSTGRES=private forces the private cluster (to test that path on a machine that has 5432).
  const candidates =
    process.env.TEST_POSTGRES === 'private'
      ? []
      : [process.env.TEST_DATABASE_URL, 'postgres://postgres@127.0.0.1:5432/test'].filter((u): u is string => !!u);
  for (const url of candidates) {
    if (await canConnect(url)) {
      project.provide('postgresUrl', url);
      return async () => undefined;
    }
    if (url === process.env.TEST_DATABASE_URL) throw new Error(`TEST_DATABASE_URL is set but PostgreSQL does not answer at it`);
  }
  const cluster = await startPrivateCluster();
  project.provide('postgresUrl', cluster.url);
  return cluster.stop;
}

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function pgBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (existsSync(join(root, v, 'bin', 'initdb'))) return join(root, v, 'bin');
  throw new Error(
    'No PostgreSQL server found: set TEST_DATABASE_URL, run one on 127.0.0.1:5432, or `apt-get install postgresql` (see README "Running the tests").',
  );
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

async function startPrivateCluster(): Promise<{ url: string; stop: () => Promise<void> }> {
  const bin = pgBinDir();
  const dir = mkdtempSync(join(tmpdir(), 'resetdesk-pg-'));
  const data = join(dir, 'data');
  const port = await freePort();
  // initdb refuses to run as root; run the server as the `postgres` user Debian creates.
  const asRoot = process.getuid?.() === 0;
  const run = (cmd: string, args: string[]) =>
    asRoot
      ? execFileSync('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args], { stdio: 'pipe' })
      : execFileSync(join(bin, cmd), args, { stdio: 'pipe' });
  if (asRoot) {
    chmodSync(dir, 0o777);
  }
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  run('pg_ctl', [
    '-D',
    data,
    '-w',
    '-l',
    join(dir, 'log'),
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
    'start',
  ]);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    url,
    stop: async () => {
      const args = ['-D', data, '-m', 'fast', '-w', 'stop'];
      if (asRoot) spawnSync('runuser', ['-u', 'postgres', '--', join(bin, 'pg_ctl'), ...args]);
      else spawnSync(join(bin, 'pg_ctl'), args);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
