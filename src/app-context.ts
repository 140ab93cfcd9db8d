import type { Logger } from 'pino';
import type { Config } from './config/config.js';
import type { LlmClient } from './connectors/llm/index.js';
import type { OktaConnector } from './connectors/okta/index.js';
import type { ServiceNowClient } from './connectors/servicenow/index.js';
import type { SlackConnector } from './connectors/slack/index.js';
import type { Mailer } from './connectors/smtp/index.js';
import type { TeamsConnector } from './connectors/teams/index.js';
import type { Db, DialectName } from './db/database.js';
import type { Policy } from './domain/policy.js';
import type { Metrics } from './observability/metrics.js';
import type { CredentialStores } from './services/credential-stores.js';
import type { PolicyService } from './services/policy.service.js';
import type { IdentityResolver } from './services/separation-of-duties.js';
import type { SignIn } from './services/sign-in.service.js';

/** What services and jobs need, built once by createApp and passed down explicitly. */
export interface AppContext {
  config: Config;
  db: Db;
  dialect: DialectName;
  logger: Logger;
  okta: OktaConnector;
  mailer: Mailer;
  /** ServiceNow incidents for escalations (jobs/servicenow.jobs.ts); undefined when not configured. */
  serviceNow?: ServiceNowClient;
  /** The optional LLM agent for chat (connectors/llm); undefined: no model is ever called. */
  llm?: LlmClient;
  /** The Slack channel's connector (services/slack-channel.service.ts); undefined when not configured. */
  slack?: SlackConnector;
  /** The Microsoft Teams channel's connector (services/teams-channel.service.ts); undefined when not configured. */
  teams?: TeamsConnector;
  /** The credential stores of STORES_FILE (services/credential-stores.ts); none configured = empty. */
  stores: CredentialStores;
  /**
   * resetdesk's own address as outside systems reach it: PUBLIC_URL, else the address it listens
   * on (loopback). External executors call back here; undefined before the server listens.
   */
  baseUrl(): string | undefined;
  /** The policy in force (policies.current.policy): read it at each use, it changes while running. */
  readonly policy: Policy;
  /** Where the policy comes from, its history and its sync (services/policy.service.ts). */
  policies: PolicyService;
  /** Okta identities of the people acting (approvers), briefly cached. */
  identities: IdentityResolver;
  /** Web sign-in (OpenID Connect); undefined when none is configured and no demo provider runs. */
  signIn?: SignIn;
  /** Nudges the in-process worker after enqueueing, so work starts without waiting for a poll. */
  wakeWorker(): void;
  /** This instance's Prometheus metrics (observability/metrics.ts), scraped at GET /metrics. */
  metrics: Metrics;
}
