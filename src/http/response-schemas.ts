import { z } from 'zod';
import { POLICY_SOURCES, SYNC_TRIGGERS } from '../db/repositories/policy.repository.js';
import { AUDIT_EVENT_TYPES, REQUEST_STATUSES, RESET_METHODS, ROLES } from '../domain/types.js';

/**
 * What the API answers, as zod schemas: responses are checked against them on the way out, and
 * the OpenAPI document (and so the typed client) is generated from them. No transforms here:
 * a response schema describes JSON as sent.
 */

const nullableString = z.string().nullable();

/** The result of a request's latest decision: who asked for which app, the outcome and why. */
const decisionResult = z
  .object({
    request_id: z.string(),
    requestApp: nullableString,
    requestUser: nullableString,
    date: nullableString,
    outcome: z.enum(['Approved', 'Denied', 'Escalated']).nullable(),
    rationale: nullableString,
    app: nullableString,
    oktaAppId: nullableString,
    oktaUserId: nullableString,
  })
  .meta({ id: 'DecisionResult', description: "The latest decision's result: who asked for which app, the outcome and why" });

/** Where the request stands, who acts next, and what was done so far. */
const requestSummary = z
  .object({
    request_id: z.string(),
    status: z.enum(REQUEST_STATUSES),
    decision: nullableString,
    rationale: nullableString,
    next_owner: nullableString,
    actions_taken: z.array(z.string()),
  })
  .meta({ id: 'RequestSummary', description: 'Where the request stands, who acts next, and what was done so far' });

/** What a Waiting request waits for. */
const openQuestionSchema = z
  .object({
    text: z.string(),
    /**
     * `app_ambiguous`: which app was meant (answer with `app`); `returned`: an approver's question
     * (answer with `message`); `verification_timeout`: the push was not answered (POST …/verify or …/reply starts again).
     */
    reason: z.enum(['app_ambiguous', 'returned', 'verification_timeout']),
    /** App names offered as answers (empty for an approver's question). */
    candidates: z.array(z.string()),
    askedBy: z.string(),
    askedAt: z.string(),
  })
  .meta({
    id: 'OpenQuestion',
    description: 'The question the requester must answer (POST /api/v1/requests/{id}/reply) before the request goes on',
  });

/** How the requester proves who they are (never the push transaction or a code). */
const verificationViewSchema = z
  .object({
    /** The level asked for: `push`, `auto` (push when enrolled, else a code), `any_factor`. */
    level: z.enum(['any_factor', 'auto', 'push']),
    /** A push waiting on the phone: pick `numberChallenge` there when it is set. */
    push: z.object({ numberChallenge: z.number().nullable(), expiresAt: z.string() }).nullable(),
    /** Factors whose code is accepted: send `{ factorId, passCode }` to POST …/verify; `issue`: send `{ factorId }` first to get the code by SMS / email. */
    codes: z.array(
      z.object({ factorId: z.string(), factorType: z.string(), provider: z.string(), issue: z.boolean(), codeSent: z.boolean() }),
    ),
    attemptsLeft: z.number(),
    verifiedAt: z.string().nullable(),
  })
  .meta({ id: 'Verification', description: 'While Verifying: what the requester must do; afterwards, when they were verified' });

export const requestViewSchema = z
  .object({
    request_id: z.string(),
    requester: z.string(),
    app: z.string(),
    justification: z.string(),
    targetUser: nullableString,
    channel: z.string(),
    status: z.enum(REQUEST_STATUSES),
    statusLabel: z.string(),
    resolution: z.enum(REQUEST_STATUSES).nullable(),
    priority: z.enum(['Low', 'Medium', 'High']),
    decision: nullableString,
    rationale: nullableString,
    ruleId: nullableString,
    policyVersion: nullableString,
    resetMethod: nullableString,
    oktaUserId: nullableString,
    oktaAppId: nullableString,
    manualDecision: nullableString,
    decidedBy: nullableString,
    next_owner: nullableString,
    createdAt: z.string(),
    updatedAt: z.string(),
    decidedAt: nullableString,
    closedAt: nullableString,
    /** When the user set a new password after an approved Okta reset, by Okta's System Log; null while unknown. */
    resetConfirmedAt: nullableString,
    /** The ServiceNow incident opened for the escalation (when ServiceNow is configured); null when none. */
    incident: z.object({ number: z.string(), url: z.string() }).nullable(),
    /** The credential store the reset was handed to (`okta`, `swa-link`, or one of STORES_FILE); null when none was named. */
    store: nullableString,
    /** An external executor's result, once it called back: when, and its message. */
    externalResult: z.object({ at: z.string(), message: nullableString }).nullable(),
    question: openQuestionSchema.nullable(),
    verification: verificationViewSchema.nullable(),
    result: decisionResult.nullable(),
    summary: requestSummary.optional(),
    /** The LLM agent's runs for this request, summed: approvers and admins only, when the agent read its conversation. */
    agentUsage: z
      .object({
        runs: z.number().int(),
        failedRuns: z.number().int(),
        promptTokens: z.number().int(),
        completionTokens: z.number().int(),
        latencyMs: z.number().int().meta({ description: 'Summed over the runs' }),
        rejectedCalls: z.number().int().meta({ description: 'Tool calls the agent refused' }),
        models: z.array(z.string()),
      })
      .optional(),
  })
  .meta({ id: 'Request' });

/** What an external executor's callback gets back: where the request ended, nothing about the person. */
export const externalResultAckSchema = z
  .object({ request_id: z.string(), status: z.enum(REQUEST_STATUSES), statusLabel: z.string() })
  .meta({ id: 'ExternalResultAck' });

export const requestListSchema = z.object({ requests: z.array(requestViewSchema), limit: z.number().int(), offset: z.number().int() });

export const createdRequestSchema = z.object({
  request_id: z.string(),
  status: z.enum(REQUEST_STATUSES),
  /** True (with status 200) when an identical request was already open: this is that request. */
  existing: z.boolean(),
});

const auditEventSchema = z
  .object({
    eventId: z.string(),
    requestId: z.string(),
    actor: z.string(),
    eventType: z.enum(AUDIT_EVENT_TYPES),
    details: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
  })
  .meta({ id: 'AuditEvent' });

export const eventListSchema = z.object({ events: z.array(auditEventSchema) });

/** One chat message of the conversation (Slack, Teams) that filed or followed a request. */
const conversationMessageSchema = z
  .object({
    id: z.string(),
    /** `in`: from the person; `out`: resetdesk's reply. */
    direction: z.enum(['in', 'out']),
    author: z.string(),
    text: z.string(),
    at: z.string(),
  })
  .meta({ id: 'ConversationMessage' });

export const conversationSchema = z.object({ messages: z.array(conversationMessageSchema) });

export const catalogAppSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    oktaAppId: nullableString,
    resetUrl: nullableString,
    resetMethod: z.enum(RESET_METHODS),
    sensitive: z.boolean(),
    approverGroup: nullableString,
    /** The credential store that resets the app (`okta`, `swa-link`, or one of STORES_FILE); null: the sign-on mode decides. */
    store: nullableString,
    /** Other names the app is requested by. */
    aliases: z.array(z.string()),
    /** What the last catalog sync read from Okta; null when no sync has seen the app. */
    okta: z
      .object({
        label: nullableString,
        signOnMode: nullableString,
        /** ACTIVE, INACTIVE, or DELETED once Okta no longer lists the app. */
        status: nullableString,
        /** When the sync first saw this status. */
        statusAt: nullableString,
        syncedAt: nullableString,
      })
      .nullable(),
  })
  .meta({ id: 'App' });

const appFieldChangeSchema = z.object({ field: z.string(), before: z.string().nullable(), after: z.string().nullable() });

export const appSyncResultSchema = z
  .object({
    dryRun: z.boolean(),
    /** How many Okta apps were read (ACTIVE and INACTIVE). */
    read: z.number().int(),
    added: z.array(z.object({ name: z.string(), oktaAppId: z.string(), signOnMode: z.string(), status: z.string() })),
    updated: z.array(z.object({ name: z.string(), oktaAppId: z.string(), changes: z.array(appFieldChangeSchema) })),
    /** Catalog apps Okta lists as INACTIVE or no longer lists (DELETED): flagged, never removed. */
    flagged: z.array(z.object({ name: z.string(), oktaAppId: z.string(), status: z.string() })),
    unchanged: z.number().int(),
  })
  .meta({ id: 'AppSyncResult' });

export const appListSchema = z.object({ apps: z.array(catalogAppSchema) });

export const appImportSchema = z.object({ created: z.number().int(), updated: z.number().int() }).meta({ id: 'AppImport' });

export const apiTokenSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    role: z.enum(ROLES),
    label: nullableString,
    createdAt: z.string(),
    lastUsedAt: nullableString,
    revokedAt: nullableString,
  })
  .meta({ id: 'ApiToken', description: 'An API token as admins see it (never the token or its hash)' });

export const apiTokenListSchema = z.object({ tokens: z.array(apiTokenSchema) });

export const createdTokenSchema = z
  .object({
    id: z.string(),
    token: z.string().meta({ description: 'The bearer token: shown this once, never again' }),
  })
  .meta({ id: 'CreatedToken' });

const reachability = { reachable: z.boolean(), error: nullableString };

export const connectorStatusSchema = z
  .object({
    /** ServiceNow incidents: configured (SERVICENOW_*) or not; its instance. Not pinged: incident jobs show failures. */
    serviceNow: z.object({ configured: z.boolean(), instanceUrl: nullableString }),
    slack: z
      .object({
        configured: z.boolean(),
        mode: z.enum(['http', 'socket']).nullable().meta({ description: 'socket with SLACK_APP_TOKEN (Socket Mode); null without Slack' }),
        connected: z
          .boolean()
          .nullable()
          .meta({ description: "Socket Mode: whether resetdesk's WebSocket to Slack is open now; else null" }),
        error: nullableString.meta({ description: 'Socket Mode: why the latest connection attempt failed' }),
        summary: nullableString.meta({ description: 'e.g. "Socket Mode, connected"' }),
      })
      .meta({ description: 'The Slack channel (SLACK_*): over HTTP not checked (Slack calls resetdesk); in Socket Mode the WebSocket' }),
    teams: z
      .object({
        configured: z.boolean(),
        appId: nullableString.meta({ description: 'MICROSOFT_APP_ID (the Azure Bot’s app id; the client secret is never shown)' }),
        tenantId: nullableString.meta({ description: 'MICROSOFT_APP_TENANT_ID' }),
        endpoint: nullableString.meta({ description: 'The Azure Bot’s messaging endpoint, on PUBLIC_URL: /api/messages' }),
        approversConversation: z
          .boolean()
          .meta({ description: 'Whether TEAMS_APPROVERS_CONVERSATION is set (escalations are posted there as cards)' }),
      })
      .meta({ description: 'The Teams channel (MICROSOFT_APP_*): configuration only; Microsoft is not called (that needs the secret)' }),
    stores: z
      .array(
        z.object({
          name: z.string(),
          type: z.enum(['built-in', 'ldap', 'external']),
          target: nullableString.meta({ description: "The directory's or the executor's URL; null for the built-ins" }),
          reachable: z.boolean().nullable().meta({ description: 'LDAP stores: a bind now; null when not checked (built-ins, executors)' }),
          error: nullableString,
        }),
      )
      .meta({ description: 'The credential stores the catalog may name: okta, swa-link, then those of STORES_FILE' }),
    okta: z.object({
      ...reachability,
      rateLimits: z.array(
        z.object({
          bucket: z.string(),
          limit: z.number().int().nullable(),
          remaining: z.number().int().nullable(),
          resetAt: nullableString,
        }),
      ),
    }),
    smtp: z.object({
      ...reachability,
      devMailbox: z.boolean().meta({ description: 'No SMTP_URL: mail goes to the built-in dev mailbox' }),
    }),
    policy: z
      .object({
        confluence: z
          .object({ pageId: z.string(), pageUrl: z.string(), syncMinutes: z.number().int() })
          .nullable()
          .meta({ description: 'The policy page, when the CONFLUENCE_* variables are set; null: the policy file is the source' }),
        source: z.enum(POLICY_SOURCES).meta({ description: 'Where the active policy came from' }),
        version: z.string().meta({ description: "The active policy's version" }),
        lastSync: z
          .object({
            at: z.string(),
            ok: z.boolean(),
            trigger: z.enum(SYNC_TRIGGERS),
            errorCode: nullableString,
            error: nullableString.meta({ description: 'Why it failed, naming the line of every problem' }),
          })
          .nullable()
          .meta({ description: 'The latest read of the policy source (the page; without Confluence, the file at start-up)' }),
        lastSuccessfulSyncAt: nullableString,
      })
      .meta({ description: 'The policy source (from the database, not read now): configured or not, and how its latest sync went' }),
  })
  .meta({ id: 'ConnectorStatus' });

export const healthSchema = z.object({ status: z.literal('ok') });

export const readinessSchema = z.object({
  status: z.enum(['ready', 'not ready']),
  /** Only for admins: which check failed, and why. */
  checks: z.object({ database: z.string(), okta: z.string() }).optional(),
});

export const mailboxSchema = z.object({
  messages: z.array(
    z.object({
      from: z.string(),
      to: z.array(z.string()),
      subject: z.string(),
      text: z.string(),
      messageId: z.string(),
      receivedAt: z.string(),
    }),
  ),
});

export const meSchema = z
  .object({
    email: z.string(),
    /** From the identity provider; null for a bearer token. */
    name: nullableString,
    role: z.enum(ROLES),
    /** Send as `x-csrf-token` with every call that changes anything; null for a bearer token (which needs none). */
    csrfToken: nullableString,
    /** What the active policy means for this person's requests (the web form reads it). */
    policy: z
      .object({
        /** Whether a request for someone else's account can succeed (it goes to an approver); false = such requests are denied. */
        forSomeoneElse: z.boolean(),
        /** Hours an approval usually takes at most before the approvers are reminded (the policy's SLA). */
        approvalSlaHours: z.number(),
        /** Hours a request waits for the requester's answer before it is cancelled. */
        answerWithinHours: z.number(),
        version: z.string(),
      })
      .meta({ id: 'PolicySummary' }),
  })
  .meta({ id: 'Me', description: 'Who is calling: the signed-in person or the token holder' });

export const signOutSchema = z
  .object({ redirectTo: z.string().meta({ description: "Where the browser goes next: the provider's sign-out page, or /" }) })
  .meta({ id: 'SignOut' });

const decisionRowSchema = z
  .object({
    requestId: z.string(),
    date: z.string(),
    source: z.enum(['engine', 'human']),
    outcome: z.enum(['Approved', 'Denied', 'Escalated']),
    ruleId: nullableString,
    app: z.string(),
    requester: z.string(),
    rationale: z.string(),
    decidedBy: z.string().meta({ description: "The approver's address, or `resetdesk` for the engine" }),
  })
  .meta({ id: 'DecisionLogEntry', description: 'One entry of the decision log' });

export const decisionListSchema = z.object({ decisions: z.array(decisionRowSchema) });
