import { z } from 'zod';
import { isLoopbackHost } from '../../config/loopback.js';

/**
 * ServiceNow connector configuration: which instance, and how resetdesk signs in — Basic
 * (an integration user's name and password) or OAuth client credentials (`/oauth_token.do`).
 * Messages do not repeat the field's name and never a secret: the caller prefixes the name
 * (`servicenow.instanceUrl`, or `SERVICENOW_INSTANCE_URL` in loadConfig).
 */
export const serviceNowConfigSchema = z.object({
  /** e.g. `https://example.service-now.com`; `https://` only, plain `http://` on a loopback host (tests). */
  instanceUrl: z
    .string()
    .trim()
    .refine(
      (v) => isHttpsOrLoopback(v),
      'must be an https:// URL such as https://example.service-now.com (http:// only on a loopback host)',
    )
    .refine((v) => {
      if (!URL.canParse(v)) return true;
      const url = new URL(v);
      return url.search === '' && url.hash === '' && url.username === '' && url.password === '' && /^\/*$/.test(url.pathname);
    }, 'must be the instance URL alone: no path, credentials, query or fragment')
    .transform((v) => v.replace(/\/+$/, '')),
  auth: z.discriminatedUnion('kind', [
    z.object({
      kind: z.literal('basic'),
      username: z.string().trim().min(1, 'is required'),
      password: z.string().min(1, 'is required'),
    }),
    z.object({
      kind: z.literal('oauth'),
      clientId: z.string().trim().min(1, 'is required'),
      clientSecret: z.string().min(1, 'is required'),
    }),
  ]),
  /** Per call, until the whole answer has been read. */
  timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
  /** Overrides `resetdesk/<version>`. */
  userAgent: z.string().trim().min(1).optional(),
});
/** The parsed configuration (defaults applied). */
export type ServiceNowConfig = z.output<typeof serviceNowConfigSchema>;

function isHttpsOrLoopback(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && isLoopbackHost(url.hostname.replace(/^\[|\]$/g, ''));
}

/** An incident as resetdesk keeps it: its record id and its number. */
export interface IncidentRef {
  sysId: string;
  number: string;
}

/** The fields resetdesk sets on a new incident (display values: `sysparm_input_display_value=true`). */
export interface NewIncident {
  short_description: string;
  description: string;
  /** The requester's email (the caller's display value or email, as the instance resolves it). */
  caller_id: string;
  /** The approver group's name. */
  assignment_group: string;
  urgency: '1' | '2' | '3';
  impact: '1' | '2' | '3';
  /** The request id: how a retry finds the incident an earlier attempt created. */
  correlation_id: string;
  correlation_display: string;
}

export interface ServiceNowClient {
  readonly instanceUrl: string;
  /** A link people can open to the incident's form. */
  incidentUrl(sysId: string): string;
  /** GET /api/now/table/incident?sysparm_query=correlation_id=…: the incident a request already has, or null. */
  findIncident(correlationId: string): Promise<IncidentRef | null>;
  /** POST /api/now/table/incident. */
  createIncident(incident: NewIncident): Promise<IncidentRef>;
  /** PATCH /api/now/table/incident/{sys_id} with `fields` (work_notes, state, close_code, close_notes). */
  updateIncident(sysId: string, fields: Record<string, string>): Promise<IncidentRef>;
}
