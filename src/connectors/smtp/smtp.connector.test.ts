import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
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

  /** A listener that counts the connections it was opened, and can close them all. */
  async function countingServer() {
    const sockets: { close(): void }[] = [];
    let connections = 0;
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onConnect(_session, callback) {
        connections++;
        callback();
      },
      onData(stream, _session, callback) {
        stream.resume();
        stream.on('end', () => callback());
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.server.address() as AddressInfo;
    server.server.on('connection', (socket) => sockets.push({ close: () => socket.destroy() }));
    return {
      url: `smtp://127.0.0.1:${port}`,
      connections: () => connections,
      dropAll: () => {
        for (const s of sockets.splice(0)) s.close();
      },
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  }

  const message = (n: number) => ({ to: `u${n}@example.com`, subject: 's', text: 't', messageId: `<m${n}@y>` });

  it('keeps connections open for the next messages, and replaces one the server closed', async () => {
    const server = await countingServer();
    const mailer = createSmtpMailer({ url: server.url, from: 'it@example.com' });
    try {
      for (let n = 0; n < 5; n++) await mailer.send(message(n));
      expect(server.connections()).toBe(1);
      // Several at once share a few connections, not one each.
      await Promise.all(Array.from({ length: 12 }, (_, n) => mailer.send(message(10 + n))));
      expect(server.connections()).toBeLessThanOrEqual(4);
      // The server drops every idle connection: the next message goes on a new one.
      const before = server.connections();
      server.dropAll();
      await new Promise((r) => setTimeout(r, 50));
      expect((await mailer.send(message(99))).accepted).toEqual(['u99@example.com']);
      expect(server.connections()).toBe(before + 1);
    } finally {
      mailer.close();
      await server.close();
    }
  });

  it('sends each message on a connection of its own with ?pool=false in the URL', async () => {
    const server = await countingServer();
    const mailer = createSmtpMailer({ url: `${server.url}?pool=false`, from: 'it@example.com' });
    try {
      for (let n = 0; n < 3; n++) await mailer.send(message(n));
      expect(server.connections()).toBe(3);
    } finally {
      mailer.close();
      await server.close();
    }
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

  it('a recipient the server refuses for good (550) is MAIL_REJECTED, not retried; a 451 stays MAIL_FAILED', async () => {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo(address, _session, callback) {
        const code = address.address.startsWith('gone') ? 550 : 451;
        callback(Object.assign(new Error(code === 550 ? 'No such mailbox' : 'Try again later'), { responseCode: code }));
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.server.address() as AddressInfo;
    const mailer = createSmtpMailer({ url: `smtp://127.0.0.1:${port}`, from: 'it@example.com' });
    const send = (to: string) =>
      mailer.send({ to, subject: 's', text: 't', messageId: '<x@y>' }).then(
        () => 'sent',
        (e: unknown) => (e as { code: string }).code,
      );
    try {
      expect(await send('gone@example.com')).toBe('MAIL_REJECTED');
      expect(await send('busy@example.com')).toBe('MAIL_FAILED');
    } finally {
      mailer.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
