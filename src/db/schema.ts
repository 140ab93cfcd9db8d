import type { Generated, Selectable } from 'kysely';

/*
 * Table types. Both dialects store timestamps as ISO-8601 UTC text and JSON as text, so the same
 * repository code reads the same values from SQLite and PostgreSQL; booleans are 0/1 integers.
 */

interface AppsTable {
  id: string;
  name: string;
  /** appNameKey(name): the case- and space-insensitive match key (unique). */
  name_key: string;
  okta_app_id: string | null;
  reset_url: string | null;
  reset_method: string;
  sensitive: number;
  approver_group: string | null;
  /** The credential store that resets the app's password; null = the sign-on mode decides. */
  store: string | null;
  created_at: string;
  updated_at: string;
  /** What Okta last said about the app (`resetdesk apps sync`); null until a sync saw it. */
  okta_label: string | null;
  okta_sign_on_mode: string | null;
  /** ACTIVE / INACTIVE as Okta reports it, or DELETED when a sync no longer finds the app. */
  okta_status: string | null;
  /** When the sync first saw the current okta_status. */
  okta_status_at: string | null;
  okta_synced_at: string | null;
}

/** Other names of a catalog app; alias_key (appNameKey) is unique across the catalog. */
interface AppAliasesTable {
  alias_key: string;
  app_id: string;
  alias: string;
  position: number;
}

/** One row per catalog sync from Okta that changed something, with the changes as JSON. */
interface AppSyncRunsTable {
  id: string;
  at: string;
  trigger: string;
  actor: string;
  added: number;
  updated: number;
  flagged: number;
  unchanged: number;
  changes_json: string;
}

export interface PasswordRequestsTable {
  id: string;
  requester: string;
  app: string;
  justification: string;
  target_user: string | null;
  channel: string;
  /** Email of the principal that submitted it (an intake channel may submit for someone). */
  submitted_by: string;
  status: string;
  /** The terminal status a Closed request ended in (Completed, Rejected, …). */
  resolution: string | null;
  priority: string;
  decision: string | null;
  rationale: string | null;
  rule_id: string | null;
  policy_version: string | null;
  reset_method: string | null;
  okta_user_id: string | null;
  okta_app_id: string | null;
  manual_decision: string | null;
  decided_by: string | null;
  decision_comment: string | null;
  next_owner: string | null;
  created_at: string;
  updated_at: string;
  decided_at: string | null;
  closed_at: string | null;
  /** The open question to the requester while Waiting (null otherwise). */
  question: string | null;
  /** Why it was asked: 'app_ambiguous' (triage) or 'returned' (an approver's question). */
  question_reason: string | null;
  /** JSON array of app names offered as answers. */
  question_candidates_json: string | null;
  question_asked_by: string | null;
  question_asked_at: string | null;
  /** The question's id; its audit event, email and waiting timer carry it. */
  question_id: string | null;
  /** How often triage has asked which app was meant. */
  question_rounds: number;
  /** The approver group a returned request goes back to. */
  return_group: string | null;
  /** appNameKey(app): compares apps the way the catalog does (duplicates, cooldown). */
  app_key: string;
  /** The proof the request needs because of its channel ('none', 'any_factor', 'auto', 'push'). */
  verification_level: string;
  /** When the requester proved possession of an enrolled factor. */
  verified_at: string | null;
  /** The challenge in progress (domain/verification.ts VerificationState). */
  verification_json: string | null;
  /** The id of the challenge round in progress; updates of a stale round match nothing. */
  challenge_id: string | null;
  /** When the user set a new password after an approved Okta reset (Okta's System Log); null while unknown. */
  reset_confirmed_at: string | null;
  /** The ServiceNow incident opened for the escalation (jobs/servicenow.jobs.ts); null when none. */
  incident_number: string | null;
  incident_sys_id: string | null;
  incident_url: string | null;
  /** The credential store the decision handed the reset to (null: Okta or a link, by sign-on mode). */
  store: string | null;
  /** When an external executor's callback was accepted, and its message. */
  external_result_at: string | null;
  external_message: string | null;
}

interface DecisionsTable {
  id: string;
  request_id: string;
  date: string;
  /** 'engine' for the policy's decision, 'human' for an approver's. */
  source: string;
  decision_json: string;
}

/** Append-only and hash-chained: see src/domain/audit-chain.ts. */
interface AuditEventsTable {
  id: string;
  request_id: string;
  actor: string;
  event_type: string;
  details_json: string;
  created_at: string;
  /** The chain's order: 1, 2, 3, … across all requests, unique, no gaps. */
  seq: number;
  /** The hash of event seq-1 (64 zeros for seq 1). */
  prev_hash: string;
  /** SHA-256 (hex) of the canonical JSON of this event's fields and prev_hash. */
  hash: string;
}

interface ApiTokensTable {
  id: string;
  /** sha256 of the token; the token itself is never stored. */
  token_hash: string;
  email: string;
  role: string;
  label: string | null;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** What a sign-in callback checks; the key is sha256 of the short-lived sign-in cookie. */
interface SignInAttemptsTable {
  token_hash: string;
  state: string;
  nonce: string;
  code_verifier: string;
  /** A path on this site (never a full URL). */
  return_to: string;
  created_at: string;
  expires_at: string;
}

/** A signed-in browser; sha256 of the session cookie, never the cookie itself. */
interface WebSessionsTable {
  id: string;
  token_hash: string;
  email: string;
  name: string | null;
  /** Mapped from the person's groups at sign-in. */
  role: string;
  /** The provider's ID token, sent back as id_token_hint at sign-out. */
  id_token: string | null;
  /** 1 when the ID token showed a second factor (`amr`): the web channel's verification level depends on it. */
  mfa: number;
  created_at: string;
  expires_at: string;
}

interface JobsTable {
  id: string;
  kind: string;
  payload_json: string;
  /** One job per side effect: inserting the same key twice is a no-op. */
  idempotency_key: string;
  status: string;
  attempts: Generated<number>;
  max_attempts: number;
  run_at: string;
  locked_by: string | null;
  locked_until: string | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
  /**
   * Whose work this is (a request's requester): the worker shares its slots between fair keys,
   * so one requester's backlog cannot delay everyone else's. NULL = a lane of its own.
   */
  fair_key: string | null;
}

/** A chat conversation (Slack, Teams): one per thread or direct message. */
interface ConversationsTable {
  id: string;
  /** 'slack' | 'teams'. */
  channel: string;
  /** The thread or direct message it lives in, as the channel names it; unique per channel. */
  external_key: string;
  /** The email the channel verified for the person who started it. */
  requester: string;
  /** domain/conversation.ts ConversationState. */
  state_json: string;
  /** The request it filed; null while still asking. */
  request_id: string | null;
  created_at: string;
  updated_at: string;
}

/** One chat message, either way; `request_id` once the conversation has filed its request. */
interface ConversationMessagesTable {
  id: string;
  conversation_id: string;
  request_id: string | null;
  /** 'in' from the person, 'out' from resetdesk. */
  direction: string;
  author: string;
  text: string;
  created_at: string;
}

/** Where an escalation episode was posted in Slack's approvers' channel (jobs/slack-approval.jobs.ts). */
interface SlackApprovalMessagesTable {
  request_id: string;
  /** The episode: the id of the Escalation audit event that opened it; (request_id, cycle) is unique. */
  cycle: string;
  /** The channel id Slack answered with (a `#name` in the configuration resolves to it). */
  channel: string;
  /** The message's timestamp: with the channel, its identity for chat.update. */
  ts: string;
  created_at: string;
}

/** A Teams conversation the bot heard from in a validated activity (services/teams-channel.service.ts). */
interface TeamsConversationsTable {
  conversation_id: string;
  /** The Bot Connector service the activity came from: the only place the bot's token goes for it. */
  service_url: string;
  tenant_id: string;
  /** 'personal' | 'groupChat' | 'channel'. */
  conversation_type: string;
  updated_at: string;
}

/** Where an escalation episode's approval card was posted in Teams (jobs/teams-approval.jobs.ts). */
interface TeamsApprovalCardsTable {
  request_id: string;
  /** The episode: the id of the Escalation audit event that opened it; (request_id, cycle) is unique. */
  cycle: string;
  conversation_id: string;
  /** The posted activity's id: the card's identity for the update. */
  activity_id: string;
  created_at: string;
}

/** One run of the LLM agent (connectors/llm), whatever its outcome; the dashboard sums them. */
interface AgentRunsTable {
  id: string;
  /** The chat conversation whose message the agent read. */
  conversation_id: string;
  /** The request that conversation filed; null until it files one. */
  request_id: string | null;
  model: string;
  /** 'proposed' | 'no_proposal' | 'failed'. */
  outcome: string;
  /** The AppError code of a failed run (LLM_UNAVAILABLE, LLM_ERROR, …); null otherwise. */
  error_code: string | null;
  prompt_tokens: number;
  completion_tokens: number;
  latency_ms: number;
  /** Tool calls the agent refused (not offered, wrong shape, too many). */
  rejected_calls: number;
  created_at: string;
}

/** Okta's rate budget shared by the instances (connectors/okta/okta-cluster-budget.ts). */
interface OktaBudgetTable {
  /** Method + path template, e.g. `GET /api/v1/users`. */
  bucket: string;
  /** The newest window any instance saw: Okta's X-Rate-Limit-Reset (epoch seconds). pg reads bigint as text. */
  window_reset: number | string | null;
  rate_limit: number | null;
  /** Calls of `window_reset` granted to instances, or counted by Okta if more. */
  granted: number;
  /** Calls announced for the window after `window_reset`, to find it out: counted in it. */
  probes: number;
  /** The instance probing now, and until when (its clock, epoch ms) the others wait for it. */
  probe_by: string | null;
  probe_until: number | string | null;
  updated_at: string;
}

/** Which request may reset an Okta user's password now (jobs/okta-reset.job.ts). */
interface OktaResetClaimsTable {
  okta_user_id: string;
  /** The request holding the claim, or the last one that held it once released. */
  request_id: string;
  /** When that request took the claim, just before its first reset call. */
  started_at: string;
  /** Okta's records of a reset at or after this time are that request's own (its retry reads them). */
  evidence_after: string;
  /** When its outcome was recorded; null while held. */
  released_at: string | null;
}

export interface Database {
  apps: AppsTable;
  app_aliases: AppAliasesTable;
  app_sync_runs: AppSyncRunsTable;
  password_requests: PasswordRequestsTable;
  decisions: DecisionsTable;
  audit_events: AuditEventsTable;
  api_tokens: ApiTokensTable;
  jobs: JobsTable;
  sign_in_attempts: SignInAttemptsTable;
  web_sessions: WebSessionsTable;
  conversations: ConversationsTable;
  conversation_messages: ConversationMessagesTable;
  slack_approval_messages: SlackApprovalMessagesTable;
  teams_conversations: TeamsConversationsTable;
  teams_approval_cards: TeamsApprovalCardsTable;
  agent_runs: AgentRunsTable;
  okta_budget: OktaBudgetTable;
  okta_reset_claims: OktaResetClaimsTable;
}

export type AppRow = Selectable<AppsTable>;
export type RequestRow = Selectable<PasswordRequestsTable>;
export type JobRow = Selectable<JobsTable>;
