import { assertTransition, OPEN_STATUSES } from '../../domain/lifecycle.js';
import type { Priority, RequestStatus } from '../../domain/types.js';
import { nowIso } from '../../time.js';
import type { Db } from '../database.js';
import { newId } from '../ids.js';
import type { PasswordRequestsTable, RequestRow } from '../schema.js';

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
}

function toRequest(r: RequestRow): PasswordRequest {
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
  };
}

export type NewRequest = Pick<PasswordRequest, 'requester' | 'app' | 'justification' | 'targetUser' | 'channel' | 'submittedBy'>;

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
  };
  await db.insertInto('password_requests').values(row).execute();
  return toRequest(row);
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
  return row ? toRequest(row) : null;
}

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
  const result = await db
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
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** A request's status and last change, and nothing else: the cheap read that tells whether it moved. */
export async function getRequestVersion(db: Db, id: string): Promise<{ status: RequestStatus; updatedAt: string } | null> {
  const row = await db.selectFrom('password_requests').select(['status', 'updated_at']).where('id', '=', id).executeTakeFirst();
  return row ? { status: row.status as RequestStatus, updatedAt: row.updated_at } : null;
}
