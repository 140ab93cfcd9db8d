import { assertTransition, OPEN_STATUSES } from '../../domain/lifecycle.js';
import { appNameKey, type VerificationLevel } from '../../domain/policy.js';
import type { Priority, RequestStatus } from '../../domain/types.js';
import type { VerificationState } from '../../domain/verification.js';
import { JOB_KINDS, jobKeys } from '../../jobs/job-kinds.js';
import { nowIso } from '../../time.js';
import type { Db } from '../database.js';
import { newId } from '../ids.js';
import type { PasswordRequestsTable, RequestRow } from '../schema.js';
import { latestEscalationId } from './audit.repository.js';
import { enqueueJob } from './job.repository.js';
import { enqueueSlackApprovalUpdate } from './slack-approval.repository.js';
import { enqueueTeamsApprovalUpdate } from './teams.repository.js';

/** A Password Request as the application sees it. */
export interface PasswordRequest {
  id: string;
  requester: string;
  app: string;
  justification: string;
  targetUser: string | null;
  channel: string;
  submittedBy: string;
  status: RequestStatus;
  resolution: RequestStatus | null;
  priority: Priority;
  decision: string | null;
  rationale: string | null;
  ruleId: string | null;
  policyVersion: string | null;
  resetMethod: string | null;
  oktaUserId: string | null;
  oktaAppId: string | null;
  manualDecision: string | null;
  decidedBy: string | null;
  decisionComment: string | null;
  nextOwner: string | null;
  createdAt: string;
  updatedAt: string;
  decidedAt: string | null;
  closedAt: string | null;
  /** The open question while Waiting; null otherwise. */
  question: OpenQuestion | null;
  /** How often triage has asked which app was meant. */
  questionRounds: number;
  /** The approver group a returned request goes back to once answered. */
  returnGroup: string | null;
  /** The proof the request needs because of its channel (triage may raise it). */
  verificationLevel: VerificationLevel;
  /** When the requester proved possession of an enrolled factor. */
  verifiedAt: string | null;
  /** The challenge in progress or last made; null when none was needed. */
  verification: VerificationState | null;
  /** When the user set a new password after an approved Okta reset (jobs/after-reset.jobs.ts); null while unknown. */
  resetConfirmedAt: string | null;
  /** The ServiceNow incident opened for the escalation (jobs/servicenow.jobs.ts); null when none. */
  incident: { number: string; sysId: string; url: string } | null;
  /** The credential store the decision handed the reset to (STORES_FILE or built-in); null when none was named. */
  store: string | null;
  /** An external executor's accepted callback: when it came and its message; null until then. */
  externalResult: { at: string; message: string | null } | null;
}

/** A question the requester must answer before the request goes on. */
interface OpenQuestion {
  /** The question's id (`qst_…`); its audit event, email and waiting timer carry it. */
  id: string;
  text: string;
  /**
   * 'app_ambiguous': triage asks which app; 'returned': an approver asks for more information;
   * 'verification_timeout': the push was not answered, start verification again.
   */
  reason: QuestionReason;
  /** App names offered as answers (empty for an approver's question). */
  candidates: string[];
  askedBy: string;
  askedAt: string;
}

export type QuestionReason = 'app_ambiguous' | 'returned' | 'verification_timeout';

export function toRequest(r: RequestRow): PasswordRequest {
  return {
    id: r.id,
    requester: r.requester,
    app: r.app,
    justification: r.justification,
    targetUser: r.target_user,
    channel: r.channel,
    submittedBy: r.submitted_by,
    status: r.status as RequestStatus,
    resolution: r.resolution as RequestStatus | null,
    priority: r.priority as Priority,
    decision: r.decision,
    rationale: r.rationale,
    ruleId: r.rule_id,
    policyVersion: r.policy_version,
    resetMethod: r.reset_method,
    oktaUserId: r.okta_user_id,
    oktaAppId: r.okta_app_id,
    manualDecision: r.manual_decision,
    decidedBy: r.decided_by,
    decisionComment: r.decision_comment,
    nextOwner: r.next_owner,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    decidedAt: r.decided_at,
    closedAt: r.closed_at,
    question:
      r.question === null || r.question_id === null
        ? null
        : {
            id: r.question_id,
            text: r.question,
            reason: r.question_reason as QuestionReason,
            candidates: r.question_candidates_json ? (JSON.parse(r.question_candidates_json) as string[]) : [],
            askedBy: r.question_asked_by ?? '',
            askedAt: r.question_asked_at ?? r.updated_at,
          },
    questionRounds: Number(r.question_rounds),
    returnGroup: r.return_group,
    verificationLevel: r.verification_level as VerificationLevel,
    verifiedAt: r.verified_at,
    verification: r.verification_json ? (JSON.parse(r.verification_json) as VerificationState) : null,
    resetConfirmedAt: r.reset_confirmed_at,
    incident:
      r.incident_number && r.incident_sys_id ? { number: r.incident_number, sysId: r.incident_sys_id, url: r.incident_url ?? '' } : null,
    store: r.store,
    externalResult: r.external_result_at ? { at: r.external_result_at, message: r.external_message } : null,
  };
}

/** The columns that hold an open question, all cleared once it is answered or dropped. */
export const NO_QUESTION = {
  question: null,
  question_reason: null,
  question_candidates_json: null,
  question_asked_by: null,
  question_asked_at: null,
  question_id: null,
} as const;

export type NewRequest = Pick<PasswordRequest, 'requester' | 'app' | 'justification' | 'targetUser' | 'channel' | 'submittedBy'> & {
  /** Default 'none'. */
  verificationLevel?: VerificationLevel;
};

export async function insertRequest(db: Db, input: NewRequest): Promise<PasswordRequest> {
  const now = nowIso();
  const row: RequestRow = {
    id: newId('req'),
    requester: input.requester,
    app: input.app,
    justification: input.justification,
    target_user: input.targetUser,
    channel: input.channel,
    submitted_by: input.submittedBy,
    status: 'New',
    resolution: null,
    priority: 'Low',
    decision: null,
    rationale: null,
    rule_id: null,
    policy_version: null,
    reset_method: null,
    okta_user_id: null,
    okta_app_id: null,
    manual_decision: null,
    decided_by: null,
    decision_comment: null,
    next_owner: null,
    created_at: now,
    updated_at: now,
    decided_at: null,
    closed_at: null,
    ...NO_QUESTION,
    question_rounds: 0,
    return_group: null,
    app_key: appNameKey(input.app),
    verification_level: input.verificationLevel ?? 'none',
    verified_at: null,
    verification_json: null,
    challenge_id: null,
    reset_confirmed_at: null,
    incident_number: null,
    incident_sys_id: null,
    incident_url: null,
    store: null,
    external_result_at: null,
    external_message: null,
  };
  await db.insertInto('password_requests').values(row).execute();
  return toRequest(row);
}

/** Records the ServiceNow incident of a request, once: a later call (a retry) changes nothing. */
export async function setIncident(db: Db, id: string, incident: { number: string; sysId: string; url: string }): Promise<boolean> {
  const result = await db
    .updateTable('password_requests')
    .set({ incident_number: incident.number, incident_sys_id: incident.sysId, incident_url: incident.url })
    .where('id', '=', id)
    .where('incident_sys_id', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function getRequest(db: Db, id: string): Promise<PasswordRequest | null> {
  const row = await db.selectFrom('password_requests').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toRequest(row) : null;
}

export interface RequestFilter {
  status?: RequestStatus;
  /** Only requests this person asked for, or submitted (intake channels). */
  visibleTo?: string;
  limit: number;
  offset: number;
}

export async function listRequests(db: Db, filter: RequestFilter): Promise<PasswordRequest[]> {
  let q = db.selectFrom('password_requests').selectAll();
  if (filter.status) q = q.where('status', '=', filter.status);
  if (filter.visibleTo) {
    const who = filter.visibleTo;
    q = q.where((eb) => eb.or([eb('requester', '=', who), eb('submitted_by', '=', who)]));
  }
  const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit).offset(filter.offset).execute();
  return rows.map(toRequest);
}

/**
 * What one person has asked for lately: how many of their requests are open, and the creation
 * times of those filed since `since` (oldest first), for the per-person limits.
 */
export async function requesterActivity(db: Db, requester: string, since: Date): Promise<{ open: number; recent: string[] }> {
  const [open, recent] = await Promise.all([
    db
      .selectFrom('password_requests')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('requester', '=', requester)
      .where('status', 'in', [...OPEN_STATUSES])
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('password_requests')
      .select('created_at')
      .where('requester', '=', requester)
      .where('created_at', '>=', since.toISOString())
      .orderBy('created_at')
      .execute(),
  ]);
  return { open: Number(open.n), recent: recent.map((r) => r.created_at) };
}

type RequestPatch = Partial<Omit<PasswordRequestsTable, 'id' | 'status' | 'created_at'>>;

/**
 * Moves a request from `from` to `to` (checked against the lifecycle table) and applies `patch`,
 * but only if it is still in `from`. Returns the updated request, or null when another worker or
 * approver got there first, so callers never act twice on one transition.
 */
export async function transitionRequest(
  db: Db,
  id: string,
  from: RequestStatus,
  to: RequestStatus,
  patch: RequestPatch = {},
): Promise<PasswordRequest | null> {
  assertTransition(from, to);
  const now = nowIso();
  const row = await db
    .updateTable('password_requests')
    .set({ ...patch, status: to, updated_at: now, ...(to === 'Closed' ? { resolution: from, closed_at: now } : {}) })
    .where('id', '=', id)
    .where('status', '=', from)
    .returningAll()
    .executeTakeFirst();
  return row ? changed(db, row, from) : null;
}

/**
 * Every status change of a request ends here, in its transaction: a request filed in chat hears
 * about each one in its conversation, through a job enqueued with the change (transactional
 * outbox; jobs/chat-status.job.ts). A request leaving Escalated (`from`) ends its escalation
 * episode: its message in Slack's approvers' channel, if any, is updated.
 */
export async function changed(db: Db, row: RequestRow, from: RequestStatus): Promise<PasswordRequest> {
  const status = row.status as RequestStatus;
  if (from === 'Escalated' && status !== 'Escalated') {
    await enqueueApprovalMessageUpdates(db, row.id, row.requester);
  }
  if (CHAT_CHANNELS.has(row.channel) && CHAT_UPDATES.has(status)) {
    await enqueueJob(db, {
      kind: JOB_KINDS.chatStatus,
      payload: { requestId: row.id, status },
      idempotencyKey: jobKeys.chatStatus(row.id, status, row.updated_at),
      maxAttempts: 12,
      fairKey: row.requester,
    });
  }
  return toRequest(row);
}

/**
 * The escalation episode ended: its approval messages in Slack and Teams (where it was sent) are
 * updated. The episode is looked up once for both channels.
 */
async function enqueueApprovalMessageUpdates(db: Db, requestId: string, requester: string): Promise<void> {
  const cycle = await latestEscalationId(db, requestId);
  if (cycle === null) return;
  await enqueueSlackApprovalUpdate(db, requestId, cycle, requester);
  await enqueueTeamsApprovalUpdate(db, requestId, cycle, requester);
}

/** Channels whose requests get status updates in their conversation. */
const CHAT_CHANNELS: ReadonlySet<string> = new Set(['slack', 'teams']);
/** Statuses worth a chat message: Triaging follows filing at once, and Closed follows the outcome. */
const CHAT_UPDATES: ReadonlySet<RequestStatus> = new Set([
  'Verifying',
  'Waiting',
  'Escalated',
  'PendingExternal',
  'Completed',
  'Rejected',
  'Failed',
  'Cancelled',
]);

/**
 * Records a human decision on an escalated request. The conditional update is the lock: of two
 * concurrent approvals exactly one sees `true`; the other gets ALREADY_DECIDED from the caller.
 */
export async function claimManualDecision(
  db: Db,
  id: string,
  decision: { manualDecision: 'Approved' | 'Denied'; decidedBy: string; comment: string | null },
): Promise<boolean> {
  const now = nowIso();
  const claimed = await db
    .updateTable('password_requests')
    .set({
      manual_decision: decision.manualDecision,
      decided_by: decision.decidedBy,
      decision_comment: decision.comment,
      decided_at: now,
      updated_at: now,
    })
    .where('id', '=', id)
    .where('status', '=', 'Escalated')
    .where('manual_decision', 'is', null)
    .returning('requester')
    .executeTakeFirst();
  if (!claimed) return false;
  // Decided: the episode ends here, even when the request stays Escalated until its job completes it.
  await enqueueApprovalMessageUpdates(db, id, claimed.requester);
  return true;
}

/** A request's status and last change, and nothing else: the cheap read that tells whether it moved. */
export async function getRequestVersion(db: Db, id: string): Promise<{ status: RequestStatus; updatedAt: string } | null> {
  const row = await db.selectFrom('password_requests').select(['status', 'updated_at']).where('id', '=', id).executeTakeFirst();
  return row ? { status: row.status as RequestStatus, updatedAt: row.updated_at } : null;
}

/** The requester's open request for the same app and account, if any (a duplicate is answered with it). */
export async function findOpenDuplicate(
  db: Db,
  requester: string,
  app: string,
  targetUser: string | null,
): Promise<PasswordRequest | null> {
  let q = db
    .selectFrom('password_requests')
    .selectAll()
    .where('requester', '=', requester)
    .where('app_key', '=', appNameKey(app))
    .where('status', 'in', [...OPEN_STATUSES]);
  q = targetUser === null ? q.where('target_user', 'is', null) : q.where('target_user', '=', targetUser);
  const row = await q.orderBy('created_at').limit(1).executeTakeFirst();
  return row ? toRequest(row) : null;
}

/**
 * Requests that reset `account`'s password for the app since `since`, oldest first: completed
 * (a link sent, or Okta's reset done), still Completed or already Closed as Completed. The
 * account is the named target, or the requester when none was named.
 */
export async function recentResets(db: Db, account: string, app: string, since: string): Promise<PasswordRequest[]> {
  const rows = await db
    .selectFrom('password_requests')
    .selectAll()
    .where('app_key', '=', appNameKey(app))
    .where((eb) => eb.or([eb('target_user', '=', account), eb.and([eb('target_user', 'is', null), eb('requester', '=', account)])]))
    .where((eb) => eb.or([eb('status', '=', 'Completed'), eb.and([eb('status', '=', 'Closed'), eb('resolution', '=', 'Completed')])]))
    .where('updated_at', '>=', since)
    .orderBy('updated_at')
    .execute();
  return rows.map(toRequest);
}
