import { z } from 'zod';
import { confluenceConnector } from '../connectors/confluence/index.js';
import { oidcConnector } from '../connectors/oidc/index.js';
import { oktaConnector } from '../connectors/okta/index.js';
import { serviceNowConnector } from '../connectors/servicenow/index.js';
import { smtpConnector } from '../connectors/smtp/index.js';
import { isLoopbackHost } from './loopback.js';

/**
 * The one configuration schema. Keys are the environment variable names, so every message can
 * name the variable a person has to fix. Values come from the environment, optionally layered
 * over a config file (see config.ts). Connector settings are checked by the connectors' own
 * schemas: a variable that is one connector field reuses that field's schema here, and
 * config.ts validates the assembled Okta settings with the whole Okta schema.
 */
const optionalString = z
  .string()
  .transform((v) => v.trim())
  .pipe(z.string())
  .optional()
  .transform((v) => (v === '' ? undefined : v));

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

const httpUrl = z
  .string()
  .trim()
  .refine((v) => /^https?:\/\/[^/\s]+/i.test(v), 'must be an http:// or https:// URL')
  .transform((v) => v.replace(/\/+$/, ''));

/** A count per time window; 0 switches the limit off. */
const limit = (fallback: number) => z.coerce.number().int().min(0).max(1_000_000).default(fallback);

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Every variable resetdesk reads, by name. */
export const configShape = {
  PORT: port(3000),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .trim()
    .default('sqlite:./data/resetdesk.db')
    .refine(
      (v) => v.startsWith('sqlite:') || /^postgres(ql)?:\/\//.test(v),
      'must start with sqlite: (e.g. sqlite:./data/resetdesk.db) or postgres://',
    ),
  PUBLIC_URL: httpUrl.optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),

  OKTA_ORG_URL: oktaConnector.configSchema.shape.orgUrl.optional(),
  OKTA_API_TOKEN: optionalString,
  OKTA_CLIENT_ID: optionalString,
  OKTA_PRIVATE_KEY: optionalString,
  OKTA_PRIVATE_KEY_FILE: optionalString,
  OKTA_KEY_ID: optionalString,
  OKTA_SCOPES: optionalString,
  /** Fixture for the embedded Okta sandbox (used only when OKTA_ORG_URL is unset). */
  OKTA_SANDBOX_FIXTURE: optionalString,
  OKTA_SANDBOX_PORT: port(0),
  /** Minutes between scheduled catalog syncs from Okta (`resetdesk apps sync`); unset = no scheduled sync. */
  OKTA_APPS_SYNC_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .optional(),

  SMTP_URL: smtpConnector.configSchema.shape.url.optional(),
  MAIL_FROM: smtpConnector.configSchema.shape.from.default('resetdesk <it-support@example.com>'),

  POLICY_FILE: optionalString,
  /** The policy from a Confluence Cloud page: all four or none (docs/configuration.md, "The policy page"). */
  CONFLUENCE_BASE_URL: confluenceConnector.configSchema.shape.baseUrl.optional(),
  CONFLUENCE_EMAIL: optionalString,
  CONFLUENCE_API_TOKEN: optionalString,
  CONFLUENCE_POLICY_PAGE_ID: optionalString,
  /** Minutes between scheduled reads of the policy page. */
  CONFLUENCE_SYNC_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(15),
  /**
   * ServiceNow incidents for escalations (docs/configuration.md, "ServiceNow incidents"): the
   * instance, and Basic (USERNAME + PASSWORD) or OAuth client credentials (CLIENT_ID + CLIENT_SECRET).
   */
  SERVICENOW_INSTANCE_URL: serviceNowConnector.configSchema.shape.instanceUrl.optional(),
  SERVICENOW_USERNAME: optionalString,
  SERVICENOW_PASSWORD: optionalString,
  SERVICENOW_CLIENT_ID: optionalString,
  SERVICENOW_CLIENT_SECRET: optionalString,
  /** Per ServiceNow call, until the whole answer has been read. */
  SERVICENOW_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /** Slack (docs/slack.md): the bot's token, the app's signing secret and the approvers' channel — all three or none. */
  SLACK_BOT_TOKEN: optionalString,
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_APPROVERS_CHANNEL: optionalString,
  /** The Slack Web API base (default Slack's own); tests point it at a fake. */
  SLACK_API_URL: optionalString,
  /** Socket Mode (docs/slack.md): an app-level token (xapp-…); then SLACK_SIGNING_SECRET is not needed. */
  SLACK_APP_TOKEN: optionalString,
  /** Microsoft Teams (docs/teams.md): the Azure Bot's app id, its client secret and the tenant — all three or none. */
  MICROSOFT_APP_ID: optionalString,
  MICROSOFT_APP_PASSWORD: optionalString,
  MICROSOFT_APP_TENANT_ID: optionalString,
  /** The Teams conversation approval cards are posted to (optional; only with the three above). */
  TEAMS_APPROVERS_CONVERSATION: optionalString,
  /** Overrides for tests and sovereign clouds, only with the three above: the Bot Framework's OpenID metadata, the token endpoint, the Bot Connector service. */
  TEAMS_OPENID_METADATA_URL: optionalString,
  TEAMS_LOGIN_URL: optionalString,
  TEAMS_SERVICE_URL: optionalString,
  /** The optional LLM agent for chat (docs/configuration.md, "The LLM agent"): all three or none. */
  LLM_BASE_URL: optionalString,
  LLM_API_KEY: optionalString,
  LLM_MODEL: optionalString,
  /** Credential stores beyond `okta` and `swa-link` (docs/configuration.md, "Credential stores"). */
  STORES_FILE: optionalString,
  /**
   * 32 bytes, base64 or 64 hex digits: seals a generated password inside its email job until the
   * email is sent (AES-256-GCM). Required with STORES_FILE.
   */
  JOB_SECRET_KEY: z
    .string()
    .trim()
    .refine((v) => decodeKey(v) !== null, 'must be 32 bytes as 64 hex digits or base64 (e.g. openssl rand -base64 32)')
    .optional(),
  /**
   * A bearer secret for GET /metrics, so Prometheus scrapes without an admin API token (which could
   * do anything else too). Unset: only admins read the metrics (and, in the demo, anyone on loopback).
   */
  METRICS_TOKEN: z.string().trim().min(24, 'must be at least 24 characters (e.g. openssl rand -base64 32)').optional(),
  /**
   * OpenTelemetry traces (src/observability/tracing.ts). The SDK reads these from the environment
   * itself, before configuration loads; here so a bad value still stops start-up, naming it.
   */
  OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl.optional(),
  OTEL_SERVICE_NAME: optionalString,
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  TRIAGE_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(10_000).default(256),
  WORKER_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(250),
  /**
   * A running job's claim (renewed every third of it while the job runs): an instance that dies
   * holding jobs hands them to the others within about this long.
   */
  WORKER_LEASE_MS: z.coerce.number().int().min(1000).max(600_000).default(10_000),
  /** What this instance runs: `all` (HTTP and background work), `api` (HTTP only) or `worker` (background work, health checks only). */
  ROLE: z.enum(['all', 'api', 'worker'], { error: 'must be all, api or worker' }).default('all'),
  /** On SIGTERM, how long running jobs may take to finish before they are handed to other instances. */
  SHUTDOWN_DRAIN_MS: z.coerce.number().int().min(0).max(600_000).default(20_000),
  /** Largest accepted HTTP body, in bytes. */
  BODY_LIMIT: z.coerce
    .number()
    .int()
    .min(1024)
    .max(10 * 1024 * 1024)
    .default(64 * 1024),
  /** A whole HTTP request (headers and body) must arrive within this many milliseconds. */
  REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
  /** Whose X-Forwarded-For to believe for the client's IP: false, true, or proxy addresses/CIDRs (comma-separated). */
  TRUST_PROXY: z
    .string()
    .trim()
    .regex(
      /^(true|false|[0-9a-fA-F.:/]+(\s*,\s*[0-9a-fA-F.:/]+)*)$/,
      'must be true, false or a comma-separated list of proxy addresses/CIDRs',
    )
    .default('false'),

  /** API calls per client IP per minute, before authentication (0 = no limit). */
  RATE_LIMIT_PER_IP: limit(3000),
  /** API calls per personal token (requester, approver, admin) per minute. */
  RATE_LIMIT_PER_TOKEN: limit(600),
  /** API calls per intake token per minute: a channel serving the whole organisation. */
  RATE_LIMIT_PER_INTAKE_TOKEN: limit(6000),
  /** Requests one person may file per hour, whichever channel files them. */
  REQUESTS_PER_PERSON_PER_HOUR: limit(30),
  /** Requests one person may have open (not yet closed) at once. */
  OPEN_REQUESTS_PER_PERSON: limit(10),
  /**
   * A second identical open request (same requester, app and account): `reuse` answers with the
   * open one; `allow` files it anyway (load tests and benchmarks that file one person's requests
   * in bulk).
   */
  DUPLICATE_REQUESTS: z.enum(['reuse', 'allow'], { error: 'must be reuse or allow' }).default('reuse'),

  /** The web app's OpenID provider; unset = the demo provider of the embedded Okta sandbox, if any. */
  OIDC_ISSUER: oidcConnector.configSchema.shape.issuer.optional(),
  OIDC_CLIENT_ID: optionalString,
  OIDC_CLIENT_SECRET: optionalString,
  /** Space- or comma-separated; default the connector's. */
  OIDC_SCOPES: optionalString,
  OIDC_GROUPS_CLAIM: optionalString,
  /** Comma-separated group names whose members sign in as approvers / admins. */
  OIDC_APPROVER_GROUPS: z.string().trim().default('IT Approvers'),
  OIDC_ADMIN_GROUPS: z.string().trim().default('IT Admins'),
  /** How long a web sign-in lasts. */
  SESSION_TTL_HOURS: z.coerce.number().int().min(1).max(720).default(12),

  /** Estimated cost of one password reset through the help desk (dashboard's cost avoided; an estimate to replace). */
  HELPDESK_RESET_COST: z.coerce.number().min(0).max(1_000_000).default(70),
  /** Estimated cost of one self-service reset, subtracted from the help-desk cost. */
  SELF_SERVICE_RESET_COST: z.coerce.number().min(0).max(1_000_000).default(2),
};

export const configSchema = z.object(configShape).superRefine((c, ctx) => {
  if (!c.SMTP_URL && !isLoopbackHost(c.HOST)) {
    // The dev mailbox shows every email resetdesk "sent"; it must never face a network.
    ctx.addIssue({
      code: 'custom',
      path: ['SMTP_URL'],
      message: `is required when HOST (${c.HOST}) is not a loopback address: without it emails go to the built-in dev mailbox, which is for local demos only`,
    });
  }
  checkSignIn(c, ctx);
  checkConfluence(c, ctx);
  checkServiceNow(c, ctx);
  checkSlack(c, ctx);
  checkTeams(c, ctx);
  checkTogether(c, ctx, LLM_KEYS, 'to let a model read chat messages');
  if (c.STORES_FILE && !c.JOB_SECRET_KEY) {
    ctx.addIssue({
      code: 'custom',
      path: ['JOB_SECRET_KEY'],
      message: 'is required with STORES_FILE: a store may hand back a password, which waits for its email sealed with this key',
    });
  }
  if (c.STORES_FILE && !c.PUBLIC_URL && !isLoopbackHost(c.HOST)) {
    ctx.addIssue({
      code: 'custom',
      path: ['PUBLIC_URL'],
      message: `is required with STORES_FILE when HOST (${c.HOST}) is not a loopback address: external executors call back at PUBLIC_URL/api/v1/requests/{id}/external-result`,
    });
  }
  if (!c.OKTA_ORG_URL) {
    for (const key of ['OKTA_API_TOKEN', 'OKTA_CLIENT_ID'] as const) {
      if (c[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'is set but OKTA_ORG_URL is not' });
    }
    return;
  }
  if (c.OKTA_API_TOKEN && c.OKTA_CLIENT_ID) {
    ctx.addIssue({
      code: 'custom',
      path: ['OKTA_API_TOKEN'],
      message: 'set either OKTA_API_TOKEN (SSWS) or OKTA_CLIENT_ID (OAuth 2.0 service app), not both',
    });
  }
  if (!c.OKTA_API_TOKEN && !c.OKTA_CLIENT_ID) {
    ctx.addIssue({
      code: 'custom',
      path: ['OKTA_API_TOKEN'],
      message: 'OKTA_ORG_URL is set: also set OKTA_API_TOKEN, or OKTA_CLIENT_ID with OKTA_PRIVATE_KEY or OKTA_PRIVATE_KEY_FILE',
    });
  }
  if (c.OKTA_CLIENT_ID && !c.OKTA_PRIVATE_KEY && !c.OKTA_PRIVATE_KEY_FILE) {
    ctx.addIssue({
      code: 'custom',
      path: ['OKTA_PRIVATE_KEY'],
      message: 'OKTA_CLIENT_ID is set: also set OKTA_PRIVATE_KEY (PEM) or OKTA_PRIVATE_KEY_FILE',
    });
  }
});

export type RawConfig = z.infer<typeof configSchema>;

type Raw = z.infer<z.ZodObject<typeof configShape>>;

/** The OIDC variables make sense only together, and a redirect URI needs an address browsers reach. */
function checkSignIn(c: Raw, ctx: z.RefinementCtx): void {
  if (!c.OIDC_ISSUER) {
    for (const key of ['OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET', 'OIDC_SCOPES', 'OIDC_GROUPS_CLAIM'] as const) {
      if (c[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'is set but OIDC_ISSUER is not' });
    }
    return;
  }
  if (!c.OIDC_CLIENT_ID) ctx.addIssue({ code: 'custom', path: ['OIDC_CLIENT_ID'], message: 'OIDC_ISSUER is set: also set OIDC_CLIENT_ID' });
  if (!c.PUBLIC_URL && !isLoopbackHost(c.HOST)) {
    ctx.addIssue({
      code: 'custom',
      path: ['PUBLIC_URL'],
      message: `is required with OIDC_ISSUER when HOST (${c.HOST}) is not a loopback address: the sign-in redirect URI is PUBLIC_URL/auth/callback`,
    });
  }
}

const CONFLUENCE_KEYS = ['CONFLUENCE_BASE_URL', 'CONFLUENCE_EMAIL', 'CONFLUENCE_API_TOKEN', 'CONFLUENCE_POLICY_PAGE_ID'] as const;

/** The Confluence policy source needs all four variables; with some set, each missing one is named. */
function checkConfluence(c: Raw, ctx: z.RefinementCtx): void {
  const set = CONFLUENCE_KEYS.filter((key) => c[key] !== undefined);
  if (set.length === 0 || set.length === CONFLUENCE_KEYS.length) return;
  for (const key of CONFLUENCE_KEYS) {
    if (c[key] === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: `is required with ${set.join(', ')}: set all of ${CONFLUENCE_KEYS.join(', ')} to read the policy from Confluence, or none`,
      });
    }
  }
}

const SERVICENOW_BASIC = ['SERVICENOW_USERNAME', 'SERVICENOW_PASSWORD'] as const;
const SERVICENOW_OAUTH = ['SERVICENOW_CLIENT_ID', 'SERVICENOW_CLIENT_SECRET'] as const;

/**
 * ServiceNow needs its instance URL and one complete set of credentials: Basic or OAuth client
 * credentials, not both. Each missing or stray variable is named.
 */
function checkServiceNow(c: Raw, ctx: z.RefinementCtx): void {
  const credentials = [...SERVICENOW_BASIC, ...SERVICENOW_OAUTH];
  if (!c.SERVICENOW_INSTANCE_URL) {
    for (const key of credentials) {
      if (c[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'is set but SERVICENOW_INSTANCE_URL is not' });
    }
    return;
  }
  const basic = SERVICENOW_BASIC.filter((key) => c[key] !== undefined);
  const oauth = SERVICENOW_OAUTH.filter((key) => c[key] !== undefined);
  if (basic.length > 0 && oauth.length > 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['SERVICENOW_CLIENT_ID'],
      message:
        'set either SERVICENOW_USERNAME and SERVICENOW_PASSWORD (Basic) or SERVICENOW_CLIENT_ID and SERVICENOW_CLIENT_SECRET (OAuth), not both',
    });
    return;
  }
  if (basic.length === 0 && oauth.length === 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['SERVICENOW_USERNAME'],
      message:
        'SERVICENOW_INSTANCE_URL is set: also set SERVICENOW_USERNAME and SERVICENOW_PASSWORD, or SERVICENOW_CLIENT_ID and SERVICENOW_CLIENT_SECRET',
    });
    return;
  }
  const pair = basic.length > 0 ? SERVICENOW_BASIC : SERVICENOW_OAUTH;
  for (const key of pair) {
    if (c[key] === undefined) {
      const other = pair.find((k) => k !== key);
      ctx.addIssue({ code: 'custom', path: [key], message: `is required with ${other}` });
    }
  }
}

/** JOB_SECRET_KEY's 32 bytes, from 64 hex digits or base64; null when it is neither. */
export function decodeKey(value: string): Buffer | null {
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (!/^[A-Za-z0-9+/_-]{42,44}={0,2}$/.test(value)) return null;
  const bytes = Buffer.from(value, 'base64');
  return bytes.length === 32 ? bytes : null;
}

const SLACK_KEYS = ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_APPROVERS_CHANNEL'] as const;

const SLACK_SOCKET_KEYS = ['SLACK_BOT_TOKEN', 'SLACK_APPROVERS_CHANNEL', 'SLACK_APP_TOKEN'] as const;

/**
 * The Slack variables make sense only together (SLACK_API_URL only with them): over HTTP the bot
 * token, signing secret and channel; in Socket Mode the app token instead of the signing secret.
 */
function checkSlack(c: Raw, ctx: z.RefinementCtx): void {
  if (SLACK_KEYS.every((key) => c[key] === undefined) && c.SLACK_APP_TOKEN === undefined && c.SLACK_API_URL !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['SLACK_API_URL'], message: 'is set but SLACK_BOT_TOKEN is not' });
  }
  if (c.SLACK_APP_TOKEN !== undefined) checkTogether(c, ctx, SLACK_SOCKET_KEYS, 'to let people ask in Slack over Socket Mode');
  else checkTogether(c, ctx, SLACK_KEYS, 'to let people ask in Slack');
}

const TEAMS_KEYS = ['MICROSOFT_APP_ID', 'MICROSOFT_APP_PASSWORD', 'MICROSOFT_APP_TENANT_ID'] as const;
const TEAMS_EXTRAS = ['TEAMS_APPROVERS_CONVERSATION', 'TEAMS_OPENID_METADATA_URL', 'TEAMS_LOGIN_URL', 'TEAMS_SERVICE_URL'] as const;

/** The Teams variables make sense only together; the TEAMS_* ones only with them. */
function checkTeams(c: Raw, ctx: z.RefinementCtx): void {
  if (TEAMS_KEYS.every((key) => c[key] === undefined)) {
    for (const key of TEAMS_EXTRAS) {
      if (c[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'is set but MICROSOFT_APP_ID is not' });
    }
  }
  checkTogether(c, ctx, TEAMS_KEYS, 'to let people ask in Microsoft Teams');
}

const LLM_KEYS = ['LLM_BASE_URL', 'LLM_API_KEY', 'LLM_MODEL'] as const;

/** Variables that only make sense as a set: all of them, or none. */
function checkTogether(c: Raw, ctx: z.RefinementCtx, keys: readonly (keyof Raw)[], purpose: string): void {
  const set = keys.filter((key) => c[key] !== undefined);
  if (set.length === 0 || set.length === keys.length) return;
  for (const key of keys) {
    if (c[key] === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: `is required with ${set.join(', ')}: set all of ${keys.join(', ')} ${purpose}, or none`,
      });
    }
  }
}
