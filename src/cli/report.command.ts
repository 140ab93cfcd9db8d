import { parseArgs } from 'node:util';
import type { Config } from '../config/config.js';
import { createOktaConnector } from '../connectors/okta/index.js';
import { openDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrator.js';
import { findActivePolicy } from '../db/repositories/policy.repository.js';
import { DEFAULT_POLICY } from '../domain/policy.js';
import { parsePolicyYaml } from '../domain/policy-yaml.js';
import { AppError } from '../errors/error-codes.js';
import { createLogger } from '../logger.js';
import { buildCoverageReport } from '../services/coverage-report.service.js';
import { formatCoverageCsv, formatCoverageTable } from '../services/coverage-report-format.js';

const USAGE = 'Usage: resetdesk report coverage [--json | --csv]';

/**
 * `resetdesk report coverage [--json | --csv]`: the coverage report (services/coverage-report.service.ts)
 * under the policy in force in the database (the built-in default before any was stored), as a
 * table, JSON or CSV on stdout. `out` is where it is written (stdout; tests pass their own).
 */
export async function reportCommand(config: Config, args: string[], out: (text: string) => void = (t) => console.log(t)): Promise<number> {
  const [sub, ...rest] = args;
  let values: { json?: boolean; csv?: boolean };
  try {
    ({ values } = parseArgs({ args: rest, options: { json: { type: 'boolean' }, csv: { type: 'boolean' } } }));
  } catch (err) {
    throw new AppError('VALIDATION_FAILED', `${(err as Error).message}\n${USAGE}`);
  }
  if (sub !== 'coverage') throw new AppError('VALIDATION_FAILED', USAGE);
  if (values.json && values.csv) throw new AppError('VALIDATION_FAILED', `--json and --csv exclude each other.\n${USAGE}`);
  if (config.okta.kind !== 'org') {
    throw new AppError('VALIDATION_FAILED', 'resetdesk report coverage reads a real Okta org: set OKTA_ORG_URL and its credentials.');
  }
  const logger = createLogger(config.logLevel, process.stderr);
  const okta = createOktaConnector({ orgUrl: config.okta.orgUrl, auth: config.okta.auth }, { logger: logger.child({ connector: 'okta' }) });
  const database = openDatabase(config.databaseUrl);
  try {
    await migrateToLatest(database.db);
    const active = await findActivePolicy(database.db);
    const report = await buildCoverageReport({
      db: database.db,
      okta,
      policy: active ? parsePolicyYaml(active.yaml) : DEFAULT_POLICY,
      storeTypes: new Map(config.stores.map((s) => [s.name, s.type])),
    });
    if (values.json) out(JSON.stringify(report, null, 2));
    else if (values.csv) out(formatCoverageCsv(report).trimEnd());
    else out(formatCoverageTable(report));
    return 0;
  } finally {
    await database.close();
  }
}
