import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevMailbox, startDevMailbox } from './dev-mailbox.js';
import { createSmtpMailer } from './index.js';

describe('SMTP connector', () => {
  let mailbox: DevMailbox;
  beforeAll(async () => {
    mailbox = await startDevMailbox();
  });
  afterAll(async () => mailbox.close());

  it('sends over SMTP with the given Message-ID', async () => {
    const mailer = createSmtpMailer({ url: mailbox.url, from: 'IT <it@example.com>' });
    const info = await mailer.send({ to: 'alice@example.com', subject: 'Hi', text: 'Line 1\nLine 2', messageId: '<abc@resetdesk.local>' });
    expect(info.accepted).toEqual(['alice@example.com']);
    const [mail] = mailbox.messages();
    expect(mail).toMatchObject({
      from: 'it@example.com',
      to: ['alice@example.com'],
      subject: 'Hi',
      text: 'Line 1\nLine 2',
      messageId: '<abc@resetdesk.local>',
    });
    await mailer.verify();
    mailer.close();
  });

  it('fails with MAIL_FAILED and never shows the password', async () => {
    const mailer = createSmtpMailer({ url: 'smtp://user:s3cret@127.0.0.1:1', from: 'it@example.com', timeoutMs: 2000 });
    const err = await mailer.send({ to: 'a@example.com', subject: 's', text: 't', messageId: '<x@y>' }).then(
      () => {
        throw new Error('expected the send to fail');
      },
      (e: unknown) => e as { code: string; message: string },
    );
    expect(err).toMatchObject({ code: 'MAIL_FAILED' });
    expect(err.message).not.toContain('s3cret');
    mailer.close();
  });
});
