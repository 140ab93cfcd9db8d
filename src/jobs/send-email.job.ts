import type { AppContext } from '../app-context.js';
import { messageIdFor } from '../connectors/smtp/index.js';
import { findAppByName } from '../db/repositories/app.repository.js';
import { appendAuditEvent } from '../db/repositories/audit.repository.js';
import { getRequest, transitionRequest } from '../db/repositories/request.repository.js';
import { renderEmail } from '../domain/email-templates.js';
import { isTerminal } from '../domain/lifecycle.js';
import { AGENT_ACTOR } from './audited-call.js';
import { type EmailJobPayload, JOB_KINDS, jobKeys } from './job-kinds.js';
import { type JobHandler, PermanentJobError } from './worker.js';

/**
 * Sends one email (to `payload.to`: the requester, or an approver) and records it as a Message
 * event. When the email tells the requester a final outcome, the request moves to Closed
 * (docs/architecture.md, "Lifecycle": a terminal status becomes Closed once the requester has been told).
 */
export function sendEmailJob(ctx: AppContext): JobHandler {
  return {
    kind: JOB_KINDS.email,
    async run(raw) {
      const payload = raw as EmailJobPayload;
      const request = await getRequest(ctx.db, payload.requestId);
      if (!request) throw new PermanentJobError(`request ${payload.requestId} not found`);
      // Name the app as the catalog spells it, not as the requester typed it.
      const catalogApp = await findAppByName(ctx.db, request.app);
      const statusUrl = ctx.config.publicUrl ? `${ctx.config.publicUrl}/api/v1/requests/${request.id}` : null;
      const email = renderEmail(payload.template, {
        requestId: request.id,
        app: catalogApp?.name ?? request.app,
        requester: request.requester,
        rationale: request.rationale,
        resetUrl: payload.resetUrl ?? null,
        comment: payload.comment ?? null,
        statusUrl,
      });
      const messageId = messageIdFor(jobKeys.email(request.id, payload.template));
      const sent = await ctx.mailer.send({ to: payload.to, subject: email.subject, text: email.text, messageId });
      await ctx.db.transaction().execute(async (trx) => {
        await appendAuditEvent(trx, {
          requestId: request.id,
          actor: AGENT_ACTOR,
          eventType: 'Message',
          details: { channel: 'email', template: payload.template, to: payload.to, subject: email.subject, messageId: sent.messageId },
        });
        const current = await getRequest(trx, request.id);
        if (payload.closeAfter && current && isTerminal(current.status)) {
          if (await transitionRequest(trx, request.id, current.status, 'Closed')) {
            await appendAuditEvent(trx, {
              requestId: request.id,
              actor: AGENT_ACTOR,
              eventType: 'Closure',
              details: { resolution: current.status, notified: payload.to },
            });
          }
        }
      });
    },
  };
}
