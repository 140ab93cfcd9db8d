/**
 * What follows an escalation: the approvers' notices and the reminder timers.
 *
 * `enqueueEscalationFollowUps` runs in the transaction that escalates (apply-decision's
 * `request_approval`, or a request returning to Escalated). It enqueues one `notify-approvers`
 * job per escalation episode (`cycle`: the id of the Escalation audit event that opened it), with
 * the escalation's time by the clock. That job, once committed, is as durable as the escalation:
 *  1. it sets the reminder timers — jobs with a future `run_at`, keyed
 *     `reminder:{requestId}:{cycle}:{1|2}`: reminder 1 to the approver group at escalation +
 *     `escalation.slaHours`, reminder 2 to `escalation.backupGroup` (when set) at escalation +
 *     `slaHours` + `backupAfterHours` (the policy as loaded when the timers are set);
 *  2. it resolves the approver group in Okta (approver-directory.ts) and enqueues one
 *     `approver_escalated` email per active member (key `…:{cycle}:{email}`), or, when nobody
 *     can be notified (no such group, or no active member but the requester), records a Message
 *     event saying so. The escalation stands either way;
 *  3. when Slack is configured, it enqueues the episode's message to the approvers' channel
 *     (`slack-approval-post`, key `slack-approval-post:{requestId}:{cycle}`; slack-approval.jobs.ts).
 * A timer that falls due does nothing unless the request is still Escalated, undecided and in
 * the same episode (its latest Escalation event is `cycle`). Jobs are claimed by one instance
 * (claimDueJobs), so a reminder fires once however many instances run, and a restart loses none.
 */
import type { AppContext } from '../app-context.js';
import type { Db } from '../db/database.js';
import { appendAuditEvent, listAuditEvents } from '../db/repositories/audit.repository.js';
import { enqueueJob } from '../db/repositories/job.repository.js';
import { getRequest, type PasswordRequest } from '../db/repositories/request.repository.js';
import { enqueueSlackApprovalPost } from '../db/repositories/slack-approval.repository.js';
import { enqueueTeamsApprovalPost } from '../db/repositories/teams.repository.js';
import type { ApproverNotice } from '../domain/email-templates.js';
import { isRequestSubject, resolveApproverGroup } from '../services/approver-directory.js';
import { nowIso, nowMs } from '../time.js';
import { AGENT_ACTOR } from './audited-call.js';
import { enqueueEmail, requesterOf } from './enqueue.js';
import { JOB_KINDS, jobKeys } from './job-kinds.js';
import { type JobHandler, PermanentJobError } from './worker.js';

const HOUR_MS = 3_600_000;

/** One escalation episode of a request. */
interface EscalationEpisode {
  requestId: string;
  /** The Okta group (by name) that decides the request: its next owner. */
  approverGroup: string;
  /** Unique per episode: the id of the Escalation audit event that opened it. */
  cycle: string;
}

interface NotifyPayload extends EscalationEpisode {
  /** When the request was escalated, by the clock (time.ts): the timers count from here. */
  escalatedAt: string;
}

interface ReminderPayload extends NotifyPayload {
  n: 1 | 2;
  /** The group reminded: the approver group (1) or the policy's backup group (2). */
  group: string;
}

/** Enqueues an escalation's notices and reminder timers, in the caller's transaction. See the file comment. */
export async function enqueueEscalationFollowUps(trx: Db, episode: EscalationEpisode): Promise<void> {
  const payload: NotifyPayload = { ...episode, escalatedAt: nowIso() };
  await enqueueJob(trx, {
    kind: JOB_KINDS.notifyApprovers,
    payload: { ...payload },
    idempotencyKey: jobKeys.notifyApprovers(episode.requestId, episode.cycle),
    maxAttempts: 12,
    fairKey: requesterOf(trx, episode.requestId),
  });
}

/** The `notify-approvers` job: sets the reminder timers, then emails the group's active members. */
export function notifyApproversJob(ctx: AppContext): JobHandler {
  return {
    kind: JOB_KINDS.notifyApprovers,
    async run(raw) {
      const payload = raw as unknown as NotifyPayload;
      const request = await getRequest(ctx.db, payload.requestId);
      if (!request) throw new PermanentJobError(`request ${payload.requestId} not found`);
      // First, before any Okta call that could fail: the timers.
      await scheduleReminders(ctx, payload);
      if (!(await stillAwaiting(ctx, request, payload.cycle))) return;
      const sent = await notifyGroup(ctx, request, payload, payload.approverGroup, 'approver_escalated', {
        group: payload.approverGroup,
        audience: 'approvers',
        approverGroup: payload.approverGroup,
      });
      // And the approvers' channel in Slack, when configured: one message per episode (slack-approval.jobs.ts).
      const posting = ctx.slack ? await enqueueSlackApprovalPost(ctx.db, { requestId: request.id, cycle: payload.cycle }) : false;
      // And the Teams approvers' conversation, when configured: one card per episode (teams-approval.jobs.ts).
      const carding = ctx.teams?.approversConversation
        ? await enqueueTeamsApprovalPost(ctx.db, { requestId: request.id, cycle: payload.cycle })
        : false;
      if (sent > 0 || posting || carding) ctx.wakeWorker();
    },
  };
}

/** The `escalation-reminder` job: a durable timer; reminds the group if the request still waits. */
export function escalationReminderJob(ctx: AppContext): JobHandler {
  return {
    kind: JOB_KINDS.escalationReminder,
    async run(raw) {
      const payload = raw as unknown as ReminderPayload;
      const request = await getRequest(ctx.db, payload.requestId);
      if (!request) throw new PermanentJobError(`request ${payload.requestId} not found`);
      // Decided, cancelled, or escalated again since (a new episode has timers of its own): nothing to do.
      if (!(await stillAwaiting(ctx, request, payload.cycle))) return;
      const waitedHours = Math.max(0, Math.floor((nowMs() - Date.parse(payload.escalatedAt)) / HOUR_MS));
      const sent = await notifyGroup(ctx, request, payload, payload.group, 'approver_reminder', {
        group: payload.group,
        audience: payload.n === 1 ? 'approvers' : 'backup',
        approverGroup: payload.approverGroup,
        waitedHours,
      });
      if (sent > 0) ctx.wakeWorker();
      ctx.metrics.reminderFired(payload.n === 1 ? 'approvers' : 'backup');
    },
  };
}

/** Sets the episode's reminder timers (idempotent: keyed per episode and reminder). */
async function scheduleReminders(ctx: AppContext, episode: NotifyPayload): Promise<void> {
  const { slaHours, backupGroup, backupAfterHours } = ctx.policy.escalation;
  const start = Date.parse(episode.escalatedAt);
  const timers: ReminderPayload[] = [{ ...episode, n: 1, group: episode.approverGroup }];
  if (backupGroup) timers.push({ ...episode, n: 2, group: backupGroup });
  await ctx.db.transaction().execute(async (trx) => {
    for (const timer of timers) {
      const afterHours = timer.n === 1 ? slaHours : slaHours + backupAfterHours;
      await enqueueJob(trx, {
        kind: JOB_KINDS.escalationReminder,
        payload: { ...timer },
        idempotencyKey: jobKeys.reminder(episode.requestId, episode.cycle, timer.n),
        runAt: new Date(start + afterHours * HOUR_MS),
        maxAttempts: 12,
        fairKey: requesterOf(trx, episode.requestId),
      });
    }
  });
}

/**
 * Whether the request still waits for a human in this episode: Escalated, undecided, and its
 * latest Escalation event is the one that opened the episode.
 */
export async function stillAwaiting(ctx: AppContext, request: PasswordRequest, cycle: string): Promise<boolean> {
  if (request.status !== 'Escalated' || request.manualDecision !== null) return false;
  const escalations = (await listAuditEvents(ctx.db, request.id)).filter((e) => e.eventType === 'Escalation');
  return escalations.at(-1)?.eventId === cycle;
}

/**
 * Emails each active member of `groupName` (but the person the request is for) once per episode
 * and notice; when nobody can be told, records why. Returns how many emails were enqueued. Also
 * for a failed external reset (external-store.jobs.ts): `cycle` names that event, `step` the notice.
 */
export async function notifyGroup(
  ctx: AppContext,
  request: PasswordRequest,
  episode: { cycle: string; n?: 1 | 2 },
  groupName: string,
  template: 'approver_escalated' | 'approver_reminder' | 'approver_external_failed',
  notice: ApproverNotice,
): Promise<number> {
  const group = await resolveApproverGroup(ctx.okta, groupName);
  const members = group.kind === 'found' ? group.members.filter((m) => !isRequestSubject(m, request) && m.email !== '') : [];
  const step = episode.n !== undefined ? `reminder ${episode.n}` : template === 'approver_escalated' ? 'escalation' : template;
  const dedupe = (email: string) => (episode.n !== undefined ? `${episode.cycle}:${episode.n}:${email}` : `${episode.cycle}:${email}`);
  await ctx.db.transaction().execute(async (trx) => {
    if (members.length === 0) {
      const details = {
        kind: 'approvers_not_notified',
        step,
        cycle: episode.cycle,
        group: groupName,
        reason:
          group.kind === 'missing'
            ? `the Okta group "${groupName}" does not exist; only admins can decide this request until it does`
            : `the Okta group "${groupName}" has no active member who could decide this request`,
      };
      // Once per episode and step, even if this job runs again.
      const logged = (await listAuditEvents(trx, request.id)).some(
        (e) => e.eventType === 'Message' && e.details.kind === details.kind && e.details.cycle === details.cycle && e.details.step === step,
      );
      if (!logged) await appendAuditEvent(trx, { requestId: request.id, actor: AGENT_ACTOR, eventType: 'Message', details });
      return;
    }
    for (const member of members) {
      await enqueueEmail(trx, { requestId: request.id, to: member.email, template, dedupe: dedupe(member.email.toLowerCase()), notice });
    }
  });
  if (group.kind === 'missing') ctx.logger.warn({ requestId: request.id, group: groupName, step }, 'approver group not found in Okta');
  return members.length;
}
