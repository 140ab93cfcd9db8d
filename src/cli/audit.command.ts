import { type FileHandle, open } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import type { Config } from '../config/config.js';
import { type Db, openDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrator.js';
import { readAuditChain, toChainedAuditEvent, verifyAuditLog } from '../db/repositories/audit.repository.js';
import { type ChainAnchor, parseAnchor } from '../domain/audit-chain.js';
import { AppError } from '../errors/error-codes.js';

const USAGE = 'Usage: resetdesk audit verify [--anchor SEQ:HASH] | resetdesk audit export [--since WHEN] [--until WHEN] [--out FILE]';

/** A date (midnight UTC) or a date-time with Z or an offset; never local time, which differs per machine. */
const when = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);

/**
 * `audit verify` walks the hash chain: exit 0 when intact, 1 naming the first broken event.
 * `audit export` writes the log as JSON Lines for a SIEM. Bad arguments: exit 2.
 * See docs/operations.md, "Audit log integrity".
 */
export async function auditCommand(config: Config, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'verify') {
    const { values } = parseArgs({ args: rest, options: { anchor: { type: 'string' } } });
    let anchor: ChainAnchor | undefined;
    if (values.anchor !== undefined) {
      anchor = parseAnchor(values.anchor);
      if (!anchor) return usage(`--anchor must be SEQ:HASH as \`resetdesk audit verify\` printed it, not "${values.anchor}"`);
    }
    return withDatabase(config, async (db) => {
      const verdict = await verifyAuditLog(db, anchor);
      if (verdict.ok) {
        const head = verdict.head ? `head ${verdict.head.seq}:${verdict.head.hash}` : 'the log is empty';
        console.log(`Audit log intact: ${verdict.count} event(s), ${head}`);
        return 0;
      }
      const { seq, id, message } = verdict.broken;
      console.error(
        `Audit log BROKEN at seq ${seq}${id ? ` (event ${id})` : ''}: ${message}. ${verdict.checked} event(s) before it verify.`,
      );
      return 1;
    });
  }
  if (sub === 'export') {
    const { values } = parseArgs({
      args: rest,
      options: { since: { type: 'string' }, until: { type: 'string' }, out: { type: 'string' } },
    });
    const since = values.since === undefined ? undefined : toIso(values.since);
    const until = values.until === undefined ? undefined : toIso(values.until);
    if (since === null)
      return usage(`--since must be a date (2026-11-24) or an ISO-8601 date-time with Z or an offset, not "${values.since}"`);
    if (until === null)
      return usage(`--until must be a date (2026-11-24) or an ISO-8601 date-time with Z or an offset, not "${values.until}"`);
    if (values.out === '') return usage('--out needs a file name');
    return withDatabase(config, async (db) => {
      const sink = values.out ? await fileSink(values.out) : stdoutSink();
      let count = 0;
      try {
        let lines: string[] = [];
        for await (const record of readAuditChain(db, { ...(since ? { since } : {}), ...(until ? { until } : {}) })) {
          lines.push(`${JSON.stringify(toChainedAuditEvent(record))}\n`);
          count++;
          if (lines.length === 1000) {
            await sink.write(lines.join(''));
            lines = [];
          }
        }
        if (lines.length) await sink.write(lines.join(''));
      } finally {
        await sink.close();
      }
      // With --out, stdout is free for a summary; without, it carries only the events.
      if (values.out) console.log(`Exported ${count} audit event(s) to ${values.out}.`);
      return 0;
    });
  }
  return usage(sub === undefined ? 'Name a subcommand.' : `Unknown subcommand "${sub}".`);
}

/** Like the other commands: the database is migrated first, so an upgraded log is chained. */
async function withDatabase(config: Config, work: (db: Db) => Promise<number>): Promise<number> {
  const database = openDatabase(config.databaseUrl);
  try {
    await migrateToLatest(database.db);
    return await work(database.db);
  } finally {
    await database.close();
  }
}

/** Exit 2, like every usage error of the CLI; 1 stays "the log is broken". */
function usage(problem: string): number {
  console.error(`${problem}\n${USAGE}`);
  return 2;
}

/** The stored form of a moment (ISO-8601 UTC, as nowIso() writes), or null when `text` is not one. */
function toIso(text: string): string | null {
  if (!when.safeParse(text).success) return null;
  const ms = Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

interface Sink {
  write(text: string): Promise<void>;
  close(): Promise<void>;
}

async function fileSink(path: string): Promise<Sink> {
  let file: FileHandle;
  try {
    file = await open(path, 'w');
  } catch (err) {
    throw new AppError('VALIDATION_FAILED', `Cannot write ${path}: ${(err as Error).message}`);
  }
  return { write: async (text) => void (await file.write(text)), close: () => file.close() };
}

/** stdout, waiting for it to drain when a slow reader (a pipe to a SIEM shipper) falls behind. */
function stdoutSink(): Sink {
  return {
    write: (text) => new Promise((resolve) => (process.stdout.write(text) ? resolve() : process.stdout.once('drain', resolve))),
    close: async () => undefined,
  };
}
