import { describe, expect, inject, it } from 'vitest';
import { runChaos } from '../src/bench/chaos.js';

/**
 * The chaos run (src/bench/chaos.ts; `npm run chaos` is the full-size one) at a size the suite
 * can afford: three real `resetdesk serve` processes on one PostgreSQL database, one of them
 * killed with SIGKILL and restarted every second while requests are filed and approved. Every
 * check must pass: right statuses, one decision row per decision, one Okta reset per approved
 * SSO request, no email repeated but where a kill cut its job after the SMTP server took it (each
 * such repeat is matched to its job's extra attempt), no job left behind.
 */
describe('chaos: instances killed while they work', () => {
  it('ends every request right, with every side effect once', async () => {
    const report = await runChaos({
      postgresUrl: inject('postgresUrl'),
      requests: 80,
      instances: 3,
      killEveryMs: 1000,
      clients: 4,
      paceMs: 60,
    });
    expect(report.problems).toEqual([]);
    expect(report.figures.kills).toBeGreaterThanOrEqual(1);
    expect(report.figures.requestsStored).toBeGreaterThanOrEqual(80);
    expect(report.figures.approved).toBeGreaterThan(0);
    console.log(`chaos (suite size): ${JSON.stringify(report.figures)}`);
  }, 240_000);
});
