import type { AppContext } from '../app-context.js';
import type { OktaRateBudget } from '../connectors/okta/okta-rate-limiter.js';

/** Whether a connector answered, and why not (error texts can name hosts: admins only). */
interface Reachability {
  reachable: boolean;
  error: string | null;
}

export interface ConnectorStatus {
  okta: Reachability & { rateLimits: OktaRateBudget[] };
  smtp: Reachability & { devMailbox: boolean };
}

async function reach(fn: () => Promise<unknown>): Promise<Reachability> {
  try {
    await fn();
    return { reachable: true, error: null };
  } catch (err) {
    return { reachable: false, error: (err as Error).message };
  }
}

/** Pings Okta (the readiness probe) and SMTP (connect and authenticate) in parallel. */
export async function connectorStatus(ctx: AppContext): Promise<ConnectorStatus> {
  const [okta, smtp] = await Promise.all([reach(() => ctx.okta.ping()), reach(() => ctx.mailer.verify())]);
  return {
    okta: { ...okta, rateLimits: ctx.okta.rateLimits() },
    smtp: { ...smtp, devMailbox: ctx.config.smtpUrl === undefined },
  };
}
