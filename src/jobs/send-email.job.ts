import type { AppContext } from '../app-context.js';
import { messageIdFor } from '../connectors/smtp/index.js';
import { findAppByName } from '../db/repositories/app.repository.js';
import { appendAuditEvent, listAuditEvents } from '../db/repositories/audit.repository.js';
import { dropPayloadField } from '../db/repositories/job.repository.js';
import { getRequest, transitionRequest } from '../db/repositories/request.repository.js';
import { renderEmail } from '../domain/email-templates.js';
import { isTerminal } from '../domain/lifecycle.js';
import { toSeed001 } from '../domain/request-summary.js';
import { AGENT_ACTOR } from './audited-call.js';
import { type EmailJobPayload, JOB_KINDS, jobKeys } from './job-kinds.js';
import { openSecret } from './sealed-secret.js';
import { enqueueServiceNowResolve } from './servicenow.jobs.js';
import { type JobHandler, PermanentJobError } from './worker.js';

/**
 * Sends one email (to `payload.to`: the requester, or an approver) as text and HTML, and records
 * it as a Message event. When the email tells the requester a final outcome (completed,
 * rejected, failed, cancelled), the request moves to Closed and a Closure event carries the
 * request's seed-001 summary (docs/architecture.md, "Lifecycle": a terminal status becomes Closed
 * once the requester has been told). Each happens once: the job's idempotency key, and the
 * conditional move to Closed. A `new_password` email carries a sealed password (sealed-secret.ts):
 * opened only to render, and dropped from the job's payload with the Message event.
 */
export function sendEmailJob(ctx: AppContext): JobHandler {
  return {
    kind: JOB_KINDS.email,
    async run(raw, job) {
      const payload = raw as EmailJobPayload;
      const request = await getRequest(ctx.db, payload.requestId);
      if (!request) throw new PermanentJobError(`request ${payload.requestId} not found`);
      // Name the app as the catalog spells it, not as the requester typed it.
      const catalogApp = await findAppByName(ctx.db, request.app);
      const publicUrl = ctx.config.publicUrl;
      const email = renderEmail(payload.template, {
        requestId: request.id,
        app: catalogApp?.name ?? request.app,
        requester: request.requester,
        rationale: request.rationale,
        resetUrl: payload.resetUrl ?? null,
        comment: payload.comment ?? null,
        statusUrl: publicUrl ? `${publicUrl}/api/v1/requests/${request.id}` : null,
        requestUrl: publicUrl ? `${publicUrl}/requests/${request.id}` : null,
        question: payload.question ?? null,
        candidates: payload.candidates ?? [],
        waitingHours: ctx.policy.waiting.cancelAfterHours,
        reason: payload.reason ?? null,
        justification: request.justification,
        targetUser: request.targetUser,
        priority: request.priority,
        ruleId: request.ruleId,
        notice: payload.notice ?? null,
        hoursSinceReset: payload.hoursSinceReset ?? null,
        // Opened only to render this email; it is dropped from the payload once the email is sent.
        password: payload.sealedPassword ? openSecret(ctx.config.jobSecretKey, request.id, payload.sealedPassword) : null,
        mustChange: payload.mustChange ?? null,
      });
      const messageId = messageIdFor(jobKeys.email(request.id, payload.template, payload.dedupe));
      const sent = await ctx.mailer
        .send({ to: payload.to, subject: email.subject, text: email.text, html: email.html, messageId })
        .catch((err: unknown) => {
          ctx.metrics.emailFailed(payload.template);
          throw err;
        });
      ctx.metrics.emailSent(payload.template);
      await ctx.db.transaction().execute(async (trx) => {
        await appendAuditEvent(trx, {
          requestId: request.id,
          actor: AGENT_ACTOR,
          eventType: 'Message',
          details: {
            channel: 'email',
            template: payload.template,
            to: payload.to,
            subject: email.subject,
            messageId: sent.messageId,
            ...(payload.notice ? { audience: payload.notice.audience, group: payload.notice.group } : {}),
          },
        });
        if (payload.sealedPassword) await dropPayloadField(trx, job.id, 'sealedPassword');
        const current = await getRequest(trx, request.id);
        if (payload.closeAfter && current && isTerminal(current.status)) {
          if (await transitionRequest(trx, request.id, current.status, 'Closed')) {
            const closed = (await getRequest(trx, request.id)) ?? current;
            const summary = toSeed001(closed, await listAuditEvents(trx, request.id));
            await appendAuditEvent(trx, {
              requestId: request.id,
              actor: AGENT_ACTOR,
              eventType: 'Closure',
              details: { resolution: current.status, notified: payload.to, summary },
            });
            if (ctx.serviceNow) await enqueueServiceNowResolve(trx, request.id, current.status);
          }
        }
      });
    },
    // An email that can never go out (refused for good, or out of attempts) is on the request's
    // record, so whoever reads the timeline knows the requester was not told.
    async onPermanentFailure(raw, error, job) {
      const payload = raw as EmailJobPayload;
      // A password that can never be delivered is not kept either.
      if (payload.sealedPassword) await dropPayloadField(ctx.db, job.id, 'sealedPassword');
      await appendAuditEvent(ctx.db, {
        requestId: payload.requestId,
        actor: AGENT_ACTOR,
        eventType: 'Message',
        details: { channel: 'email', template: payload.template, to: payload.to, failed: true, error: error.message },
      });
    },
  };
}
