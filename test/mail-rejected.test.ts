import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/databases.js';
import { startTestContext, type TestContext } from './helpers/test-context.js';

/**
 * A mail server that refuses the requester's address for good (550): the email job fails at
 * once instead of retrying for hours, and the failure is on the request's record.
 */
describe.each(DIALECTS)('an email refused for good on %s', (dialect) => {
  let t: TestContext;
  let smtp: SMTPServer;

  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo(_address, _session, callback) {
        callback(Object.assign(new Error('No such mailbox'), { responseCode: 550 }));
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const { port } = smtp.server.address() as AddressInfo;
    t = await startTestContext(dialect, { env: { SMTP_URL: `smtp://127.0.0.1:${port}` } });
  });
  afterAll(async () => {
    await t?.close();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  });

  it('fails the job on the first attempt and records it; the request is decided but not closed', async () => {
    const alice = await t.token('alice@example.com');
    const res = await t.create(alice, { app: 'Expensify', justification: 'x' });
    await t.idle();
    const id = res.data!.request_id;
    expect((await t.request(id, alice)).status).toBe('Completed'); // decided; the requester was never told
    const job = await t.app.ctx.db
      .selectFrom('jobs')
      .select(['status', 'attempts', 'last_error'])
      .where('kind', '=', 'send-email')
      .where('payload_json', 'like', `%${id}%`)
      .executeTakeFirstOrThrow();
    expect(job).toMatchObject({ status: 'failed', attempts: 1 });
    expect(job.last_error).toContain('550');
    const failed = (await t.events(id, alice)).filter((e) => e.details.channel === 'email' && e.details.failed === true);
    expect(failed).toHaveLength(1);
    expect(failed[0]?.details).toMatchObject({ template: 'reset_link', to: 'alice@example.com' });
  });
});
