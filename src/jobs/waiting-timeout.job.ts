import type { AppContext } from '../app-context.js';
import { expireWaiting } from '../services/request-lifecycle.service.js';
import { JOB_KINDS } from './job-kinds.js';
import type { JobHandler } from './worker.js';

/**
 * The waiting window's durable timer (a job due `waiting.cancelAfterHours` after the question):
 * cancels the request, with a notice, if that question is still unanswered. A timer for a
 * question already answered, or a request cancelled since, does nothing. The job's claim makes
 * it fire once however many instances run.
 */
export function waitingTimeoutJob(ctx: AppContext): JobHandler {
  return {
    kind: JOB_KINDS.waitingTimeout,
    async run(payload) {
      await expireWaiting(ctx, String(payload.requestId), String(payload.questionId));
    },
  };
}
