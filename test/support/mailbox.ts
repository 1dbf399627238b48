import { type AddressObject, type ParsedMail, simpleParser } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/**
 * A real SMTP server in this process, for the app's `SMTP_URL`: every mail it accepts is parsed
 * with a real MIME parser and handed to whoever waits for that recipient.
 */
export class Mailbox {
  private readonly received: ParsedMail[] = [];
  private waiters: { to: string; resolve: (m: ParsedMail) => void }[] = [];

  private constructor(
    private readonly server: SMTPServer,
    readonly url: string,
  ) {}

  static async start(): Promise<Mailbox> {
    const ref: { box?: Mailbox } = {};
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, _session, callback) {
        simpleParser(stream).then(
          (mail) => {
            ref.box?.deliver(mail);
            callback();
          },
          (err: Error) => callback(err),
        );
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.server.address() as AddressInfo;
    ref.box = new Mailbox(server, `smtp://127.0.0.1:${port}`);
    return ref.box;
  }

  /** The next mail to `to` (one already received and not yet taken, or the next to arrive). */
  next(to: string): Promise<ParsedMail> {
    const i = this.received.findIndex((m) => recipients(m).includes(to));
    if (i >= 0) return Promise.resolve(this.received.splice(i, 1)[0]!);
    return new Promise((resolve) => this.waiters.push({ to, resolve }));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private deliver(mail: ParsedMail): void {
    const to = recipients(mail);
    const w = this.waiters.find((x) => to.includes(x.to));
    if (w) {
      this.waiters = this.waiters.filter((x) => x !== w);
      w.resolve(mail);
    } else this.received.push(mail);
  }
}

function recipients(mail: ParsedMail): string[] {
  const to: AddressObject[] = mail.to ? (Array.isArray(mail.to) ? mail.to : [mail.to]) : [];
  return to.flatMap((a) => a.value.map((v) => v.address ?? ''));
}

/** The token of the first link to `path` in the mail's text part. */
export function tokenIn(mail: ParsedMail, path: '/reset-password' | '/verify-email'): string {
  const match = new RegExp(`${path}\\?token=([A-Za-z0-9_-]+)`).exec(mail.text ?? '');
  if (!match) throw new Error(`no ${path} link in: ${mail.text}`);
  return match[1]!;
}
