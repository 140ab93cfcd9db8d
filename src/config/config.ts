import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { AppError } from '../errors/error-codes.js';
import { configSchema, configShape, type RawConfig } from './config.schema.js';

/** Okta as resetdesk reaches it: a real org, or the embedded sandbox started by `serve`. */
export type OktaSettings =
  | { kind: 'sandbox'; fixturePath: string | undefined; port: number }
  | {
      kind: 'org';
      orgUrl: string;
      auth:
        | { kind: 'ssws'; token: string }
        | { kind: 'private_key_jwt'; clientId: string; privateKeyPem: string; keyId?: string; scopes?: string[] };
    };

/** Parsed, validated configuration; built once at start-up. */
export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  publicUrl: string | undefined;
  logLevel: RawConfig['LOG_LEVEL'];
  okta: OktaSettings;
  /** undefined = the built-in dev mailbox. */
  smtpUrl: string | undefined;
  mailFrom: string;
  policyFile: string | undefined;
  worker: { concurrency: number; pollMs: number };
  bodyLimit: number;
  requestTimeoutMs: number;
  trustProxy: boolean | string[];
  limits: Limits;
}

/** Abuse limits; 0 switches one off. See docs/operations.md, "Security model". */
export interface Limits {
  perIpPerMinute: number;
  perTokenPerMinute: number;
  perIntakeTokenPerMinute: number;
  requestsPerPersonPerHour: number;
  openRequestsPerPerson: number;
}

/** Variables that hold secrets; never echoed back in messages. */
const SECRET_KEYS = new Set(['OKTA_API_TOKEN', 'OKTA_PRIVATE_KEY', 'SMTP_URL', 'DATABASE_URL']);

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
    const lines = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? 'configuration');
      const shown = SECRET_KEYS.has(key) || merged[key] === undefined ? '' : ` (got "${String(merged[key])}")`;
      return `  ${key}: ${issue.message}${shown}`;
    });
    throw new AppError('CONFIG_INVALID', `Invalid configuration:\n${lines.join('\n')}`);
  }
  return toConfig(parsed.data);
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

function toConfig(c: RawConfig): Config {
  return {
    port: c.PORT,
    host: c.HOST,
    databaseUrl: c.DATABASE_URL,
    publicUrl: c.PUBLIC_URL,
    logLevel: c.LOG_LEVEL,
    okta: oktaSettings(c),
    smtpUrl: c.SMTP_URL,
    mailFrom: c.MAIL_FROM,
    policyFile: c.POLICY_FILE,
    worker: { concurrency: c.WORKER_CONCURRENCY, pollMs: c.WORKER_POLL_MS },
    bodyLimit: c.BODY_LIMIT,
    requestTimeoutMs: c.REQUEST_TIMEOUT_MS,
    trustProxy: c.TRUST_PROXY === 'true' ? true : c.TRUST_PROXY === 'false' ? false : c.TRUST_PROXY.split(/\s*,\s*/),
    limits: {
      perIpPerMinute: c.RATE_LIMIT_PER_IP,
      perTokenPerMinute: c.RATE_LIMIT_PER_TOKEN,
      perIntakeTokenPerMinute: c.RATE_LIMIT_PER_INTAKE_TOKEN,
      requestsPerPersonPerHour: c.REQUESTS_PER_PERSON_PER_HOUR,
      openRequestsPerPerson: c.OPEN_REQUESTS_PER_PERSON,
    },
  };
}

function oktaSettings(c: RawConfig): OktaSettings {
  if (!c.OKTA_ORG_URL) return { kind: 'sandbox', fixturePath: c.OKTA_SANDBOX_FIXTURE, port: c.OKTA_SANDBOX_PORT };
  if (c.OKTA_API_TOKEN) return { kind: 'org', orgUrl: c.OKTA_ORG_URL, auth: { kind: 'ssws', token: c.OKTA_API_TOKEN } };
  let pem = c.OKTA_PRIVATE_KEY;
  if (!pem && c.OKTA_PRIVATE_KEY_FILE) {
    try {
      pem = readFileSync(c.OKTA_PRIVATE_KEY_FILE, 'utf8');
    } catch (err) {
      throw new AppError('CONFIG_INVALID', `OKTA_PRIVATE_KEY_FILE: cannot read ${c.OKTA_PRIVATE_KEY_FILE}: ${(err as Error).message}`);
    }
  }
  return {
    kind: 'org',
    orgUrl: c.OKTA_ORG_URL,
    auth: {
      kind: 'private_key_jwt',
      clientId: c.OKTA_CLIENT_ID ?? '',
      // Environment variables often carry PEMs with literal \n sequences.
      privateKeyPem: (pem ?? '').replace(/\\n/g, '\n'),
      ...(c.OKTA_KEY_ID ? { keyId: c.OKTA_KEY_ID } : {}),
      ...(c.OKTA_SCOPES ? { scopes: c.OKTA_SCOPES.split(/[\s,]+/).filter(Boolean) } : {}),
    },
  };
}
