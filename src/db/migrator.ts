import { type Migration, type MigrationProvider, Migrator } from 'kysely';
import type { Db } from './database.js';
import * as initial from './migrations/2026-11-23T00-00-00-initial.js';
import * as jobFairKey from './migrations/2026-11-23T12-00-00-job-fair-key.js';
import * as webSessions from './migrations/2026-11-23T20-00-00-web-sessions.js';
import * as auditChain from './migrations/2026-11-24T01-00-00-audit-chain.js';
import * as policies from './migrations/2026-11-24T02-00-00-policies.js';
import * as requestQuestions from './migrations/2026-11-24T03-00-00-request-questions.js';
import * as verification from './migrations/2026-11-24T04-00-00-verification.js';
import * as resetConfirmation from './migrations/2026-11-24T05-00-00-reset-confirmation.js';
import * as serviceNowIncident from './migrations/2026-11-24T06-00-00-servicenow-incident.js';
import * as credentialStores from './migrations/2026-11-25T01-00-00-credential-stores.js';
import * as conversations from './migrations/2026-11-25T02-00-00-conversations.js';
import * as slackApprovals from './migrations/2026-11-25T03-00-00-slack-approvals.js';
import * as teams from './migrations/2026-11-25T04-00-00-teams.js';
import * as agentRuns from './migrations/2026-11-25T05-00-00-agent-runs.js';
import * as jobNotify from './migrations/2026-11-25T06-00-00-job-notify.js';
import * as appSync from './migrations/2026-11-25T07-00-00-app-sync.js';
import * as oktaBudget from './migrations/2026-11-25T08-00-00-okta-budget.js';
import * as oktaResetClaims from './migrations/2026-11-26T08-00-00-okta-reset-claims.js';

/**
 * Migrations are listed here rather than read from a folder, so they work the same from src/
 * (tests) and from dist/ (the built CLI). Add new ones in timestamp order.
 */
const MIGRATIONS: Record<string, Migration> = {
  '2026-11-23T00-00-00-initial': initial,
  '2026-11-23T12-00-00-job-fair-key': jobFairKey,
  '2026-11-23T20-00-00-web-sessions': webSessions,
  '2026-11-24T01-00-00-audit-chain': auditChain,
  '2026-11-24T02-00-00-policies': policies,
  '2026-11-24T03-00-00-request-questions': requestQuestions,
  '2026-11-24T04-00-00-verification': verification,
  '2026-11-24T05-00-00-reset-confirmation': resetConfirmation,
  '2026-11-24T06-00-00-servicenow-incident': serviceNowIncident,
  '2026-11-25T01-00-00-credential-stores': credentialStores,
  '2026-11-25T02-00-00-conversations': conversations,
  '2026-11-25T03-00-00-slack-approvals': slackApprovals,
  '2026-11-25T04-00-00-teams': teams,
  '2026-11-25T05-00-00-agent-runs': agentRuns,
  '2026-11-25T06-00-00-job-notify': jobNotify,
  '2026-11-25T07-00-00-app-sync': appSync,
  '2026-11-25T08-00-00-okta-budget': oktaBudget,
  '2026-11-26T08-00-00-okta-reset-claims': oktaResetClaims,
};

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

/** Applies every pending migration; returns the names applied. Throws on the first failure. */
export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`Migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
