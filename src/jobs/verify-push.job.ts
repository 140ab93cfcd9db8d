import type { AppContext } from '../app-context.js';
import { pollPush } from '../services/verification.service.js';
import { JOB_KINDS } from './job-kinds.js';
import type { JobHandler } from './worker.js';

/**
 * One read of an Okta Verify push transaction. A job per read, each due a few seconds after the
 * last, rather than one job looping: no worker slot is held while a phone sits in a pocket, and
 * a restart picks the polling up where it was. A read for a round that is over does nothing.
 */
export function verifyPushJob(ctx: AppContext): JobHandler {
  return {
    kind: JOB_KINDS.verifyPush,
    async run(payload) {
      await pollPush(ctx, String(payload.requestId), String(payload.challengeId), Number(payload.round));
    },
  };
}
