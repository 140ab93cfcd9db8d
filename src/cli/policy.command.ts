import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Config } from '../config/config.js';
import { extractPolicyFromStorage } from '../connectors/confluence/index.js';
import { openDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrator.js';
import { findActivePolicy, latestSyncEvents } from '../db/repositories/policy.repository.js';
import type { PolicyIssue } from '../domain/policy-yaml.js';
import { parsePolicyYaml } from '../domain/policy-yaml.js';
import { AppError, isAppError } from '../errors/error-codes.js';

const USAGE = 'Usage: resetdesk policy check FILE | resetdesk policy show';

/**
 * `resetdesk policy check FILE`: validates a policy file (or a saved Confluence page in storage
 * format: its code block), printing `FILE:LINE: path: problem` for every error, like a compiler,
 * so editors can jump to them. `resetdesk policy show`: the policy in force in the database.
 * `loadConfig` is only called by `show`: checking a file needs no configuration.
 */
export async function policyCommand(args: string[], loadConfig: () => Config): Promise<number> {
  const [sub, ...rest] = args;
  const { positionals } = parseArgs({ args: rest, allowPositionals: true, options: {} });
  if (sub === 'check') {
    const file = positionals[0];
    if (!file || positionals.length > 1) throw new AppError('VALIDATION_FAILED', 'Usage: resetdesk policy check FILE');
    return checkFile(file);
  }
  if (sub === 'show' && positionals.length === 0) return show(loadConfig());
  throw new AppError('VALIDATION_FAILED', USAGE);
}

function checkFile(file: string): number {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new AppError('VALIDATION_FAILED', `Cannot read ${file}: ${(err as Error).message}`);
  }
  let yaml = text;
  let where = '';
  if (/<ac:structured-macro\b/.test(text)) {
    // A page in Confluence storage format: check its policy code block, as a sync would.
    const content = extractPolicyFromStorage(text);
    if (!content) {
      console.error(`${file}: a Confluence page without a code block: put the policy YAML in a code macro (language yaml)`);
      return 1;
    }
    yaml = content.yaml;
    where = ' (the code block; lines counted from its first line)';
  }
  try {
    const policy = parsePolicyYaml(yaml);
    console.log(`${file}: valid${where}, version ${policy.version}`);
    return 0;
  } catch (err) {
    if (!isAppError(err) || err.code !== 'POLICY_INVALID') throw err;
    const { errors } = err.details as { errors: PolicyIssue[] };
    for (const issue of errors) console.error(`${file}:${issue.line}: ${issue.path ? `${issue.path}: ` : ''}${issue.message}`);
    console.error(`${file}: ${errors.length} error(s)${where}; the policy is not valid`);
    return 1;
  }
}

async function show(config: Config): Promise<number> {
  const database = openDatabase(config.databaseUrl);
  try {
    await migrateToLatest(database.db);
    const active = await findActivePolicy(database.db);
    const { last } = await latestSyncEvents(database.db);
    if (!active) {
      console.log(
        'No policy stored yet: resetdesk serve activates POLICY_FILE (or the built-in default, or the Confluence page) at start-up.',
      );
      return 0;
    }
    console.log(`Version:     ${active.version}`);
    console.log(`Source:      ${active.source} (${active.sourceRef})`);
    console.log(`Activated:   ${active.activatedAt}`);
    if (last) {
      console.log(
        `Last sync:   ${last.at} ${last.ok ? 'ok' : 'FAILED'} (${last.source}, ${last.trigger})${last.error ? `\n  ${last.error.replace(/\n/g, '\n  ')}` : ''}`,
      );
    }
    console.log('');
    console.log(active.yaml.trimEnd());
    return 0;
  } finally {
    await database.close();
  }
}
