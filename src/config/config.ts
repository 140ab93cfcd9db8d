import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { type ConfluenceConfig, confluenceConnector } from '../connectors/confluence/index.js';
import { checkConnectorConfig } from '../connectors/connector.js';
import { type LlmConfig, llmConnector } from '../connectors/llm/index.js';
import { type OidcConfig, oidcConnector } from '../connectors/oidc/index.js';
import { type OktaConfig, oktaConnector } from '../connectors/okta/index.js';
import { type ServiceNowConfig, serviceNowConnector } from '../connectors/servicenow/index.js';
import { type SlackConfig, slackConnector } from '../connectors/slack/index.js';
import { type TeamsConfig, teamsConnector } from '../connectors/teams/index.js';
import { AppError } from '../errors/error-codes.js';
import { configSchema, configShape, decodeKey, type RawConfig } from './config.schema.js';
import { type ConfiguredStore, readStoresFile } from './stores-file.js';

/**
 * Okta as resetdesk reaches it: a real org (settings already validated by the Okta connector's
 * schema), or the embedded sandbox started by `serve`.
 */
type OktaSettings =
  | { kind: 'sandbox'; fixturePath: string | undefined; port: number }
  | ({ kind: 'org' } & Pick<OktaConfig, 'orgUrl' | 'auth'>);

/** Parsed, validated configuration; built once at start-up. */
export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  publicUrl: string | undefined;
  logLevel: RawConfig['LOG_LEVEL'];
  okta: OktaSettings;
  /** Minutes between scheduled catalog syncs from Okta (OKTA_APPS_SYNC_MINUTES); undefined = none. */
  oktaAppsSyncMinutes: number | undefined;
  /** undefined = the built-in dev mailbox. */
  smtpUrl: string | undefined;
  mailFrom: string;
  policyFile: string | undefined;
  /** The policy page in Confluence (settings checked by its connector); undefined = the policy file is the source. */
  confluence: (ConfluenceConfig & { syncMinutes: number }) | undefined;
  /** ServiceNow incidents for escalations (settings checked by its connector); undefined = none are made. */
  serviceNow: ServiceNowConfig | undefined;
  /** The optional LLM agent (settings checked by its connector); undefined = no model is ever called. */
  llm: LlmConfig | undefined;
  /** The Slack channel (settings checked by its connector); undefined = no Slack. */
  slack: SlackConfig | undefined;
  /** The Microsoft Teams channel (settings checked by its connector); undefined = no Teams. */
  teams: TeamsConfig | undefined;
  /** Credential stores declared in STORES_FILE (stores-file.ts); empty = only `okta` and `swa-link`. */
  stores: ConfiguredStore[];
  /** JOB_SECRET_KEY's bytes: seals passwords in email jobs (jobs/sealed-secret.ts); null when unset. */
  jobSecretKey: Buffer | null;
  /** METRICS_TOKEN: a bearer secret that may read GET /metrics (and nothing else); undefined = admins only. */
  metricsToken: string | undefined;
  /**
   * concurrency: jobs other than triage at once; triageMaxInFlight: a ceiling on triages at once,
   * which are otherwise admitted as Okta's read budget allows (TRIAGE_MAX_IN_FLIGHT).
   */
  worker: { concurrency: number; triageMaxInFlight: number; pollMs: number; leaseMs: number; shutdownDrainMs: number };
  /** What this instance runs (ROLE; `serve --role` overrides it). */
  role: 'all' | 'api' | 'worker';
  bodyLimit: number;
  requestTimeoutMs: number;
  trustProxy: boolean | string[];
  limits: Limits;
  signIn: SignInSettings;
  /** Per-reset cost estimates behind the dashboard's "cost avoided". */
  costs: { helpDeskResetCost: number; selfServiceResetCost: number };
}

/** Sign-in to the web app; see docs/operations.md, "Security model". */
interface SignInSettings {
  /** A configured OpenID provider; undefined = the embedded sandbox's demo provider when it runs, else no sign-in. */
  oidc: OidcConfig | undefined;
  /** Members of these groups sign in as approvers, of `adminGroups` as admins; everyone else as a requester. */
  approverGroups: string[];
  adminGroups: string[];
  sessionTtlHours: number;
}

/** Abuse limits; 0 switches one off. See docs/operations.md, "Security model". */
export interface Limits {
  perIpPerMinute: number;
  perTokenPerMinute: number;
  perIntakeTokenPerMinute: number;
  requestsPerPersonPerHour: number;
  openRequestsPerPerson: number;
  /** False: a second identical open request is filed anyway (DUPLICATE_REQUESTS=allow). */
  reuseOpenDuplicates: boolean;
}

/** Variables that hold secrets; never echoed back in messages. */
const SECRET_KEYS = new Set([
  'OKTA_API_TOKEN',
  'OKTA_PRIVATE_KEY',
  'SMTP_URL',
  'DATABASE_URL',
  'OIDC_CLIENT_SECRET',
  'CONFLUENCE_API_TOKEN',
  'SERVICENOW_PASSWORD',
  'SERVICENOW_CLIENT_SECRET',
  'JOB_SECRET_KEY',
  'METRICS_TOKEN',
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
  'MICROSOFT_APP_PASSWORD',
  'LLM_API_KEY',
]);

/**
 * Reads configuration from `env`, layered over the file named by RESETDESK_CONFIG_FILE (JSON or
 * YAML with the same keys). Throws AppError CONFIG_INVALID whose message names every bad variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const fromFile = env.RESETDESK_CONFIG_FILE ? readConfigFile(env.RESETDESK_CONFIG_FILE) : {};
  const merged: Record<string, unknown> = { ...fromFile };
  for (const key of Object.keys(configShape)) {
    const value = env[key];
    if (value !== undefined && value !== '') merged[key] = value;
  }
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => ({ key: String(issue.path[0] ?? 'configuration'), message: issue.message }));
    throw invalidConfig(problems, merged);
  }
  return toConfig(parsed.data, env);
}

/** CONFIG_INVALID naming each variable; non-secret values are shown, with any user:pass@ hidden. */
function invalidConfig(problems: { key: string; message: string }[], values: Record<string, unknown>): AppError {
  const lines = problems.map(({ key, message }) => {
    const value = values[key];
    const shown = SECRET_KEYS.has(key) || value === undefined ? '' : ` (got "${String(value).replace(/\/\/[^@/\s]*@/g, '//***@')}")`;
    return `  ${key}: ${message}${shown}`;
  });
  return new AppError('CONFIG_INVALID', `Invalid configuration:\n${lines.join('\n')}`);
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new AppError('CONFIG_INVALID', `RESETDESK_CONFIG_FILE: cannot read ${path}: ${(err as Error).message}`);
  }
  let data: unknown;
  try {
    data = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new AppError('CONFIG_INVALID', `RESETDESK_CONFIG_FILE: ${path} is not valid JSON/YAML: ${(err as Error).message}`);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new AppError('CONFIG_INVALID', `RESETDESK_CONFIG_FILE: ${path} must hold a mapping of VARIABLE: value`);
  }
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, typeof v === 'string' ? v : String(v)]));
}

function toConfig(c: RawConfig, env: NodeJS.ProcessEnv): Config {
  return {
    port: c.PORT,
    host: c.HOST,
    databaseUrl: c.DATABASE_URL,
    publicUrl: c.PUBLIC_URL,
    logLevel: c.LOG_LEVEL,
    okta: oktaSettings(c),
    oktaAppsSyncMinutes: c.OKTA_APPS_SYNC_MINUTES,
    smtpUrl: c.SMTP_URL,
    mailFrom: c.MAIL_FROM,
    policyFile: c.POLICY_FILE,
    confluence: confluenceSettings(c),
    serviceNow: serviceNowSettings(c),
    slack: slackSettings(c),
    teams: teamsSettings(c),
    llm: llmSettings(c),
    stores: c.STORES_FILE ? readStoresFile(c.STORES_FILE, env) : [],
    jobSecretKey: c.JOB_SECRET_KEY ? decodeKey(c.JOB_SECRET_KEY) : null,
    metricsToken: c.METRICS_TOKEN,
    worker: {
      concurrency: c.WORKER_CONCURRENCY,
      triageMaxInFlight: c.TRIAGE_MAX_IN_FLIGHT,
      pollMs: c.WORKER_POLL_MS,
      leaseMs: c.WORKER_LEASE_MS,
      shutdownDrainMs: c.SHUTDOWN_DRAIN_MS,
    },
    role: c.ROLE,
    bodyLimit: c.BODY_LIMIT,
    requestTimeoutMs: c.REQUEST_TIMEOUT_MS,
    trustProxy: c.TRUST_PROXY === 'true' ? true : c.TRUST_PROXY === 'false' ? false : c.TRUST_PROXY.split(/\s*,\s*/),
    limits: {
      perIpPerMinute: c.RATE_LIMIT_PER_IP,
      perTokenPerMinute: c.RATE_LIMIT_PER_TOKEN,
      perIntakeTokenPerMinute: c.RATE_LIMIT_PER_INTAKE_TOKEN,
      requestsPerPersonPerHour: c.REQUESTS_PER_PERSON_PER_HOUR,
      openRequestsPerPerson: c.OPEN_REQUESTS_PER_PERSON,
      reuseOpenDuplicates: c.DUPLICATE_REQUESTS === 'reuse',
    },
    costs: { helpDeskResetCost: c.HELPDESK_RESET_COST, selfServiceResetCost: c.SELF_SERVICE_RESET_COST },
    signIn: {
      oidc: oidcSettings(c),
      approverGroups: groupList(c.OIDC_APPROVER_GROUPS),
      adminGroups: groupList(c.OIDC_ADMIN_GROUPS),
      sessionTtlHours: c.SESSION_TTL_HOURS,
    },
  };
}

const groupList = (value: string): string[] =>
  value
    .split(',')
    .map((g) => g.trim())
    .filter(Boolean);

/** The variable that sets each OIDC connector field. */
const OIDC_VARIABLES: Record<string, string> = {
  issuer: 'OIDC_ISSUER',
  clientId: 'OIDC_CLIENT_ID',
  clientSecret: 'OIDC_CLIENT_SECRET',
  scopes: 'OIDC_SCOPES',
  groupsClaim: 'OIDC_GROUPS_CLAIM',
};

/** Assembles the OIDC connector's settings from the variables and checks them with its schema. */
function oidcSettings(c: RawConfig): OidcConfig | undefined {
  if (!c.OIDC_ISSUER) return undefined;
  const input = {
    issuer: c.OIDC_ISSUER,
    clientId: c.OIDC_CLIENT_ID,
    ...(c.OIDC_CLIENT_SECRET ? { clientSecret: c.OIDC_CLIENT_SECRET } : {}),
    ...(c.OIDC_SCOPES ? { scopes: c.OIDC_SCOPES.split(/[\s,]+/).filter(Boolean) } : {}),
    ...(c.OIDC_GROUPS_CLAIM ? { groupsClaim: c.OIDC_GROUPS_CLAIM } : {}),
  };
  const checked = checkConnectorConfig(oidcConnector.configSchema, input);
  if (!checked.ok) {
    throw invalidConfig(
      checked.problems.map((p) => ({ key: OIDC_VARIABLES[p.path.split('.')[0] ?? ''] ?? 'OIDC_ISSUER', message: p.message })),
      c,
    );
  }
  return checked.config;
}

/** The variable that sets each Okta connector field, so messages name what a person edits. */
const OKTA_VARIABLES: Record<string, string> = {
  orgUrl: 'OKTA_ORG_URL',
  'auth.token': 'OKTA_API_TOKEN',
  'auth.clientId': 'OKTA_CLIENT_ID',
  'auth.privateKeyPem': 'OKTA_PRIVATE_KEY',
  'auth.keyId': 'OKTA_KEY_ID',
  'auth.scopes': 'OKTA_SCOPES',
};

/** `auth.scopes.1` → OKTA_SCOPES: the variable of the nearest enclosing field that has one. */
function oktaVariable(path: string, pemFromFile: boolean): string {
  for (let p = path; p; p = p.slice(0, Math.max(0, p.lastIndexOf('.')))) {
    if (p === 'auth.privateKeyPem' && pemFromFile) return 'OKTA_PRIVATE_KEY_FILE';
    const name = OKTA_VARIABLES[p];
    if (name) return name;
  }
  return 'OKTA_ORG_URL';
}

/** Assembles the Okta connector's settings from the variables and checks them with its schema. */
function oktaSettings(c: RawConfig): OktaSettings {
  if (!c.OKTA_ORG_URL) return { kind: 'sandbox', fixturePath: c.OKTA_SANDBOX_FIXTURE, port: c.OKTA_SANDBOX_PORT };
  // OKTA_PRIVATE_KEY wins over OKTA_PRIVATE_KEY_FILE.
  const pemFile = c.OKTA_PRIVATE_KEY ? undefined : c.OKTA_PRIVATE_KEY_FILE;
  let pem = c.OKTA_PRIVATE_KEY;
  if (pemFile) {
    try {
      pem = readFileSync(pemFile, 'utf8');
    } catch (err) {
      throw new AppError('CONFIG_INVALID', `OKTA_PRIVATE_KEY_FILE: cannot read ${pemFile}: ${(err as Error).message}`);
    }
  }
  const auth = c.OKTA_API_TOKEN
    ? { kind: 'ssws' as const, token: c.OKTA_API_TOKEN }
    : {
        kind: 'private_key_jwt' as const,
        clientId: c.OKTA_CLIENT_ID ?? '',
        // Environment variables often carry PEMs with literal \n sequences.
        privateKeyPem: (pem ?? '').replace(/\\n/g, '\n'),
        ...(c.OKTA_KEY_ID ? { keyId: c.OKTA_KEY_ID } : {}),
        ...(c.OKTA_SCOPES ? { scopes: c.OKTA_SCOPES.split(/[\s,]+/).filter(Boolean) } : {}),
      };
  const checked = checkConnectorConfig(oktaConnector.configSchema, { orgUrl: c.OKTA_ORG_URL, auth });
  if (!checked.ok) {
    const problems = checked.problems.map((p) => ({ key: oktaVariable(p.path, pemFile !== undefined), message: p.message }));
    throw invalidConfig(problems, c);
  }
  return { kind: 'org', orgUrl: checked.config.orgUrl, auth: checked.config.auth };
}

/** The variable that sets each Confluence connector field. */
const CONFLUENCE_VARIABLES: Record<string, string> = {
  baseUrl: 'CONFLUENCE_BASE_URL',
  email: 'CONFLUENCE_EMAIL',
  apiToken: 'CONFLUENCE_API_TOKEN',
  pageId: 'CONFLUENCE_POLICY_PAGE_ID',
};

/** Assembles the Confluence connector's settings (the schema checked all four are set together). */
function confluenceSettings(c: RawConfig): Config['confluence'] {
  if (!c.CONFLUENCE_BASE_URL) return undefined;
  const input = {
    baseUrl: c.CONFLUENCE_BASE_URL,
    email: c.CONFLUENCE_EMAIL,
    apiToken: c.CONFLUENCE_API_TOKEN,
    pageId: c.CONFLUENCE_POLICY_PAGE_ID,
  };
  const checked = checkConnectorConfig(confluenceConnector.configSchema, input);
  if (!checked.ok) {
    throw invalidConfig(
      checked.problems.map((p) => ({ key: CONFLUENCE_VARIABLES[p.path.split('.')[0] ?? ''] ?? 'CONFLUENCE_BASE_URL', message: p.message })),
      c,
    );
  }
  return { ...checked.config, syncMinutes: c.CONFLUENCE_SYNC_MINUTES };
}

/** The variable that sets each ServiceNow connector field. */
const SERVICENOW_VARIABLES: Record<string, string> = {
  instanceUrl: 'SERVICENOW_INSTANCE_URL',
  'auth.username': 'SERVICENOW_USERNAME',
  'auth.password': 'SERVICENOW_PASSWORD',
  'auth.clientId': 'SERVICENOW_CLIENT_ID',
  'auth.clientSecret': 'SERVICENOW_CLIENT_SECRET',
  timeoutMs: 'SERVICENOW_TIMEOUT_MS',
};

/** Assembles the ServiceNow connector's settings (the schema checked the credentials come as a set). */
function serviceNowSettings(c: RawConfig): ServiceNowConfig | undefined {
  if (!c.SERVICENOW_INSTANCE_URL) return undefined;
  const auth = c.SERVICENOW_CLIENT_ID
    ? { kind: 'oauth' as const, clientId: c.SERVICENOW_CLIENT_ID, clientSecret: c.SERVICENOW_CLIENT_SECRET }
    : { kind: 'basic' as const, username: c.SERVICENOW_USERNAME, password: c.SERVICENOW_PASSWORD };
  const input = { instanceUrl: c.SERVICENOW_INSTANCE_URL, auth, timeoutMs: c.SERVICENOW_TIMEOUT_MS };
  return checkedSettings(serviceNowConnector.configSchema, input, c, (path) => {
    const [first = '', second] = path.split('.');
    return (
      SERVICENOW_VARIABLES[second === undefined ? first : `${first}.${second}`] ?? SERVICENOW_VARIABLES[first] ?? 'SERVICENOW_INSTANCE_URL'
    );
  });
}

const SLACK_VARIABLES: Record<string, string> = {
  botToken: 'SLACK_BOT_TOKEN',
  signingSecret: 'SLACK_SIGNING_SECRET',
  approversChannel: 'SLACK_APPROVERS_CHANNEL',
  apiUrl: 'SLACK_API_URL',
  appToken: 'SLACK_APP_TOKEN',
};

/** Assembles the Slack connector's settings (the schema checked the three come together). */
function slackSettings(c: RawConfig): SlackConfig | undefined {
  if (!c.SLACK_BOT_TOKEN) return undefined;
  const input = {
    botToken: c.SLACK_BOT_TOKEN,
    signingSecret: c.SLACK_SIGNING_SECRET,
    approversChannel: c.SLACK_APPROVERS_CHANNEL,
    ...(c.SLACK_API_URL ? { apiUrl: c.SLACK_API_URL } : {}),
    ...(c.SLACK_APP_TOKEN ? { appToken: c.SLACK_APP_TOKEN } : {}),
  };
  return checkedSettings(slackConnector.configSchema, input, c, (path) => SLACK_VARIABLES[path.split('.')[0] ?? ''] ?? 'SLACK_BOT_TOKEN');
}

const TEAMS_VARIABLES: Record<string, string> = {
  appId: 'MICROSOFT_APP_ID',
  appPassword: 'MICROSOFT_APP_PASSWORD',
  tenantId: 'MICROSOFT_APP_TENANT_ID',
  approversConversation: 'TEAMS_APPROVERS_CONVERSATION',
  openIdMetadataUrl: 'TEAMS_OPENID_METADATA_URL',
  loginUrl: 'TEAMS_LOGIN_URL',
  serviceUrl: 'TEAMS_SERVICE_URL',
};

/** Assembles the Teams connector's settings (the schema checked the three come together). */
function teamsSettings(c: RawConfig): TeamsConfig | undefined {
  if (!c.MICROSOFT_APP_ID) return undefined;
  const input = {
    appId: c.MICROSOFT_APP_ID,
    appPassword: c.MICROSOFT_APP_PASSWORD,
    tenantId: c.MICROSOFT_APP_TENANT_ID,
    ...(c.TEAMS_APPROVERS_CONVERSATION ? { approversConversation: c.TEAMS_APPROVERS_CONVERSATION } : {}),
    ...(c.TEAMS_OPENID_METADATA_URL ? { openIdMetadataUrl: c.TEAMS_OPENID_METADATA_URL } : {}),
    ...(c.TEAMS_LOGIN_URL ? { loginUrl: c.TEAMS_LOGIN_URL } : {}),
    ...(c.TEAMS_SERVICE_URL ? { serviceUrl: c.TEAMS_SERVICE_URL } : {}),
  };
  return checkedSettings(teamsConnector.configSchema, input, c, (path) => TEAMS_VARIABLES[path.split('.')[0] ?? ''] ?? 'MICROSOFT_APP_ID');
}

const LLM_VARIABLES: Record<string, string> = { baseUrl: 'LLM_BASE_URL', apiKey: 'LLM_API_KEY', model: 'LLM_MODEL' };

/** Assembles the LLM connector's settings (the schema checked the three come together). */
function llmSettings(c: RawConfig): LlmConfig | undefined {
  if (!c.LLM_BASE_URL) return undefined;
  const input = { baseUrl: c.LLM_BASE_URL, apiKey: c.LLM_API_KEY, model: c.LLM_MODEL };
  return checkedSettings(llmConnector.configSchema, input, c, (path) => LLM_VARIABLES[path.split('.')[0] ?? ''] ?? 'LLM_BASE_URL');
}

/**
 * A connector's settings from its variables, checked by the connector's own schema; its problems
 * are reported as CONFIG_INVALID under the variable (`variableOf` maps a schema path to it).
 */
function checkedSettings<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
  c: RawConfig,
  variableOf: (path: string) => string,
): z.output<Schema> {
  const checked = checkConnectorConfig(schema, input);
  if (checked.ok) return checked.config;
  throw invalidConfig(
    checked.problems.map((p) => ({ key: variableOf(p.path), message: p.message })),
    c,
  );
}
