import { createHash } from 'node:crypto';
import type { ApproverNotice, EmailTemplate } from '../domain/email-templates.js';

/** The jobs table's idempotency_key column holds 200 characters. */
const MAX_KEY = 200;

/** Job kinds and their idempotency keys: one key per side effect, so it happens once. */
export const JOB_KINDS = {
  triage: 'triage-request',
  email: 'send-email',
  oktaReset: 'okta-reset-password',
  /** Resolves an escalation's approver group and emails each active member (see escalation.jobs.ts). */
  notifyApprovers: 'notify-approvers',
  /** A durable timer: reminds the approvers (1) or the backup group (2) of an escalation still waiting. */
  escalationReminder: 'escalation-reminder',
  /** A durable timer: cancels a Waiting request whose question is still unanswered (waiting-timeout.job.ts). */
  waitingTimeout: 'waiting-timeout',
  /** Reads an Okta Verify push transaction; reschedules itself until the phone answers (verify-push.job.ts). */
  verifyPush: 'verify-push',
  /** Unlocks a LOCKED_OUT Okta account, then sends the approved reset link (okta-unlock.job.ts). */
  oktaUnlock: 'okta-unlock',
  /** After an approved Okta reset: ends the user's Okta sessions (after-reset.jobs.ts). */
  oktaClearSessions: 'okta-clear-sessions',
  /** After an approved Okta reset: one read of the System Log for the new password; reschedules itself (after-reset.jobs.ts). */
  resetWatch: 'reset-watch',
  /** An escalation's ServiceNow incident: looked up by correlation_id, created if none (servicenow.jobs.ts). */
  serviceNowIncident: 'servicenow-incident',
  /** A work note on the request's ServiceNow incident (an approver's decision). */
  serviceNowNote: 'servicenow-note',
  /** Resolves the request's ServiceNow incident when the request closes. */
  serviceNowResolve: 'servicenow-resolve',
  /** Resets a password in an LDAP / Active Directory store, then emails it once (directory-reset.job.ts). */
  directoryReset: 'directory-reset',
  /** POSTs the signed reset job to an external store's executor; retried until a 2xx (external-store.jobs.ts). */
  externalDispatch: 'external-dispatch',
  /** A durable timer: fails a request whose external executor has not called back by the store's timeout. */
  externalTimeout: 'external-timeout',
  /** Emails the approver group that an external reset failed (external-store.jobs.ts). */
  notifyExternalFailed: 'notify-external-failed',
  /** Posts a request's new status in the chat conversation it was filed from (chat-status.job.ts). */
  chatStatus: 'chat-status',
  /** Posts an escalation episode to Slack's approvers' channel, with its buttons (slack-approval.jobs.ts). */
  slackApprovalPost: 'slack-approval-post',
  /** Replaces an episode's Slack buttons with who decided what, once the request left it (slack-approval.jobs.ts). */
  slackApprovalUpdate: 'slack-approval-update',
  /** Posts an escalation episode's approval card to the Teams approvers' conversation (teams-approval.jobs.ts). */
  teamsApprovalPost: 'teams-approval-post',
  /** Replaces an episode's Teams card with who decided what, once the request left it (teams-approval.jobs.ts). */
  teamsApprovalUpdate: 'teams-approval-update',
  /** A durable timer: syncs the app catalog from Okta, then schedules the next run (app-sync.job.ts). */
  oktaAppsSync: 'okta-apps-sync',
} as const;

export const jobKeys = {
  /** `round`: the answered question that resumed triage (a first triage has none). */
  triage: (requestId: string, round?: string) => (round === undefined ? `triage:${requestId}` : `triage:${requestId}:${round}`),
  /** `dedupe` makes the same template go once per event (per question, per approver, per escalation cycle). */
  email: (requestId: string, template: EmailTemplate, dedupe?: string) => {
    if (dedupe === undefined) return `email:${requestId}:${template}`;
    const key = `email:${requestId}:${template}:${dedupe}`;
    // A long address could overflow the column: its digest stands in for the event then.
    return key.length <= MAX_KEY ? key : `email:${requestId}:${template}:#${createHash('sha256').update(dedupe).digest('hex')}`;
  },
  oktaReset: (requestId: string) => `okta-reset:${requestId}`,
  oktaUnlock: (requestId: string) => `okta-unlock:${requestId}`,
  oktaClearSessions: (requestId: string) => `okta-clear-sessions:${requestId}`,
  /** `seq`: the watcher's n-th read (1, 2, …), so each read is its own job and a repeat of one is a no-op. */
  resetWatch: (requestId: string, seq: number) => `reset-watch:${requestId}:${seq}`,
  notifyApprovers: (requestId: string, cycle: string) => `notify-approvers:${requestId}:${cycle}`,
  reminder: (requestId: string, cycle: string, n: 1 | 2) => `reminder:${requestId}:${cycle}:${n}`,
  /** One incident per request, however often it is escalated. */
  serviceNowIncident: (requestId: string) => `snow:incident:${requestId}`,
  /** `step`: what the note records (e.g. `Approved`), once per request and step. */
  serviceNowNote: (requestId: string, step: string) => `snow:note:${requestId}:${step}`,
  serviceNowResolve: (requestId: string) => `snow:resolve:${requestId}`,
  directoryReset: (requestId: string) => `directory-reset:${requestId}`,
  /** Also the Idempotency-Key header the executor sees, on every retry of the one job. */
  externalDispatch: (requestId: string) => `external:${requestId}`,
  externalTimeout: (requestId: string) => `external-timeout:${requestId}`,
  notifyExternalFailed: (requestId: string) => `notify-external-failed:${requestId}`,
  /** `at`: when the request entered the status, so a status reached twice (Waiting, Escalated) posts twice. */
  chatStatus: (requestId: string, status: string, at: string) => `chat-status:${requestId}:${status}:${at}`,
  /** One approvers' message per escalation episode (`cycle`: its Escalation event's id). */
  slackApprovalPost: (requestId: string, cycle: string) => `slack-approval-post:${requestId}:${cycle}`,
  /** An episode ends once (decided, returned or cancelled): its message is updated once. */
  slackApprovalUpdate: (requestId: string, cycle: string) => `slack-approval-update:${requestId}:${cycle}`,
  /** One Teams approval card per escalation episode. */
  teamsApprovalPost: (requestId: string, cycle: string) => `teams-approval-post:${requestId}:${cycle}`,
  /** An episode ends once: its Teams card is updated once. */
  teamsApprovalUpdate: (requestId: string, cycle: string) => `teams-approval-update:${requestId}:${cycle}`,
  /** One catalog sync per due time: every instance that schedules the same slot schedules one job. */
  oktaAppsSync: (dueAt: string) => `okta-apps-sync:${dueAt}`,
};

/** An email as its enqueuer describes it. */
export interface EmailToSend {
  requestId: string;
  template: EmailTemplate;
  to: string;
  resetUrl?: string | null;
  comment?: string | null;
  /** `question`: what the requester is asked. */
  question?: string;
  /** `question`: "Did you mean …?" app names. */
  candidates?: string[];
  /** `cancelled` (and any template that says why). */
  reason?: string;
  /** Part of the idempotency key (and Message-ID): the same template once per event. */
  dedupe?: string;
  /** Approver emails: which group, and for a reminder, whose turn and how long it has waited. */
  notice?: ApproverNotice;
  /** `reset_reminder`: whole hours since Okta sent the reset link. */
  hoursSinceReset?: number;
  /**
   * `new_password`: the password, sealed for this request (sealed-secret.ts) until the email is
   * sent; the send-email job then drops it from the payload.
   */
  sealedPassword?: string;
  /** `new_password`: the store requires a new password at the next sign-in. */
  mustChange?: boolean;
}

/** The send-email job's payload: the email, and whether it closes the request. */
export interface EmailJobPayload extends EmailToSend {
  /** Close the request once this message is sent (the requester has been told). */
  closeAfter: boolean;
  [key: string]: unknown;
}
