/**
 * The request's lifecycle steps beyond filing and triage (request.repository.ts): a question
 * to the requester and its answer, cancelling, and proving who they are (Verifying). Each is a
 * conditional update — it applies only if the request is still where the caller saw it — and
 * goes through `changed`, so chat conversations and approval messages hear of it in the same
 * transaction.
 */
import { assertTransition } from '../../domain/lifecycle.js';
import { appNameKey } from '../../domain/policy.js';
import type { RequestStatus } from '../../domain/types.js';
import type { VerificationState } from '../../domain/verification.js';
import { nowIso } from '../../time.js';
import type { Db } from '../database.js';
import { changed, NO_QUESTION, type PasswordRequest, type QuestionReason, toRequest } from './request.repository.js';

/**
 * Triaging or Escalated → Waiting with a question for the requester, only if the request is
 * still where the caller saw it (and, when Escalated, undecided: an approval in flight wins).
 * The requester becomes the next owner; a returned request remembers its approver group.
 */
export async function askRequester(
  db: Db,
  id: string,
  from: 'Triaging' | 'Escalated' | 'Verifying',
  q: { id: string; text: string; reason: QuestionReason; candidates: string[]; askedBy: string; requester: string },
): Promise<PasswordRequest | null> {
  assertTransition(from, 'Waiting');
  const now = nowIso();
  let update = db
    .updateTable('password_requests')
    .set((eb) => ({
      status: 'Waiting',
      updated_at: now,
      question: q.text,
      question_reason: q.reason,
      question_candidates_json: JSON.stringify(q.candidates),
      question_asked_by: q.askedBy,
      question_asked_at: now,
      question_id: q.id,
      next_owner: q.requester,
      ...(q.reason === 'app_ambiguous' ? { question_rounds: eb('question_rounds', '+', 1) } : {}),
      ...(from === 'Escalated' ? { return_group: eb.ref('next_owner') } : {}),
    }))
    .where('id', '=', id)
    .where('status', '=', from);
  if (from === 'Escalated') update = update.where('manual_decision', 'is', null);
  const row = await update.returningAll().executeTakeFirst();
  return row ? changed(db, row, from) : null;
}

/**
 * Waiting → Triaging (the app question answered; `app` is the answer, when given) or →
 * Escalated (a returned request answered: back to its approver group), only while question
 * `questionId` is still the open one. Clears the question.
 */
export async function answerQuestion(
  db: Db,
  id: string,
  questionId: string,
  to: 'Triaging' | 'Escalated',
  app?: string,
): Promise<PasswordRequest | null> {
  assertTransition('Waiting', to);
  const row = await db
    .updateTable('password_requests')
    .set((eb) => ({
      ...NO_QUESTION,
      status: to,
      updated_at: nowIso(),
      ...(app === undefined ? {} : { app, app_key: appNameKey(app) }),
      ...(to === 'Escalated' ? { next_owner: eb.ref('return_group'), return_group: null } : { next_owner: null }),
    }))
    .where('id', '=', id)
    .where('status', '=', 'Waiting')
    .where('question_id', '=', questionId)
    .returningAll()
    .executeTakeFirst();
  return row ? changed(db, row, 'Waiting') : null;
}

/**
 * Any open status → Cancelled, only while the request is still in `from` and, for an escalated
 * one, no approval is being carried out (an approved Okta reset stays Escalated until done).
 */
export async function cancelOpenRequest(
  db: Db,
  id: string,
  from: RequestStatus,
  rationale: string,
  questionId?: string,
): Promise<PasswordRequest | null> {
  assertTransition(from, 'Cancelled');
  let update = db
    .updateTable('password_requests')
    .set({ ...NO_QUESTION, status: 'Cancelled', decision: 'Cancelled', rationale, next_owner: null, updated_at: nowIso() })
    .where('id', '=', id)
    .where('status', '=', from)
    .where('manual_decision', 'is', null);
  if (questionId !== undefined) update = update.where('question_id', '=', questionId);
  const row = await update.returningAll().executeTakeFirst();
  return row ? changed(db, row, from) : null;
}

/**
 * Triaging or Waiting (a push that timed out, started again) → Verifying with a new challenge,
 * only while the request is still where the caller saw it.
 */
export async function startVerifying(
  db: Db,
  id: string,
  from: 'Triaging' | 'Waiting',
  state: VerificationState,
): Promise<PasswordRequest | null> {
  assertTransition(from, 'Verifying');
  const row = await db
    .updateTable('password_requests')
    .set({
      ...NO_QUESTION,
      status: 'Verifying',
      verification_json: JSON.stringify(state),
      challenge_id: state.challengeId,
      next_owner: null,
      updated_at: nowIso(),
    })
    .where('id', '=', id)
    .where('status', '=', from)
    .returningAll()
    .executeTakeFirst();
  return row ? changed(db, row, from) : null;
}

/** Updates the challenge of a Verifying request (a code sent, a wrong code counted), only within round `challengeId`. */
export async function updateVerification(db: Db, id: string, state: VerificationState): Promise<boolean> {
  const result = await db
    .updateTable('password_requests')
    .set({ verification_json: JSON.stringify(state), updated_at: nowIso() })
    .where('id', '=', id)
    .where('status', '=', 'Verifying')
    .where('challenge_id', '=', state.challengeId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Verifying → Triaging: proven. Records when, keeps the challenge for the record. */
export async function markVerified(db: Db, id: string, state: VerificationState): Promise<PasswordRequest | null> {
  assertTransition('Verifying', 'Triaging');
  const now = nowIso();
  const row = await db
    .updateTable('password_requests')
    .set({ status: 'Triaging', verified_at: now, verification_json: JSON.stringify({ ...state, push: null }), updated_at: now })
    .where('id', '=', id)
    .where('status', '=', 'Verifying')
    .where('challenge_id', '=', state.challengeId)
    .returningAll()
    .executeTakeFirst();
  return row ? toRequest(row) : null;
}
