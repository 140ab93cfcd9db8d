import type { Selectable } from 'kysely';
import { nowIso } from '../../time.js';
import type { Db } from '../database.js';
import { newId } from '../ids.js';

/*
 * The policy tables (migration 2026-11-24T02-00-00-policies). Their types live here and are added
 * to the database type with `withTables`, so these repository functions are their only readers.
 */

/** Where an activated policy came from. */
export const POLICY_SOURCES = ['default', 'file', 'confluence', 'admin'] as const;
export type PolicySourceKind = (typeof POLICY_SOURCES)[number];

/** What set a sync going. */
export const SYNC_TRIGGERS = ['startup', 'schedule', 'manual'] as const;
export type SyncTrigger = (typeof SYNC_TRIGGERS)[number];

type PolicyVersionsTable = {
  id: string;
  /** The policy's own `version:`. */
  version: string;
  source: string;
  /** The file's path; `page <id> version <n>: <title>`; the admin's email; `built-in`. */
  source_ref: string;
  /** sha256 of the YAML and the reference text: whether a source says something new. */
  content_hash: string;
  yaml: string;
  reference_text: string | null;
  activated_at: string;
};

type PolicySyncEventsTable = {
  id: string;
  at: string;
  source: string;
  source_ref: string;
  trigger: string;
  /** 1 = the source was read and held a valid policy. */
  ok: number;
  /** 1 = that policy was activated. */
  changed: number;
  version: string | null;
  error_code: string | null;
  error: string | null;
  /** PolicyIssue[] as JSON when the source's policy was invalid. */
  errors_json: string | null;
};

type PolicyTables = {
  policy_versions: PolicyVersionsTable;
  policy_sync_events: PolicySyncEventsTable;
};

const tables = (db: Db) => db.withTables<PolicyTables>();

type PolicyVersionRow = Selectable<PolicyVersionsTable>;

/** One activation of a policy: the newest is the active policy. */
export interface StoredPolicy {
  id: string;
  version: string;
  source: PolicySourceKind;
  sourceRef: string;
  contentHash: string;
  yaml: string;
  referenceText: string | null;
  activatedAt: string;
}

/** One line of a policy that did not validate (as parsePolicyYaml reports it). */
export interface StoredPolicyIssue {
  line: number;
  path: string;
  message: string;
}

/** One attempt to read a policy source. */
export interface PolicySyncEvent {
  id: string;
  at: string;
  source: PolicySourceKind;
  sourceRef: string;
  trigger: SyncTrigger;
  ok: boolean;
  changed: boolean;
  version: string | null;
  errorCode: string | null;
  error: string | null;
  errors: StoredPolicyIssue[];
}

const toStored = (row: PolicyVersionRow): StoredPolicy => ({
  id: row.id,
  version: row.version,
  source: row.source as PolicySourceKind,
  sourceRef: row.source_ref,
  contentHash: row.content_hash,
  yaml: row.yaml,
  referenceText: row.reference_text,
  activatedAt: row.activated_at,
});

/** Makes a policy the active one (a new newest row); returns it as stored. */
export async function activatePolicy(db: Db, input: Omit<StoredPolicy, 'id' | 'activatedAt'>): Promise<StoredPolicy> {
  const stored: StoredPolicy = { ...input, id: newId('pol'), activatedAt: nowIso() };
  await tables(db)
    .insertInto('policy_versions')
    .values({
      id: stored.id,
      version: stored.version,
      source: stored.source,
      source_ref: stored.sourceRef.slice(0, 1000),
      content_hash: stored.contentHash,
      yaml: stored.yaml,
      reference_text: stored.referenceText,
      activated_at: stored.activatedAt,
    })
    .execute();
  return stored;
}

/** The id of the active policy (a cheap check whether another instance activated one), or null. */
export async function activePolicyId(db: Db): Promise<string | null> {
  const row = await tables(db)
    .selectFrom('policy_versions')
    .select('id')
    .orderBy('activated_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.id ?? null;
}

/** The active policy, or null before any was stored. */
export async function findActivePolicy(db: Db): Promise<StoredPolicy | null> {
  const row = await tables(db)
    .selectFrom('policy_versions')
    .selectAll()
    .orderBy('activated_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? toStored(row) : null;
}

/** The latest policy activated from one of `sources`, or null. */
export async function findLatestPolicyFrom(db: Db, sources: readonly PolicySourceKind[]): Promise<StoredPolicy | null> {
  const row = await tables(db)
    .selectFrom('policy_versions')
    .selectAll()
    .where('source', 'in', [...sources])
    .orderBy('activated_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? toStored(row) : null;
}

/** The latest activations, newest first (without their YAML). */
export async function listPolicyHistory(db: Db, limit: number): Promise<Omit<StoredPolicy, 'yaml' | 'referenceText'>[]> {
  const rows = await tables(db)
    .selectFrom('policy_versions')
    .select(['id', 'version', 'source', 'source_ref', 'content_hash', 'activated_at'])
    .orderBy('activated_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    id: row.id,
    version: row.version,
    source: row.source as PolicySourceKind,
    sourceRef: row.source_ref,
    contentHash: row.content_hash,
    activatedAt: row.activated_at,
  }));
}

/** How long sync attempts are kept. */
const SYNC_EVENT_RETENTION_MS = 90 * 24 * 3600_000;

/** Records one sync attempt, and forgets attempts older than 90 days. */
export async function recordSyncEvent(db: Db, event: Omit<PolicySyncEvent, 'id' | 'at'>): Promise<PolicySyncEvent> {
  const stored: PolicySyncEvent = { ...event, id: newId('psy'), at: nowIso() };
  await tables(db)
    .insertInto('policy_sync_events')
    .values({
      id: stored.id,
      at: stored.at,
      source: stored.source,
      source_ref: stored.sourceRef.slice(0, 1000),
      trigger: stored.trigger,
      ok: stored.ok ? 1 : 0,
      changed: stored.changed ? 1 : 0,
      version: stored.version,
      error_code: stored.errorCode,
      error: stored.error,
      errors_json: stored.errors.length > 0 ? JSON.stringify(stored.errors) : null,
    })
    .execute();
  await tables(db)
    .deleteFrom('policy_sync_events')
    .where('at', '<', new Date(Date.now() - SYNC_EVENT_RETENTION_MS).toISOString())
    .execute();
  return stored;
}

/** The latest sync attempt, and the latest that succeeded (null when there is none). */
export async function latestSyncEvents(db: Db): Promise<{ last: PolicySyncEvent | null; lastOk: PolicySyncEvent | null }> {
  const base = () => tables(db).selectFrom('policy_sync_events').selectAll().orderBy('at', 'desc').orderBy('id', 'desc').limit(1);
  const [last, lastOk] = await Promise.all([base().executeTakeFirst(), base().where('ok', '=', 1).executeTakeFirst()]);
  return { last: last ? toEvent(last) : null, lastOk: lastOk ? toEvent(lastOk) : null };
}

function toEvent(row: Selectable<PolicySyncEventsTable>): PolicySyncEvent {
  return {
    id: row.id,
    at: row.at,
    source: row.source as PolicySourceKind,
    sourceRef: row.source_ref,
    trigger: row.trigger as SyncTrigger,
    ok: row.ok === 1,
    changed: row.changed === 1,
    version: row.version,
    errorCode: row.error_code,
    error: row.error,
    errors: row.errors_json ? (JSON.parse(row.errors_json) as StoredPolicyIssue[]) : [],
  };
}
