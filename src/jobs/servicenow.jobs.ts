/**
 * ServiceNow incidents (docs/configuration.md, "ServiceNow incidents"). Only when ServiceNow is
 * configured (`ctx.serviceNow`); otherwise nothing here is enqueued.
 *
 *  - `servicenow-incident` (key `snow:incident:{requestId}`), enqueued in the transaction that
 *    escalates (apply-decision's `request_approval`): looks the incident up by `correlation_id`
 *    (= the request id) and creates it only if there is none, so a retry after a create that timed
 *    out after ServiceNow stored it finds that incident instead of making a second one. Its
 *    number, sys_id and link are stored on the request.
 *  - `servicenow-note` (key `snow:note:{requestId}:{step}`), enqueued with an approver's decision:
 *    a work note (PATCH `work_notes`).
 *  - `servicenow-resolve` (key `snow:resolve:{requestId}`), enqueued with the Closure (every
 *    request closes there, send-email.job.ts): state 6 (Resolved), a close code from the outcome
 *    (Completed, Rejected, Failed, Cancelled), close notes, and the outcome as a work note — how
 *    completion and failure reach the incident.
 * A note or resolve job whose request has no incident yet waits for it: while the create job is
 * still open the job fails with a retryable error and runs again later; when there is no create
 * job (never escalated) or it failed for good, it does nothing. Every call is a Tool Call event.
 * A 401/403 (SERVICENOW_AUTH_FAILED) or another 4xx (SERVICENOW_ERROR) fails the job at once; the
 * request itself is never affected by ServiceNow.
 */
import type { AppContext } from '../app-context.js';
import { CLOSE_CODES, INCIDENT_STATE_RESOLVED, type NewIncident, type ServiceNowClient } from '../connectors/servicenow/index.js';
import type { Db } from '../db/database.js';
import { listDecisions } from '../db/repositories/decision.repository.js';
import { enqueueJob, getJobByKey } from '../db/repositories/job.repository.js';
import { getRequest, type PasswordRequest, setIncident } from '../db/repositories/request.repository.js';
import type { Decision } from '../domain/decision.js';
import { auditedCall } from './audited-call.js';
import { requesterOf } from './enqueue.js';
import { JOB_KINDS, jobKeys } from './job-kinds.js';
import { type JobHandler, PermanentJobError } from './worker.js';

interface IncidentPayload {
  requestId: string;
  /** The approver group the request was escalated to: the incident's assignment group. */
  approverGroup: string;
}

interface NotePayload {
  requestId: string;
  note: string;
}

type Resolution = keyof typeof CLOSE_CODES;

interface ResolvePayload {
  requestId: string;
  resolution: Resolution;
}

const URGENCY = { High: '1', Medium: '2', Low: '3' } as const;
const MAX_ATTEMPTS = 12;

/**
 * In a decision's transaction (apply-decision.ts): an escalation opens the incident, an
 * approver's decision adds a note. Nothing when ServiceNow is not configured.
 */
export async function enqueueServiceNowForDecision(trx: Db, request: PasswordRequest, decision: Decision): Promise<void> {
  const handOver = decision.actions.find((a) => a.type === 'request_approval');
  if (handOver?.type === 'request_approval') {
    const payload: IncidentPayload = { requestId: request.id, approverGroup: handOver.approverGroup };
    await enqueueJob(trx, {
      kind: JOB_KINDS.serviceNowIncident,
      payload: { ...payload },
      idempotencyKey: jobKeys.serviceNowIncident(request.id),
      maxAttempts: MAX_ATTEMPTS,
      fairKey: requesterOf(trx, request.id),
    });
  }
  if (decision.source === 'human') {
    const verb = decision.outcome === 'Approved' ? 'Approved' : 'Denied';
    const comment = decision.comment ? `\nComment: ${decision.comment}` : '';
    await enqueueNote(trx, request.id, verb, `${verb} by ${decision.decidedBy} in resetdesk.${comment}`);
  }
}

async function enqueueNote(trx: Db, requestId: string, step: string, note: string): Promise<void> {
  const payload: NotePayload = { requestId, note };
  await enqueueJob(trx, {
    kind: JOB_KINDS.serviceNowNote,
    payload: { ...payload },
    idempotencyKey: jobKeys.serviceNowNote(requestId, step),
    maxAttempts: MAX_ATTEMPTS,
    fairKey: requesterOf(trx, requestId),
  });
}

/** In the Closure's transaction (send-email.job.ts): resolves the incident, if the request was escalated to one. */
export async function enqueueServiceNowResolve(trx: Db, requestId: string, resolution: string): Promise<void> {
  if (!(resolution in CLOSE_CODES)) return;
  if (!(await getJobByKey(trx, jobKeys.serviceNowIncident(requestId)))) return;
  const payload: ResolvePayload = { requestId, resolution: resolution as Resolution };
  await enqueueJob(trx, {
    kind: JOB_KINDS.serviceNowResolve,
    payload: { ...payload },
    idempotencyKey: jobKeys.serviceNowResolve(requestId),
    maxAttempts: MAX_ATTEMPTS,
    fairKey: requesterOf(trx, requestId),
  });
}

/** The `servicenow-incident` job: find by correlation_id, else create; store it on the request. */
export function serviceNowIncidentJob(ctx: AppContext): JobHandler {
  return {
    kind: JOB_KINDS.serviceNowIncident,
    async run(raw) {
      const payload = raw as unknown as IncidentPayload;
      const sn = ctx.serviceNow;
      if (!sn) return; // ServiceNow was configured when this was enqueued, and is no longer.
      const request = await getRequest(ctx.db, payload.requestId);
      if (!request) throw new PermanentJobError(`request ${payload.requestId} not found`);
      if (request.incident) return;
      const requestId = request.id;
      const summarize = (r: { sysId: string; number: string } | null) => (r ? { number: r.number, sysId: r.sysId } : null);
      const found = await auditedCall(
        ctx.db,
        requestId,
        'servicenow.findIncident',
        { correlation_id: requestId },
        () => sn.findIncident(requestId),
        summarize,
      );
      let incident = found;
      if (!incident) {
        const fields = await incidentFields(ctx, request, payload.approverGroup);
        const { description: _description, ...shown } = fields;
        incident = await auditedCall(ctx.db, requestId, 'servicenow.createIncident', shown, () => sn.createIncident(fields), summarize);
      }
      await setIncident(ctx.db, requestId, { number: incident.number, sysId: incident.sysId, url: sn.incidentUrl(incident.sysId) });
    },
  };
}

/** The `servicenow-note` job: one work note. */
export function serviceNowNoteJob(ctx: AppContext): JobHandler {
  return {
    kind: JOB_KINDS.serviceNowNote,
    async run(raw) {
      const payload = raw as unknown as NotePayload;
      const target = await incidentOf(ctx, payload.requestId);
      if (!target) return;
      const { sn, incident } = target;
      await auditedCall(
        ctx.db,
        payload.requestId,
        'servicenow.addWorkNote',
        { incident: incident.number, work_notes: payload.note },
        () => sn.updateIncident(incident.sysId, { work_notes: payload.note }),
        (r) => ({ number: r.number }),
      );
    },
  };
}

/** The `servicenow-resolve` job: state Resolved, close code and notes, the outcome as a work note. */
export function serviceNowResolveJob(ctx: AppContext): JobHandler {
  return {
    kind: JOB_KINDS.serviceNowResolve,
    async run(raw) {
      const payload = raw as unknown as ResolvePayload;
      const target = await incidentOf(ctx, payload.requestId);
      if (!target) return;
      const { sn, incident, request } = target;
      const outcome = `${payload.resolution}${request.rationale ? `: ${request.rationale}` : ''}`;
      const fields = {
        state: INCIDENT_STATE_RESOLVED,
        close_code: CLOSE_CODES[payload.resolution],
        close_notes: `resetdesk request ${request.id} closed as ${outcome}`,
        work_notes: `Request ${payload.resolution.toLowerCase()} in resetdesk; the request is closed.`,
      };
      await auditedCall(
        ctx.db,
        payload.requestId,
        'servicenow.resolveIncident',
        { incident: incident.number, ...fields },
        () => sn.updateIncident(incident.sysId, fields),
        (r) => ({ number: r.number }),
      );
    },
  };
}

/**
 * The request's incident, or null when there is nothing to update (ServiceNow no longer
 * configured, never escalated, or the create job failed for good). Throws a retryable error while
 * the create job has not stored the incident yet.
 */
async function incidentOf(
  ctx: AppContext,
  requestId: string,
): Promise<{ sn: ServiceNowClient; request: PasswordRequest; incident: NonNullable<PasswordRequest['incident']> } | null> {
  const sn = ctx.serviceNow;
  if (!sn) return null;
  const request = await getRequest(ctx.db, requestId);
  if (!request) throw new PermanentJobError(`request ${requestId} not found`);
  if (request.incident) return { sn, request, incident: request.incident };
  const create = await getJobByKey(ctx.db, jobKeys.serviceNowIncident(requestId));
  if (!create || create.status === 'failed') return null;
  if (create.status === 'done') {
    // It stored the incident after this job read the request.
    const again = await getRequest(ctx.db, requestId);
    return again?.incident ? { sn, request: again, incident: again.incident } : null;
  }
  // Retryable (not an AppError): the worker backs off and runs this job again.
  throw new Error(`the ServiceNow incident of request ${requestId} is not created yet`);
}

/** The new incident's fields: who, what, how urgent, and the decision that escalated it. */
async function incidentFields(ctx: AppContext, request: PasswordRequest, approverGroup: string): Promise<NewIncident> {
  const triage = (await listDecisions(ctx.db, request.id)).filter((d) => d.source === 'engine').at(-1);
  const facts = triage?.decision.facts;
  const lines = [
    `resetdesk request ${request.id}: ${request.requester} asks for a password reset of ${request.app}.`,
    ...(request.targetUser ? [`Account: ${request.targetUser}`] : []),
    `Justification: ${request.justification}`,
    '',
    `Decision: Escalated (${request.ruleId ?? 'no rule'}, priority ${request.priority})`,
    `Rationale: ${request.rationale ?? '-'}`,
    ...(request.policyVersion ? [`Policy version: ${request.policyVersion}`] : []),
    `Approver group: ${approverGroup}`,
    ...(facts && typeof facts === 'object' && Object.keys(facts).length > 0
      ? ['', 'Facts:', ...Object.entries(facts).map(([k, v]) => `- ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)]
      : []),
    ...(ctx.config.publicUrl ? ['', `In resetdesk: ${ctx.config.publicUrl}/requests/${request.id}`] : []),
  ];
  const urgency = URGENCY[request.priority];
  return {
    short_description: `Password reset approval: ${request.app} for ${request.requester}`.slice(0, 160),
    description: lines.join('\n'),
    caller_id: request.requester,
    assignment_group: request.nextOwner ?? approverGroup,
    urgency,
    impact: urgency,
    correlation_id: request.id,
    correlation_display: 'resetdesk',
  };
}
