/**
 * The active reset policy, shared by every instance on one database (docs/configuration.md,
 * "Where the policy comes from").
 *
 * Sources: the built-in default, POLICY_FILE, a Confluence page (the CONFLUENCE_* variables) and
 * admins (PUT /api/v1/policy). Every activation is a row in `policy_versions`; the newest row is
 * the active policy. Each instance keeps it in memory (`current`, what `ctx.policy` returns) and
 * re-reads the newest row's id every few seconds, so a policy activated by another instance is in
 * force everywhere within `reloadMs`; an activation made here is in force here at once.
 *
 * Precedence — a source's policy is activated when it says something new:
 * - With Confluence: the page is the source. A sync (at start-up, every CONFLUENCE_SYNC_MINUTES)
 *   activates the page's policy when its content differs from what was last taken from the page,
 *   or when the active policy is the file's or the default (those are only a fallback). A manual
 *   sync (POST /api/v1/policy/sync) always makes the page's policy the active one. A page that
 *   cannot be read or holds no valid policy changes nothing: the last good policy stays, and the
 *   failure is recorded (`policy_sync_events`, lastSync) and logged. With nothing stored yet and
 *   the page unreadable at start-up, POLICY_FILE (or the built-in default) is the fallback.
 * - Without Confluence: at start-up POLICY_FILE (or the built-in default) is activated when its
 *   content differs from what was last taken from the file, when nothing is stored, or when the
 *   active policy came from Confluence (no longer configured).
 * - An admin's PUT is active at once, and stays active until one of the rules above activates
 *   another: the page changes (or someone syncs by hand), or the file's content changes.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { stringify } from 'yaml';
import type { Config } from '../config/config.js';
import { type ConfluenceClient, createConfluenceClient, extractPolicyFromStorage } from '../connectors/confluence/index.js';
import type { Db } from '../db/database.js';
import {
  activatePolicy,
  activePolicyId,
  findActivePolicy,
  findLatestPolicyFrom,
  latestSyncEvents,
  listPolicyHistory,
  type PolicySourceKind,
  type PolicySyncEvent,
  recordSyncEvent,
  type StoredPolicy,
  type StoredPolicyIssue,
  type SyncTrigger,
} from '../db/repositories/policy.repository.js';
import { DEFAULT_POLICY, type Policy } from '../domain/policy.js';
import { type PolicyIssue, parsePolicyYaml } from '../domain/policy-yaml.js';
import { AppError, isAppError } from '../errors/error-codes.js';
import { runEvery } from './policy-schedule.js';

/** The policy in force, with where it came from. */
interface ActivePolicy {
  /** The policy_versions row; null only for the built-in default before anything is stored. */
  id: string | null;
  policy: Policy;
  version: string;
  source: PolicySourceKind;
  sourceRef: string;
  yaml: string;
  referenceText: string | null;
  activatedAt: string;
}

/** POLICY_FILE (or the built-in default) as read at start-up. */
export interface FilePolicySource {
  kind: 'file' | 'default';
  /** The path, or `built-in`. */
  ref: string;
  yaml: string;
  policy: Policy;
}

/** What a sync did. */
interface SyncResult {
  ok: true;
  /** Whether the page's policy was activated (false: it was already the one in force, or an admin's stays). */
  changed: boolean;
  pageId: string;
  pageVersion: number;
  version: string;
  sourceRef: string;
}

/** GET /api/v1/policy. */
interface PolicyView {
  version: string;
  source: PolicySourceKind;
  sourceRef: string;
  activatedAt: string;
  yaml: string;
  policy: Policy;
  referenceText: string | null;
  confluence: { pageId: string; pageUrl: string; syncMinutes: number } | null;
  lastSync: SyncEventView | null;
  lastSuccessfulSyncAt: string | null;
  history: { version: string; source: PolicySourceKind; sourceRef: string; activatedAt: string }[];
}

interface SyncEventView {
  at: string;
  ok: boolean;
  changed: boolean;
  source: PolicySourceKind;
  sourceRef: string;
  trigger: SyncTrigger;
  version: string | null;
  errorCode: string | null;
  error: string | null;
  errors: StoredPolicyIssue[];
}

export interface PolicyService {
  /** The policy in force in this instance (refreshed from the database every `reloadMs`). */
  readonly current: ActivePolicy;
  readonly confluenceConfigured: boolean;
  /** Reads the page now; throws (after recording and logging the failure) when it fails. */
  sync(trigger: SyncTrigger): Promise<SyncResult>;
  /** An admin's policy: validated (POLICY_INVALID with the lines), then active at once. */
  replace(yaml: string, adminEmail: string): Promise<ActivePolicy>;
  /** Picks up a policy another instance activated; true when it changed. */
  reload(): Promise<boolean>;
  view(): Promise<PolicyView>;
  stop(): Promise<void>;
}

export interface PolicyServiceOptions {
  db: Db;
  logger: Logger;
  config: Pick<Config, 'confluence'>;
  file: FilePolicySource;
  /** Default: a client built from config.confluence. */
  confluence?: ConfluenceClient;
  /** How often the active policy's id is re-read (default 5 s). */
  reloadMs?: number;
  /** Start the reload and sync timers (default true). */
  timers?: boolean;
}

const DEFAULT_RELOAD_MS = 5000;
const HISTORY_SHOWN = 20;

/** The built-in default as YAML, for GET /api/v1/policy and the history. */
const DEFAULT_POLICY_YAML = `# The built-in default policy (no POLICY_FILE, no policy page): every rule at its default.\n${stringify(DEFAULT_POLICY)}`;

/** sha256 of what a source said: its YAML and the reference text. */
function contentHash(yaml: string, referenceText: string | null): string {
  return createHash('sha256')
    .update(yaml, 'utf8')
    .update('\0')
    .update(referenceText ?? '', 'utf8')
    .digest('hex');
}

/**
 * POLICY_FILE (or the built-in default). An unreadable or invalid file stops start-up with a
 * message naming the file and the line of every problem, as before there were other sources.
 */
export function readFilePolicySource(path: string | undefined): FilePolicySource {
  if (!path) return { kind: 'default', ref: 'built-in', yaml: DEFAULT_POLICY_YAML, policy: DEFAULT_POLICY };
  let yaml: string;
  try {
    yaml = readFileSync(path, 'utf8');
  } catch (err) {
    throw new AppError('CONFIG_INVALID', `POLICY_FILE: cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    return { kind: 'file', ref: path, yaml, policy: parsePolicyYaml(yaml) };
  } catch (err) {
    if (isAppError(err) && err.code === 'POLICY_INVALID')
      throw new AppError('POLICY_INVALID', `POLICY_FILE ${path}: ${err.message}`, err.details);
    throw err;
  }
}

/** Decides the policy in force at start-up (see the rules above), then keeps it current. */
export async function startPolicyService(opts: PolicyServiceOptions): Promise<PolicyService> {
  const { db, file } = opts;
  const logger = opts.logger.child({ component: 'policy' });
  const settings = opts.config.confluence;
  const client =
    opts.confluence ?? (settings ? createConfluenceClient(settings, { logger: logger.child({ connector: 'confluence' }) }) : undefined);
  let current: ActivePolicy = {
    id: null,
    policy: file.policy,
    version: file.policy.version,
    source: file.kind,
    sourceRef: file.ref,
    yaml: file.yaml,
    referenceText: null,
    activatedAt: new Date().toISOString(),
  };
  // Syncs run one after another, whoever starts them.
  let queue: Promise<unknown> = Promise.resolve();

  const use = (stored: StoredPolicy, policy: Policy): void => {
    current = {
      id: stored.id,
      policy,
      version: stored.version,
      source: stored.source,
      sourceRef: stored.sourceRef,
      yaml: stored.yaml,
      referenceText: stored.referenceText,
      activatedAt: stored.activatedAt,
    };
  };

  const activate = async (input: Omit<StoredPolicy, 'id' | 'activatedAt' | 'version' | 'contentHash'>, policy: Policy) => {
    const stored = await activatePolicy(db, {
      ...input,
      version: policy.version,
      contentHash: contentHash(input.yaml, input.referenceText),
    });
    use(stored, policy);
    logger.info({ version: stored.version, source: stored.source, sourceRef: stored.sourceRef }, 'policy activated');
    return stored;
  };

  const activateFile = () => activate({ source: file.kind, sourceRef: file.ref, yaml: file.yaml, referenceText: null }, file.policy);

  async function reload(): Promise<boolean> {
    const id = await activePolicyId(db);
    if (!id || id === current.id) return false;
    const stored = await findActivePolicy(db);
    if (!stored || stored.id === current.id) return false;
    let policy: Policy;
    try {
      policy = parsePolicyYaml(stored.yaml);
    } catch (err) {
      // Every stored policy was validated first; a later, stricter schema could still refuse one.
      logger.error(
        { id: stored.id, error: (err as Error).message },
        'the stored active policy no longer validates; keeping the one in force',
      );
      return false;
    }
    use(stored, policy);
    logger.info({ version: stored.version, source: stored.source }, 'policy reloaded: activated by another instance');
    return true;
  }

  async function runSync(trigger: SyncTrigger): Promise<SyncResult> {
    if (!client) throw new AppError('POLICY_SOURCE_NOT_CONFIGURED');
    let sourceRef = `page ${client.pageId}`;
    try {
      const page = await client.fetchPage();
      sourceRef = `page ${page.id} version ${page.version}: ${page.title}`;
      if (page.status !== 'current') {
        throw new AppError(
          'CONFLUENCE_PAGE_NOT_FOUND',
          `Confluence page ${page.id} is ${page.status}, not current: restore it, or point CONFLUENCE_POLICY_PAGE_ID at the page in use.`,
        );
      }
      const content = extractPolicyFromStorage(page.storage);
      if (!content) {
        throw new AppError(
          'POLICY_SOURCE_INVALID',
          `Confluence page ${page.id} version ${page.version} has no code block: put the policy YAML in a code macro (language yaml).`,
          { pageVersion: page.version, errors: [] },
        );
      }
      let policy: Policy;
      try {
        policy = parsePolicyYaml(content.yaml);
      } catch (err) {
        if (!isAppError(err) || err.code !== 'POLICY_INVALID') throw err;
        const errors = (err.details as { errors: PolicyIssue[] }).errors;
        const lines = errors.map((i) => `line ${i.line}: ${i.path ? `${i.path}: ` : ''}${i.message}`);
        throw new AppError(
          'POLICY_SOURCE_INVALID',
          `Confluence page ${page.id} version ${page.version}: the policy code block is not valid (lines counted from the code block's first line):\n${lines.join('\n')}`,
          { pageVersion: page.version, errors },
        );
      }
      const hash = contentHash(content.yaml, content.referenceText);
      const active = await findActivePolicy(db);
      let changed: boolean;
      if (trigger === 'manual') {
        changed = !(active?.source === 'confluence' && active.contentHash === hash);
      } else {
        const lastFromPage = await findLatestPolicyFrom(db, ['confluence']);
        changed = !active || active.source === 'file' || active.source === 'default' || lastFromPage?.contentHash !== hash;
        if (!changed && active?.source === 'admin') {
          logger.info({ admin: active?.sourceRef }, "the policy page is unchanged: the admin's policy stays active");
        }
      }
      if (changed)
        await activate({ source: 'confluence', sourceRef, yaml: content.yaml, referenceText: content.referenceText || null }, policy);
      else if (active && active.id !== current.id) await reload();
      await recordSyncEvent(db, {
        source: 'confluence',
        sourceRef,
        trigger,
        ok: true,
        changed,
        version: policy.version,
        errorCode: null,
        error: null,
        errors: [],
      });
      return { ok: true, changed, pageId: page.id, pageVersion: page.version, version: policy.version, sourceRef };
    } catch (err) {
      const e = isAppError(err) ? err : new AppError('INTERNAL', `Policy sync failed: ${(err as Error).message ?? String(err)}`);
      const errors = (e.details as { errors?: StoredPolicyIssue[] } | undefined)?.errors ?? [];
      await recordSyncEvent(db, {
        source: 'confluence',
        sourceRef,
        trigger,
        ok: false,
        changed: false,
        version: null,
        errorCode: e.code,
        error: e.message,
        errors,
      }).catch((recordErr: Error) => logger.error({ error: recordErr.message }, 'could not record the failed policy sync'));
      logger.warn(
        { code: e.code, error: e.message, pageId: client.pageId, trigger, activeVersion: current.version },
        'policy sync from Confluence failed: the last good policy stays active',
      );
      throw e;
    }
  }

  const sync = (trigger: SyncTrigger): Promise<SyncResult> => {
    if (!client) return Promise.reject(new AppError('POLICY_SOURCE_NOT_CONFIGURED'));
    const run = queue.then(() => runSync(trigger));
    queue = run.catch(() => undefined);
    return run;
  };

  // Start-up: decide what is in force.
  if (client) {
    await sync('startup').catch(() => undefined); // recorded and logged
    if (!(await findActivePolicy(db))) {
      logger.warn(
        { source: file.kind, ref: file.ref },
        'no policy from Confluence and none stored: POLICY_FILE (or the built-in default) is in force until the page can be read',
      );
      await activateFile();
    }
  } else {
    const active = await findActivePolicy(db);
    const lastFromFile = await findLatestPolicyFrom(db, ['file', 'default']);
    const changed = !active || active.source === 'confluence' || lastFromFile?.contentHash !== contentHash(file.yaml, null);
    if (changed) await activateFile();
    else if (active.source === 'admin')
      logger.info({ admin: active.sourceRef }, "the policy file is unchanged: the admin's policy stays active");
    await recordSyncEvent(db, {
      source: file.kind,
      sourceRef: file.ref,
      trigger: 'startup',
      ok: true,
      changed,
      version: file.policy.version,
      errorCode: null,
      error: null,
      errors: [],
    });
  }
  await reload();

  const timers: { stop(): Promise<void> }[] = [];
  if (opts.timers !== false) {
    const onError = (err: unknown) => logger.warn({ error: (err as Error).message }, 'policy reload failed');
    timers.push(runEvery(opts.reloadMs ?? DEFAULT_RELOAD_MS, reload, onError));
    if (client && settings) timers.push(runEvery(settings.syncMinutes * 60_000, () => sync('schedule').catch(() => undefined), onError));
  }

  return {
    get current() {
      return current;
    },
    confluenceConfigured: client !== undefined,
    sync,
    reload,
    async replace(yaml, adminEmail) {
      const policy = parsePolicyYaml(yaml); // POLICY_INVALID with details.errors: nothing stored
      await activate({ source: 'admin', sourceRef: adminEmail, yaml, referenceText: current.referenceText }, policy);
      logger.info({ admin: adminEmail, version: policy.version }, 'policy replaced by an admin');
      return current;
    },
    async view() {
      await reload();
      const [{ last, lastOk }, history] = await Promise.all([latestSyncEvents(db), listPolicyHistory(db, HISTORY_SHOWN)]);
      return {
        version: current.version,
        source: current.source,
        sourceRef: current.sourceRef,
        activatedAt: current.activatedAt,
        yaml: current.yaml,
        policy: current.policy,
        referenceText: current.referenceText,
        confluence: client && settings ? { pageId: client.pageId, pageUrl: client.pageUrl, syncMinutes: settings.syncMinutes } : null,
        lastSync: last ? eventView(last) : null,
        lastSuccessfulSyncAt: lastOk?.at ?? null,
        history: history.map((h) => ({ version: h.version, source: h.source, sourceRef: h.sourceRef, activatedAt: h.activatedAt })),
      };
    },
    async stop() {
      await Promise.all(timers.map((t) => t.stop()));
      await queue;
    },
  };
}

function eventView(e: PolicySyncEvent): SyncEventView {
  return {
    at: e.at,
    ok: e.ok,
    changed: e.changed,
    source: e.source,
    sourceRef: e.sourceRef,
    trigger: e.trigger,
    version: e.version,
    errorCode: e.errorCode,
    error: e.error,
    errors: e.errors,
  };
}
