/**
 * The shape every connector has (after logto's connectors): metadata, one zod schema for its
 * settings, a validator and a factory. `loadConfig` validates environment variables with the
 * same schemas, so each rule about a connector's settings is written once, in its `types.ts`.
 */
import type { z } from 'zod';
import { AppError } from '../errors/error-codes.js';

/** Who a connector is; both parts appear in its configuration errors. */
export interface ConnectorMetadata {
  /** Stable id; prefixes field names in configuration errors (`okta.orgUrl`). */
  readonly id: string;
  /** Shown to people, e.g. "Okta". */
  readonly name: string;
}

/** A connector: `Schema` gives both its parsed settings and what callers may supply. */
export interface Connector<Schema extends z.ZodType, Instance, Options = undefined> {
  readonly metadata: ConnectorMetadata;
  readonly configSchema: Schema;
  /** Parses settings (defaults applied); invalid ones throw AppError CONFIG_INVALID. */
  validateConfig(input: unknown): z.output<Schema>;
  /** Validates `config` with `validateConfig`, then builds the connector. */
  create(config: z.input<Schema>, options?: Options): Instance;
}

/** One invalid setting: its dotted path in the schema and what is wrong, never its value. */
interface ConfigProblem {
  path: string;
  message: string;
}

/**
 * Checks `input` against a connector's schema. Zod messages do not include the input (we never
 * set `reportInput`), and the schemas' own messages name no values, so secrets stay out.
 */
export function checkConnectorConfig<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
): { ok: true; config: z.output<Schema> } | { ok: false; problems: ConfigProblem[] } {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, config: result.data };
  const problems = result.error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
  return { ok: false, problems };
}

/** Assembles a connector whose `create` always validates first, through `validateConfig`. */
export function defineConnector<Schema extends z.ZodType, Instance, Options = undefined>(parts: {
  metadata: ConnectorMetadata;
  configSchema: Schema;
  /** Builds the connector from settings `validateConfig` returned. */
  build: (config: z.output<Schema>, options?: Options) => Instance;
}): Connector<Schema, Instance, Options> {
  const { metadata, configSchema, build } = parts;
  const validateConfig = (input: unknown): z.output<Schema> => {
    const checked = checkConnectorConfig(configSchema, input);
    if (checked.ok) return checked.config;
    const issues = checked.problems.map((p) => `${p.path ? `${metadata.id}.${p.path}` : metadata.id}: ${p.message}`);
    throw new AppError('CONFIG_INVALID', `${metadata.name} connector configuration: ${issues.join('; ')}`, { issues });
  };
  return { metadata, configSchema, validateConfig, create: (config, options) => build(validateConfig(config), options) };
}
