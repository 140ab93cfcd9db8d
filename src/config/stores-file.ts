/**
 * STORES_FILE: the credential stores beyond the built-in `okta` and `swa-link`, as YAML:
 *
 *   stores:
 *     mainframe:                      # the name the catalog's `store` column uses
 *       type: external                # or ldap — one connector folder per type
 *       url: https://rpa.example.com/hooks/reset
 *       secret: ${MAINFRAME_WEBHOOK_SECRET}
 *
 * Every string value is `${VAR}`-expanded from the environment when the file is read, so secrets
 * stay out of the file; `${VAR:-fallback}` gives a fallback, and a value that expands to nothing
 * counts as not set (an optional `nextSecret: ${NEXT:-}` outside a rotation). A variable that is
 * not set, without a fallback, is an error naming it. Each store's settings are checked by its
 * type's connector schema; errors name the store and the field, never a value.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { checkConnectorConfig } from '../connectors/connector.js';
import { type ExternalStoreConfig, externalExecutorConnector } from '../connectors/external-executor/index.js';
import { type LdapStoreConfig, ldapConnector } from '../connectors/ldap/index.js';
import { BUILT_IN_STORES, STORE_NAME_PATTERN, STORE_TYPES, type StoreType } from '../domain/credential-store.js';
import { AppError } from '../errors/error-codes.js';

/** One configured store: its name, its type and its settings as that type's connector parsed them. */
export type ConfiguredStore =
  | { name: string; type: 'ldap'; settings: LdapStoreConfig }
  | { name: string; type: 'external'; settings: ExternalStoreConfig };

/** The connector schema that checks each store type's settings. */
const SCHEMAS = {
  ldap: ldapConnector.configSchema,
  external: externalExecutorConnector.configSchema,
} as const satisfies Record<StoreType, unknown>;

/** Reads, expands and checks STORES_FILE; throws CONFIG_INVALID listing every problem. */
export function readStoresFile(path: string, env: NodeJS.ProcessEnv): ConfiguredStore[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new AppError(
      'CONFIG_INVALID',
      `STORES_FILE: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (err) {
    throw new AppError('CONFIG_INVALID', `STORES_FILE: ${path} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  return parseStores(data, env, path);
}

/** Checks parsed YAML (see the file comment); exported for tests. */
export function parseStores(data: unknown, env: NodeJS.ProcessEnv, source = 'the file'): ConfiguredStore[] {
  const problems: string[] = [];
  const stores: ConfiguredStore[] = [];
  const root = isMapping(data) ? data : null;
  const entries = root && isMapping(root.stores) ? Object.entries(root.stores) : null;
  if (!root || entries === null) {
    throw new AppError('CONFIG_INVALID', `STORES_FILE: ${source} must hold a mapping "stores:" of store name to settings`);
  }
  for (const key of Object.keys(root)) if (key !== 'stores') problems.push(`${key}: unknown top-level key (only "stores")`);
  for (const [name, raw] of entries) {
    const at = `stores.${name}`;
    if (!STORE_NAME_PATTERN.test(name)) {
      problems.push(`${at}: the name must be lower-case letters, digits and dashes, starting with a letter (at most 63)`);
      continue;
    }
    if (Object.hasOwn(BUILT_IN_STORES, name)) {
      problems.push(`${at}: "${name}" is a built-in store and cannot be redefined`);
      continue;
    }
    if (!isMapping(raw)) {
      problems.push(`${at}: must be a mapping of settings with a "type"`);
      continue;
    }
    const { type, ...rest } = raw;
    if (typeof type !== 'string' || !(STORE_TYPES as readonly string[]).includes(type)) {
      problems.push(`${at}.type: must be one of ${STORE_TYPES.join(', ')}`);
      continue;
    }
    const before = problems.length;
    const expanded = expandValues(rest, env, at, problems);
    // An unset variable is the problem to report, not the "is required" it would cause.
    if (problems.length > before) continue;
    const checked = checkConnectorConfig(SCHEMAS[type as StoreType], expanded);
    if (!checked.ok) {
      for (const p of checked.problems) problems.push(`${at}${p.path ? `.${p.path}` : ''}: ${p.message}`);
      continue;
    }
    stores.push({ name, type, settings: checked.config } as ConfiguredStore);
  }
  if (problems.length > 0) {
    throw new AppError('CONFIG_INVALID', `STORES_FILE (${source}):\n${problems.map((p) => `  ${p}`).join('\n')}`, { problems });
  }
  return stores;
}

const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * `${VAR}` in every string value (nested too); `$${` stays a literal `${`. Keys whose value
 * expands to the empty string are dropped: not set. Non-string scalars are kept as YAML gave them.
 */
function expandValues(value: Record<string, unknown>, env: NodeJS.ProcessEnv, at: string, problems: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const path = `${at}.${key}`;
    if (typeof v === 'string') {
      const expanded = expandString(v, env, path, problems);
      if (expanded !== '') out[key] = expanded;
    } else if (isMapping(v)) {
      out[key] = expandValues(v, env, path, problems);
    } else {
      out[key] = v;
    }
  }
  return out;
}

function expandString(text: string, env: NodeJS.ProcessEnv, path: string, problems: string[]): string {
  const parts = text.split('$${');
  return parts
    .map((part) =>
      part.replace(VARIABLE, (_match, name: string, fallback: string | undefined) => {
        const value = env[name];
        if (value !== undefined && value !== '') return value;
        if (fallback !== undefined) return fallback;
        problems.push(`${path}: the environment variable ${name} is not set`);
        return '';
      }),
    )
    .join('${');
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
